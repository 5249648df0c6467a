//! Reading log files: shape detection and per-record decoding.
//!
//! Accepted shapes, detected from the text: one JSON object; a JSON array; a
//! Graph page `{"value": [...]}`; JSON Lines; Azure Monitor diagnostic
//! records `{"records": [{..., "properties": {...}}]}` (also nested in an array).

use super::kinds::LogRecord;
use super::record::Origin;
use crate::error::{Error, ErrorKind, Result};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::path::Path;
use std::sync::Arc;

/// Fields that say what shape an object is, read without decoding the rest:
/// containers (`value`, `records`, a wrapper's `log`) and the Azure Monitor
/// envelope around `properties`.
#[derive(Deserialize)]
pub(crate) struct Probe<'a> {
    #[serde(borrow, default)]
    value: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default)]
    records: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default)]
    log: Option<&'a RawValue>,
    #[serde(borrow, default)]
    properties: Option<&'a RawValue>,
    #[serde(rename = "operationName", alias = "operationname", alias = "OperationName", default, deserialize_with = "super::flex::text")]
    pub(super) operation_name: Option<String>,
    #[serde(default, deserialize_with = "super::flex::text")]
    pub(super) category: Option<String>,
    #[serde(rename = "resultType", alias = "resulttype", default, deserialize_with = "super::flex::text")]
    pub(super) result_type: Option<String>,
    #[serde(default, deserialize_with = "super::flex::text")]
    pub(super) time: Option<String>,
    #[serde(rename = "correlationId", alias = "correlationid", default, deserialize_with = "super::flex::text")]
    pub(super) correlation_id: Option<String>,
}

/// Line starts of a text, to turn byte offsets into line:column.
struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts }
    }
    /// 1-based line and column of a byte offset.
    fn locate(&self, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= offset);
        (line, offset - self.starts[line - 1] + 1)
    }
}

struct Reader<'t, T> {
    file: Arc<str>,
    path: &'t Path,
    text: &'t str,
    lines: Lines,
    /// Where `text` starts in the file (1-based line and column): a record
    /// the splitter cut out of a larger stream.
    line0: usize,
    col0: usize,
    out: Vec<T>,
    /// Azure Monitor records of another category (e.g. audit events in a sign-in stream).
    skipped: usize,
    /// Records met so far, skipped ones included: record N is the Nth record
    /// of the file, as batch triage's splitter numbers them.
    number: usize,
}

impl<'t, T: LogRecord> Reader<'t, T> {
    /// Line and column in the file of a byte offset in `text`.
    fn locate(&self, offset: usize) -> (usize, usize) {
        let (l, c) = self.lines.locate(offset);
        if l == 1 {
            (self.line0, self.col0 + c - 1)
        } else {
            (self.line0 + l - 1, c)
        }
    }

    fn offset_of(&self, raw: &RawValue) -> usize {
        raw.get().as_ptr() as usize - self.text.as_ptr() as usize
    }

    fn syntax(&self, e: &serde_json::Error, base: usize) -> Error {
        let (bl, bc) = self.locate(base);
        let (line, col) = if e.line() <= 1 { (bl, bc + e.column().saturating_sub(1)) } else { (bl + e.line() - 1, e.column()) };
        let msg = e.to_string();
        let msg = msg.split(" at line ").next().unwrap_or(&msg);
        Error::new(ErrorKind::Syntax, format!("malformed JSON: {msg}")).at_path(self.path).at(line, col).caused_by(clone_json_error(e))
    }

    /// Decode one element: a record, or a container of records.
    fn element(&mut self, raw: &'t RawValue) -> Result<()> {
        let s = raw.get();
        if s.starts_with('{') {
            if let Ok(mut p) = serde_json::from_str::<Probe>(s) {
                if let Some(items) = p.value.take().or(p.records.take()) {
                    // A page or an Azure Monitor blob inside the file's array
                    // (Microsoft's own audit samples are so): its records,
                    // numbered on from the container's number.
                    for item in items {
                        self.element(item)?;
                    }
                    return Ok(());
                }
                if let Some(inner) = p.log.filter(|l| l.get().starts_with('{')) {
                    return self.wrapped(inner);
                }
                if let (Some(props), Some(_)) = (p.properties, p.operation_name.as_ref()) {
                    if props.get().starts_with('{') {
                        if let Some(cat) = p.category.as_deref() {
                            if !T::accepts_category(cat) {
                                self.number += 1;
                                self.skipped += 1;
                                return Ok(());
                            }
                        }
                        self.number += 1;
                        return self.record(props, raw, Some(&p));
                    }
                }
            }
            self.number += 1;
            return self.record(raw, raw, None);
        }
        if s.starts_with('[') {
            let items: Vec<&RawValue> = serde_json::from_str(s).map_err(|e| self.syntax(&e, self.offset_of(raw)))?;
            for item in items {
                self.element(item)?;
            }
            return Ok(());
        }
        let (line, col) = self.locate(self.offset_of(raw));
        Err(Error::new(ErrorKind::NotALog, format!("expected a {} object, found `{}`", T::WHAT, abbreviate(s)))
            .at_path(self.path)
            .at(line, col)
            .record(self.number + 1)
            .hint(format!("a {} log is a JSON object, an array of them, a Graph page {{\"value\": [...]}}, or JSON Lines", T::WHAT)))
    }

    /// A wrapper's record (`{"log": {...}}`): one record, whatever it holds.
    fn wrapped(&mut self, inner: &'t RawValue) -> Result<()> {
        let before = self.number;
        self.element(inner)?;
        self.number = before + 1;
        Ok(())
    }

    fn record(&mut self, body: &'t RawValue, start: &'t RawValue, env: Option<&Probe<'_>>) -> Result<()> {
        let number = self.number;
        let base = self.offset_of(body);
        let (line, col) = self.locate(self.offset_of(start));
        let mut rec: T = serde_json::from_str(body.get()).map_err(|e| {
            let (l, c) = self.locate(base);
            let (l, c) = if e.line() <= 1 { (l, c + e.column().saturating_sub(1)) } else { (l + e.line() - 1, e.column()) };
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            Error::new(ErrorKind::BadRecord, format!("cannot read this {}: {msg}", T::WHAT)).at_path(self.path).at(l, c).record(number).caused_by(e)
        })?;
        if let Some(env) = env {
            rec.apply_envelope(env);
        }
        if let Err((msg, hint)) = rec.check() {
            return Err(Error::new(ErrorKind::NotALog, msg).at_path(self.path).at(line, col).record(number).hint(hint));
        }
        rec.set_origin(Origin { file: self.file.clone(), record: number, line });
        rec.shrink();
        self.out.push(rec);
        Ok(())
    }
}

/// A JSON error kept as the cause of ours (serde_json's error is not `Clone`).
fn clone_json_error(e: &serde_json::Error) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string())
}

fn abbreviate(s: &str) -> String {
    let s: String = s.chars().take(40).collect();
    s.replace('\n', " ")
}

/// Whether a file whose text starts so is JSON (else it is read as CSV, by
/// its header row).
fn looks_like_json(head: &str) -> bool {
    let t = head.strip_prefix('\u{feff}').unwrap_or(head).trim_start();
    t.is_empty() || t.starts_with('{') || t.starts_with('[')
}

/// The one shape test of every reader: whether a stream is JSON (else a CSV
/// export), as forced or by its first bytes, which stay in the buffer.
pub(crate) fn is_json(reader: &mut impl std::io::BufRead, format: super::InputFormat) -> std::io::Result<bool> {
    Ok(match format {
        super::InputFormat::Json => true,
        super::InputFormat::Csv => false,
        super::InputFormat::Auto => {
            let head = reader.fill_buf()?;
            looks_like_json(&String::from_utf8_lossy(&head[..head.len().min(4096)]))
        }
    })
}

/// Decode the records in one record's text (a record, or an envelope,
/// wrapper or nested container holding some), cut from `path` at `line0`:
/// `col0` with record number `number`. Appends to `out`; returns how many
/// records of other categories were skipped.
fn decode_span<T: LogRecord>(path: &Path, file: &Arc<str>, text: &str, (line0, col0, number): (usize, usize, usize), out: &mut Vec<T>) -> Result<usize> {
    let mut r = Reader { file: file.clone(), path, text, lines: Lines::new(text), line0, col0, out: std::mem::take(out), skipped: 0, number: number - 1 };
    let result = match serde_json::from_str::<&RawValue>(text) {
        Ok(raw) => r.element(raw),
        Err(e) => Err(r.syntax(&e, 0)),
    };
    *out = r.out;
    result.map(|_| r.skipped)
}

/// Decode one record cut from a file by the splitter (batch triage reads
/// records again this way): the same envelope, wrapper and shape rules as
/// every file read.
pub(crate) fn read<T: LogRecord>(path: &Path, text: &str) -> Result<Vec<T>> {
    let mut out = Vec::new();
    decode_span(path, &Arc::from(path.display().to_string()), text, (1, 1, 1), &mut out)?;
    Ok(out)
}

/// Read every record of kind `T` from a stream: the one record source of
/// `diagnose`, `guide`, the library and triage. JSON in any shape goes
/// through the streaming splitter record by record (the whole file is never
/// held); anything else is a CSV export, recognised by its header row and
/// streamed row by row.
///
/// Given `Some` list in `bad`, a record it cannot read goes there and the
/// read goes on (batch triage lists bad records and carries on); the
/// file's structure must still hold, and a file with no good record is
/// still an error.
pub(crate) fn read_stream<T: LogRecord>(path: &Path, reader: impl std::io::Read, format: super::InputFormat, bad: &mut Option<Vec<Error>>) -> Result<Vec<T>> {
    let mut out = Vec::new();
    read_stream_each(path, reader, format, bad, &mut |r| out.push(r))?;
    Ok(out)
}

/// [`read_stream`], each record handed to `each` as it is read, so that a
/// caller keeping only a digest of the records never holds them all.
pub(crate) fn read_stream_each<T: LogRecord>(path: &Path, reader: impl std::io::Read, format: super::InputFormat, bad: &mut Option<Vec<Error>>, each: &mut dyn FnMut(T)) -> Result<()> {
    let _sharing = T::SHARE_TEXT.then(super::flex::Sharing::begin);
    let mut reader = std::io::BufReader::with_capacity(1 << 16, reader);
    let json = is_json(&mut reader, format).map_err(|e| Error::io(path, &e))?;
    let blank = {
        let head = std::io::BufRead::fill_buf(&mut reader).map_err(|e| Error::io(path, &e))?;
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        head[..head.len().min(4096)].iter().all(u8::is_ascii_whitespace)
    };
    if blank && json {
        // Whitespace only (or nothing) in the first 4 KiB: check the rest.
        let mut rest = Vec::new();
        std::io::Read::read_to_end(&mut reader, &mut rest).map_err(|e| Error::io(path, &e))?;
        if rest.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::new(ErrorKind::Empty, format!("the file is empty; expected a {} log", T::WHAT)).at_path(path));
        }
        return read_json(path, &rest[..], bad, each);
    }
    if !json {
        return read_csv(path, reader, bad, each);
    }
    read_json(path, reader, bad, each)
}

/// A file whose every record was bad (this file's, from `before` on in the
/// list) is an error: its first bad record says why.
fn no_good_record(read: usize, bad: &mut Option<Vec<Error>>, before: usize) -> Result<()> {
    match bad.as_mut() {
        Some(list) if read == 0 && list.len() > before => Err(list.remove(before)),
        _ => Ok(()),
    }
}

/// A record's error: kept in `bad` when the read keeps going, else returned.
fn keep_or_fail(bad: &mut Option<Vec<Error>>, e: Error) -> Result<()> {
    match bad {
        Some(list) => {
            list.push(e);
            Ok(())
        }
        None => Err(e),
    }
}

/// JSON in any shape, split record by record.
fn read_json<T: LogRecord>(path: &Path, reader: impl std::io::Read, bad: &mut Option<Vec<Error>>, each: &mut dyn FnMut(T)) -> Result<()> {
    let before = bad.as_ref().map_or(0, Vec::len);
    let file: Arc<str> = Arc::from(path.display().to_string());
    let mut splitter = super::split::Splitter::new(reader);
    let (mut out, mut read, mut skipped, mut batch) = (Vec::new(), 0, 0, super::split::Batch::default());
    loop {
        batch = match splitter.next_batch_into(batch, 256) {
            Ok(Some(b)) => b,
            Ok(None) => break,
            Err(e) => return Err(e.into_error(path)),
        };
        let text = batch.text();
        for sp in &batch.spans {
            let record = match &text {
                Ok(t) => &t[sp.start..sp.end],
                Err(_) => match std::str::from_utf8(batch.record(sp)) {
                    Ok(r) => r,
                    Err(e) => {
                        let err = Error::new(ErrorKind::Syntax, "the record is not UTF-8 text")
                            .at_path(path)
                            .at(sp.line, sp.column)
                            .record(sp.number)
                            .hint(format!("first bad byte at offset {}", sp.offset + e.valid_up_to() as u64));
                        keep_or_fail(bad, err)?;
                        continue;
                    }
                },
            };
            match decode_span(path, &file, record, (sp.line, sp.column, sp.number), &mut out) {
                Ok(n) => skipped += n,
                Err(e) => keep_or_fail(bad, e)?,
            }
            read += out.len();
            out.drain(..).for_each(&mut *each);
        }
    }
    no_good_record(read, bad, before)?;
    if read == 0 && !(T::EMPTY_OK && skipped == 0) {
        let also = if skipped > 0 { format!(" ({skipped} Azure Monitor records of other categories were skipped)") } else { String::new() };
        return Err(Error::new(ErrorKind::Empty, format!("the file holds no {} records{also}", T::WHAT)).at_path(path));
    }
    Ok(())
}

/// Read a CSV export, row by row.
fn read_csv<T: LogRecord>(path: &Path, reader: impl std::io::Read, bad: &mut Option<Vec<Error>>, each: &mut dyn FnMut(T)) -> Result<()> {
    let before = bad.as_ref().map_or(0, Vec::len);
    let (mut rdr, mapper) = super::csv::open(path, reader)?;
    if let Err(hint) = T::accepts_csv(mapper.kind()) {
        return Err(Error::new(ErrorKind::NotALog, format!("not a {} export", T::WHAT)).at_path(path).at(1, 1).hint(hint));
    }
    let file: Arc<str> = Arc::from(path.display().to_string());
    let mut read = 0;
    let mut row = csv::StringRecord::new();
    for i in 1.. {
        let line = rdr.position().line() as usize;
        match rdr.read_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let err = super::csv::row_error(path, e, i);
                if err.kind() == ErrorKind::Io {
                    return Err(err);
                }
                keep_or_fail(bad, err)?;
                continue;
            }
        }
        let line = row.position().map_or(line, |p| p.line() as usize);
        let mut rec: T = match serde_json::from_value(mapper.map(&row)) {
            Ok(r) => r,
            Err(e) => {
                keep_or_fail(bad, Error::new(ErrorKind::BadRecord, format!("cannot read this {}: {e}", T::WHAT)).at_path(path).at(line, 1).record(i))?;
                continue;
            }
        };
        if let Err((msg, hint)) = rec.check() {
            return Err(Error::new(ErrorKind::NotALog, msg).at_path(path).at(line, 1).record(i).hint(hint));
        }
        rec.set_origin(Origin { file: file.clone(), record: i, line });
        rec.shrink();
        read += 1;
        each(rec);
    }
    no_good_record(read, bad, before)?;
    if read == 0 && !T::EMPTY_OK {
        return Err(Error::new(ErrorKind::Empty, format!("the file holds no {} records", T::WHAT)).at_path(path));
    }
    Ok(())
}

/// The admin center's authentication-details CSV (downloaded beside the
/// sign-in CSV), read row by row: steps by Request ID. `None` when the
/// stream is not one (it is then read as sign-ins).
pub(crate) fn read_auth_details(path: &Path, reader: impl std::io::Read) -> Result<Option<Vec<(String, super::AuthStep)>>> {
    let (mut rdr, mapper) = super::csv::open(path, reader)?;
    if mapper.kind() != super::csv::CsvKind::PortalAuthDetails {
        return Ok(None);
    }
    let mut out = Vec::new();
    let mut row = csv::StringRecord::new();
    for i in 1.. {
        match rdr.read_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(super::csv::row_error(path, e, i)),
        }
        let line = row.position().map_or(i + 1, |p| p.line() as usize);
        let v = mapper.map(&row);
        let Some(id) = v.get("requestId").and_then(|x| x.as_str()).map(String::from) else { continue };
        let step: super::AuthStep =
            serde_json::from_value(v).map_err(|e| Error::new(ErrorKind::BadRecord, format!("cannot read this authentication step: {e}")).at_path(path).at(line, 1).record(i))?;
        out.push((id, step));
    }
    Ok(Some(out))
}
