//! Streaming record splitter: finds each record's bytes in a JSON stream
//! without parsing it, so a whole export is never in memory. Handles JSON
//! Lines (or any concatenated objects), a top-level array, and an object
//! holding the records in `value` (Graph page) or `records` (Azure Monitor).
//!
//! Longer than the project's 500-line guide, with `scan` over 100 lines, on
//! purpose: the scanner is one state machine, kept in one piece so that every
//! transition (strings, depth, containers, commas, line mode) reads together.

use std::io::Read;

/// One record's place.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    /// Start and end in the batch's data.
    pub start: usize,
    pub end: usize,
    /// 1-based record number in the file.
    pub number: usize,
    /// 1-based line where it starts.
    pub line: usize,
    /// 1-based column (in bytes) where it starts.
    pub column: usize,
    /// Byte offset in the file.
    pub offset: u64,
    /// Length in the file (a CSV row's JSON form in the batch is longer
    /// than its row in the file).
    pub len: u32,
}

/// Records' bytes: in line mode a chunk of the file read straight into the
/// batch, else records copied out of the scanner's buffer.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    /// Bytes; only the first `used` are this batch's. The vector keeps its
    /// length when a batch is reused, so a refill does not zero it again.
    data: Vec<u8>,
    used: usize,
    pub spans: Vec<Span>,
}

impl Batch {
    pub(crate) fn record(&self, s: &Span) -> &[u8] {
        &self.data[s.start..s.end]
    }

    /// The batch's bytes as text, checked for UTF-8 in one pass (records
    /// start and end at ASCII bytes, so each record's span is text too).
    pub(crate) fn text(&self) -> Result<&str, std::str::Utf8Error> {
        std::str::from_utf8(&self.data[..self.used])
    }

    /// Room for `n` more bytes after the used ones.
    fn room(&mut self, n: usize) -> &mut [u8] {
        if self.data.len() < self.used + n {
            // Some headroom for the carried line, so a reused batch rarely grows.
            self.data.resize(self.used + n + (64 << 10), 0);
        }
        &mut self.data[self.used..self.used + n]
    }

    /// Add a record made elsewhere (a CSV row in its JSON form), with its place in the file.
    pub(crate) fn push_record(&mut self, bytes: &[u8], number: usize, line: usize, offset: u64, len: u32) {
        let start = self.used;
        self.put(bytes);
        self.spans.push(Span { start, end: self.used, number, line, column: 1, offset, len });
    }

    /// Empty the batch for reuse, keeping its memory.
    pub(crate) fn clear(&mut self) {
        self.used = 0;
        self.spans.clear();
    }

    fn put(&mut self, bytes: &[u8]) {
        self.room(bytes.len()).copy_from_slice(bytes);
        self.used += bytes.len();
    }
}

/// Where batches of records come from: the JSON splitter, or a CSV export's rows.
pub(crate) trait Batches {
    /// The next batch of up to `max` records (refilling `batch`), or `None` at the end.
    fn next_batch_into(&mut self, batch: Batch, max: usize) -> Result<Option<Batch>, SplitError>;
}

impl<R: Read> Batches for Splitter<R> {
    fn next_batch_into(&mut self, batch: Batch, max: usize) -> Result<Option<Batch>, SplitError> {
        Splitter::next_batch_into(self, batch, max)
    }
}

/// A problem in the stream's structure (not in one record).
#[derive(Debug)]
pub(crate) struct SplitError {
    pub line: usize,
    pub offset: u64,
    pub message: String,
    /// The read error, when the stream failed rather than its JSON.
    pub io: Option<std::io::Error>,
}

impl SplitError {
    /// The crate's error for this file: a read failure as a read failure (a
    /// file over its cap says so), anything else as malformed JSON at its line.
    pub(crate) fn into_error(self, path: &std::path::Path) -> crate::Error {
        match self.io {
            Some(io) => crate::Error::io(path, &io),
            None => crate::Error::new(crate::ErrorKind::Syntax, format!("malformed JSON: {}", self.message)).at_path(path).at(self.line, 1).hint(format!("at byte {}", self.offset)),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Top {
    /// Between top-level values.
    None,
    /// Inside a top-level object that is (so far) a record.
    Object,
    /// Inside a top-level object whose `value`/`records` array holds the records.
    Container,
    /// Inside a top-level array whose elements are the records.
    Array,
}

pub(crate) struct Splitter<R: Read> {
    r: R,
    buf: Vec<u8>,
    /// Scan position and fill level in `buf`.
    pos: usize,
    end: usize,
    /// File offset of buf[0].
    base: u64,
    eof: bool,
    // Scanner state.
    depth: usize,
    in_string: bool,
    top: Top,
    /// Start (in buf) of the record being scanned.
    rec_start: Option<usize>,
    rec_line: usize,
    rec_column: usize,
    /// File offset of the current line's start (for columns).
    line_start: u64,
    /// Depth at which records start (1 in a top-level array, 2 in a container array).
    rec_depth: usize,
    /// Depth of the container array, when inside one.
    container_depth: Option<usize>,
    /// Depth-1 key tracking in a top-level object.
    key_start: Option<usize>,
    last_key_is_container: bool,
    expect_key: bool,
    line: usize,
    number: usize,
    max_record: usize,
    /// One record per line (JSON Lines of top-level objects only): split at
    /// newlines, which is many times faster than scanning.
    lines: bool,
    /// In line mode: the unfinished last line of the previous read, and its
    /// offset in the file.
    carry: Vec<u8>,
    carry_offset: u64,
    /// Read size.
    chunk: usize,
    /// In an array of records: a record ended and no comma followed yet.
    after_record: bool,
    /// In an array of records: a comma followed the last record.
    comma: bool,
    /// Whether the start of the input (and a byte-order mark) was looked at.
    started: bool,
    /// The scanner stopped at a `\\` whose escaped byte is not read yet.
    need_more: bool,
}

/// Read size; the scanner's buffer is twice this, and grows for a larger
/// record. In line mode each batch is one read of this size.
const CHUNK: usize = 1 << 19;

impl<R: Read> Splitter<R> {
    pub(crate) fn new(r: R) -> Self {
        Splitter {
            r,
            buf: vec![0; CHUNK * 2],
            pos: 0,
            end: 0,
            base: 0,
            eof: false,
            depth: 0,
            in_string: false,
            top: Top::None,
            rec_start: None,
            rec_line: 1,
            rec_column: 1,
            line_start: 0,
            rec_depth: 0,
            container_depth: None,
            key_start: None,
            last_key_is_container: false,
            expect_key: false,
            line: 1,
            number: 0,
            max_record: 256 << 20,
            lines: false,
            carry: Vec::new(),
            carry_offset: 0,
            chunk: CHUNK,
            after_record: false,
            comma: false,
            started: false,
            need_more: false,
        }
    }

    /// Make room and read more; false at end of input.
    fn fill(&mut self) -> Result<bool, SplitError> {
        if self.eof {
            return Ok(false);
        }
        // Keep the unfinished record (or key), drop what is done.
        let keep = [self.rec_start, self.key_start].into_iter().flatten().min().unwrap_or(self.pos).min(self.pos);
        if keep > 0 {
            self.buf.copy_within(keep..self.end, 0);
            self.end -= keep;
            self.pos -= keep;
            self.base += keep as u64;
            self.rec_start = self.rec_start.map(|s| s - keep);
            self.key_start = self.key_start.map(|s| s - keep);
        }
        if self.buf.len() - self.end < self.chunk {
            if self.buf.len() >= self.max_record {
                return Err(self.err("a record is larger than 256 MiB"));
            }
            let n = self.buf.len() * 2;
            self.buf.resize(n, 0);
        }
        let n = loop {
            match self.r.read(&mut self.buf[self.end..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(SplitError { io: Some(e), ..self.err("cannot read") }),
            }
        };
        if n == 0 {
            self.eof = true;
            return Ok(false);
        }
        self.end += n;
        Ok(true)
    }

    /// A UTF-8 byte-order mark at the very start is not part of the JSON
    /// (Windows tools write one), as the whole-file reader also skips it.
    fn skip_bom(&mut self) {
        if !self.started && (self.end - self.pos >= 3 || self.eof) {
            self.started = true;
            if self.pos == 0 && self.buf[..self.end].starts_with(b"\xEF\xBB\xBF") {
                // Dropped from the buffer, so the first line starts clean.
                self.buf.copy_within(3..self.end, 0);
                self.end -= 3;
                self.base += 3;
                // Columns count from after the mark, as in the text a reader sees.
                self.line_start = 3;
            }
        }
    }

    fn err(&self, message: impl Into<String>) -> SplitError {
        SplitError { line: self.line, offset: self.base + self.pos as u64, message: message.into(), io: None }
    }

    /// The next batch of up to `max` records, or `None` at the end.
    #[cfg(test)]
    pub(crate) fn next_batch(&mut self, max: usize) -> Result<Option<Batch>, SplitError> {
        self.next_batch_into(Batch::default(), max)
    }

    /// [`Splitter::next_batch`], reusing a batch's buffers.
    pub(crate) fn next_batch_into(&mut self, mut batch: Batch, max: usize) -> Result<Option<Batch>, SplitError> {
        batch.clear();
        while batch.spans.len() < max {
            if self.lines {
                // A chunk of whole lines per batch, however many records that is.
                if !self.next_lines(&mut batch)? || !batch.spans.is_empty() {
                    break;
                }
                continue;
            }
            if self.pos >= self.end || self.need_more {
                let escape = std::mem::take(&mut self.need_more);
                match self.fill() {
                    Ok(true) => {
                        self.skip_bom();
                        continue;
                    }
                    Ok(false) if escape => return Err(self.err("the file ends inside a string")),
                    Ok(false) => break,
                    Err(e) => return Err(e),
                }
            }
            self.scan(&mut batch, max)?;
        }
        if batch.spans.is_empty() {
            if self.eof && !self.lines && (self.depth > 0 || self.in_string) {
                return Err(self.err("the file ends in the middle of a JSON value"));
            }
            return Ok(None);
        }
        Ok(Some(batch))
    }

    /// In line mode: read the next chunk straight into the batch, after the
    /// unfinished line carried over from the last one, and emit its complete
    /// lines where they lie (no copy). False when the input is used up.
    fn next_lines(&mut self, batch: &mut Batch) -> Result<bool, SplitError> {
        if !self.buf.is_empty() {
            // Line mode begins: take over what the scanner had buffered.
            self.carry_offset = self.base + self.pos as u64;
            self.carry.extend_from_slice(&self.buf[self.pos..self.end]);
            self.base = self.carry_offset;
            self.pos = 0;
            self.end = 0;
            self.buf = Vec::new();
        }
        if self.eof && self.carry.is_empty() {
            return Ok(false);
        }
        let start = batch.used;
        let offset = self.carry_offset;
        batch.put(&self.carry);
        self.carry.clear();
        let mut searched = start;
        let last_newline = loop {
            if let Some(i) = memchr::memrchr(b'\n', &batch.data[searched..batch.used]) {
                break Some(searched + i);
            }
            if batch.used - start > self.max_record {
                return Err(self.err("a record is larger than 256 MiB"));
            }
            searched = batch.used;
            let n = match self.r.read(batch.room(self.chunk)) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(SplitError { io: Some(e), ..self.err("cannot read") }),
            };
            if n == 0 {
                self.eof = true;
                break None;
            }
            batch.used += n;
        };
        // Whole lines go out now; the unfinished last one waits for the next read.
        let end = last_newline.map_or(batch.used, |i| i + 1);
        self.carry.extend_from_slice(&batch.data[end..batch.used]);
        self.carry_offset = offset + (end - start) as u64;
        // An error from here on points at the unfinished line.
        self.base = self.carry_offset;
        batch.used = end;
        let mut s = start;
        while s < end {
            let e = memchr::memchr(b'\n', &batch.data[s..end]).map_or(end, |i| s + i);
            self.line_record(batch, s, e, offset + (s - start) as u64)?;
            if e < end {
                self.line += 1;
            }
            s = e + 1;
        }
        Ok(true)
    }

    /// One line of a batch in line mode: a record or a blank.
    fn line_record(&mut self, batch: &mut Batch, mut s: usize, mut e: usize, offset: u64) -> Result<(), SplitError> {
        let line_start = s;
        let data = &batch.data;
        while s < e && data[s].is_ascii_whitespace() {
            s += 1;
        }
        while e > s && data[e - 1].is_ascii_whitespace() {
            e -= 1;
        }
        if s == e {
            return Ok(());
        }
        // JSON Lines: each line holds one whole object. A line that does not
        // (a record over several lines after one-line records, a truncated
        // last line) is an error here, never a record lost or split wrongly.
        if data[s] != b'{' || data[e - 1] != b'}' {
            return Err(SplitError {
                line: self.line,
                offset: offset + (s - line_start) as u64,
                message: format!(
                    "line {} is not one whole JSON object, as every line after the first is in JSON Lines{}",
                    self.line,
                    if self.eof && e == batch.used { " (is the file cut short?)" } else { "" }
                ),
                io: None,
            });
        }
        self.number += 1;
        batch.spans.push(Span { start: s, end: e, number: self.number, line: self.line, column: s - line_start + 1, offset: offset + (s - line_start) as u64, len: (e - s) as u32 });
        Ok(())
    }

    /// After the first record: when it stood alone on its line, switch to line mode.
    fn maybe_lines(&mut self, start: usize, end: usize) {
        if self.number != 1 || self.buf[start..end].contains(&b'\n') {
            return;
        }
        let line_start = self.buf[..start].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let before = &self.buf[line_start..start];
        // Only top-level objects (JSON Lines): in an array or a page the
        // structural scanner follows every layout JSON allows.
        if self.top != Top::Object || !before.iter().all(|b| b.is_ascii_whitespace()) {
            return;
        }
        let mut i = end;
        while i < self.end && matches!(self.buf[i], b' ' | b'\t' | b'\r') {
            i += 1;
        }
        if i < self.end && self.buf[i] == b'\n' {
            self.lines = true;
            self.pos = i + 1;
            self.line += 1;
            self.rec_start = None;
            self.key_start = None;
            self.in_string = false;
        }
    }

    /// Whether the scanner stands directly in the array whose elements are the records.
    fn in_record_list(&self) -> bool {
        self.rec_depth > 0 && self.depth == self.rec_depth && (self.top == Top::Array || (self.top == Top::Container && self.container_depth == Some(self.depth)))
    }

    fn emit(&mut self, batch: &mut Batch, start: usize, end: usize) {
        self.number += 1;
        let s = batch.used;
        batch.put(&self.buf[start..end]);
        batch.spans.push(Span { start: s, end: batch.used, number: self.number, line: self.rec_line, column: self.rec_column, offset: self.base + start as u64, len: (end - start) as u32 });
    }

    /// Scan what is buffered, emitting complete records.
    fn scan(&mut self, batch: &mut Batch, max: usize) -> Result<(), SplitError> {
        while self.pos < self.end && batch.spans.len() < max {
            if self.in_string {
                // The vectorised search, even for short strings: a byte by
                // byte look at the first bytes was a tenth of a two-thread
                // run over a JSON array (perf, 1M records).
                let found = memchr::memchr2(b'"', b'\\', &self.buf[self.pos..self.end]);
                match found {
                    None => self.pos = self.end,
                    Some(j) => {
                        let at = self.pos + j;
                        if self.buf[at] == b'\\' {
                            if at + 1 >= self.end {
                                // The escaped byte is in the next chunk: read more first.
                                self.pos = at;
                                if self.eof {
                                    return Err(self.err("the file ends inside a string"));
                                }
                                self.need_more = true;
                                return Ok(());
                            }
                            self.pos = at + 2;
                        } else {
                            self.in_string = false;
                            if let Some(ks) = self.key_start.take() {
                                let key = &self.buf[ks..at];
                                self.last_key_is_container = key == b"value" || key == b"records";
                            }
                            self.pos = at + 1;
                        }
                    }
                }
                continue;
            }
            let b = self.buf[self.pos];
            let i = self.pos;
            self.pos += 1;
            match b {
                b'\n' => {
                    self.line += 1;
                    self.line_start = self.base + i as u64 + 1;
                }
                b' ' | b'\t' | b'\r' => {}
                b'"' | b',' if self.depth == 0 => {
                    return Err(self.err(format!("expected a JSON object or array, found `{}`", String::from_utf8_lossy(&self.buf[i..(i + 12).min(self.end)]))));
                }
                b'"' => {
                    self.in_string = true;
                    if self.depth == 1 && matches!(self.top, Top::Object | Top::Container) && self.expect_key {
                        self.key_start = Some(i + 1);
                        self.expect_key = false;
                    }
                }
                b',' => {
                    if self.depth == 1 && matches!(self.top, Top::Object | Top::Container) {
                        self.expect_key = true;
                        self.last_key_is_container = false;
                    }
                    if self.in_record_list() && self.rec_start.is_none() {
                        if !self.after_record {
                            return Err(self.err(format!("a comma where record {} should be", self.number + 1)));
                        }
                        self.after_record = false;
                        self.comma = true;
                    }
                }
                b'{' | b'[' => {
                    if self.depth == 0 {
                        if b == b'[' {
                            self.top = Top::Array;
                            self.rec_depth = 1;
                        } else {
                            self.top = Top::Object;
                            self.rec_start = Some(i);
                            self.rec_line = self.line;
                            self.rec_column = (self.base + i as u64 - self.line_start) as usize + 1;
                            self.expect_key = true;
                        }
                    } else if self.depth == 1 && b == b'[' && matches!(self.top, Top::Object | Top::Container) && self.last_key_is_container {
                        // `"value": [` or `"records": [`: the records are this array's elements.
                        self.top = Top::Container;
                        self.rec_start = None;
                        self.container_depth = Some(2);
                        self.rec_depth = 2;
                    } else if self.depth == self.rec_depth
                        && self.rec_depth > 0
                        && self.rec_start.is_none()
                        && (self.top == Top::Array || (self.top == Top::Container && self.container_depth == Some(self.depth)))
                    {
                        if b == b'{' {
                            if self.after_record {
                                return Err(self.err(format!("record {}: no comma between it and the record before", self.number + 1)));
                            }
                            self.comma = false;
                            self.rec_start = Some(i);
                            self.rec_line = self.line;
                            self.rec_column = (self.base + i as u64 - self.line_start) as usize + 1;
                        } else {
                            return Err(self.err(format!("record {}: expected an object, found an array", self.number + 1)));
                        }
                    }
                    self.depth += 1;
                }
                b'}' | b']' => {
                    if self.depth == 0 {
                        return Err(self.err(format!("unexpected `{}`", b as char)));
                    }
                    if b == b']' && self.in_record_list() && self.rec_start.is_none() {
                        // The array of records closes.
                        if self.comma {
                            return Err(self.err("a comma after the last record of the array (`,]` is not JSON)"));
                        }
                        self.after_record = false;
                    }
                    self.depth -= 1;
                    if self.depth == 0 {
                        let mut first = None;
                        if self.top == Top::Object {
                            if let Some(s) = self.rec_start.take() {
                                self.emit(batch, s, i + 1);
                                first = Some(s);
                            }
                        }
                        let top = self.top;
                        self.top = Top::None;
                        self.rec_start = None;
                        self.container_depth = None;
                        self.rec_depth = 0;
                        if let Some(s) = first {
                            self.top = top;
                            self.maybe_lines(s, i + 1);
                            self.top = Top::None;
                            if self.lines {
                                return Ok(());
                            }
                        }
                    } else if self.depth == self.rec_depth && self.rec_start.is_some() && matches!(self.top, Top::Array | Top::Container) {
                        if let Some(s) = self.rec_start.take() {
                            self.after_record = true;
                            self.emit(batch, s, i + 1);
                            self.maybe_lines(s, i + 1);
                            if self.lines {
                                return Ok(());
                            }
                        }
                    } else if self.depth == 1 && self.top == Top::Container && self.container_depth == Some(2) {
                        // The container array closed.
                        self.container_depth = None;
                        self.rec_depth = 0;
                    }
                }
                _ => {
                    if self.depth == 0 {
                        return Err(self.err(format!("expected a JSON object or array, found `{}`", String::from_utf8_lossy(&self.buf[i..(i + 12).min(self.end)]))));
                    }
                    if self.depth == self.rec_depth && self.rec_start.is_none() && (self.top == Top::Array || self.container_depth == Some(self.depth)) {
                        return Err(self.err(format!("record {}: expected an object", self.number + 1)));
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
