//! The sign-in files of a streaming read (batch triage, and the index that
//! finds one user's records in a large log): each file as JSON (split by
//! the streaming splitter) or a CSV export (streamed row by row,
//! authentication-details CSVs joined on Request ID), and the way back to
//! one record's bytes in a second look. The shapes, the field mapping and
//! the decoding are the record source's, the same as `diagnose` reads.

use crate::error::{Error, ErrorKind, Result};
use crate::logs::csv::{CsvBatches, RowMapper, Steps};
use crate::logs::split::{Batches, Splitter};
use crate::logs::{Origin, SignIn};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How a sign-in file is read.
pub(crate) enum Kind {
    Json,
    Csv(RowMapper),
}

/// One sign-in file.
pub(crate) struct Input {
    pub path: PathBuf,
    /// The name used in outputs (`file#record`).
    pub name: Arc<str>,
    pub kind: Kind,
}

/// The sign-in files of a run, and the authentication steps their CSV rows are joined with.
pub(crate) struct Inputs {
    pub files: Vec<Input>,
    pub steps: Steps,
}

pub(crate) fn open(path: &Path) -> Result<File> {
    File::open(path).map_err(|e| Error::from_io(path, &e))
}

impl Inputs {
    /// Look at each file's first bytes (and a CSV's header row) only.
    /// `names` gives the name shown for a file that is not its path.
    pub fn open(signins: &[PathBuf], format: crate::InputFormat, names: &[(PathBuf, String)]) -> Result<Inputs> {
        let mut inputs = Inputs { files: Vec::new(), steps: Steps::new() };
        for p in signins {
            let shown = names.iter().find(|(path, _)| path == p).map_or_else(|| p.display().to_string(), |(_, n)| n.clone());
            let mut first = BufReader::new(open(p)?);
            if crate::logs::is_gzip(std::io::BufRead::fill_buf(&mut first).map_err(|e| Error::from_io(p, &e))?) {
                return Err(Error::new(ErrorKind::NotALog, "this file is gzip-compressed, and this reader reads a file twice at its offsets")
                    .at_path(Path::new(&shown))
                    .hint("the command line decompresses it aside first; a library user decompresses it to a file"));
            }
            let json = crate::logs::is_json(&mut first, format).map_err(|e| Error::from_io(Path::new(&shown), &e))?;
            let name: Arc<str> = Arc::from(shown);
            if json {
                inputs.files.push(Input { path: p.clone(), name, kind: Kind::Json });
                continue;
            }
            let (rdr, mapper) = crate::logs::csv::open(p, BufReader::new(open(p)?))?;
            use crate::logs::csv::CsvKind;
            match mapper.kind() {
                CsvKind::PortalAuthDetails => crate::logs::csv::read_steps(p, rdr, &mapper, &mut inputs.steps)?,
                k if k.is_signins() => inputs.files.push(Input { path: p.clone(), name, kind: Kind::Csv(mapper) }),
                _ => return Err(Error::new(ErrorKind::NotALog, "not a sign-in export").at_path(p).hint("audit logs go with --audit")),
            }
        }
        Ok(inputs)
    }

    /// The record batches of file `i`, streamed.
    pub fn batches(&self, i: usize) -> Result<Box<dyn Batches + '_>> {
        let input = &self.files[i];
        let f = BufReader::with_capacity(1 << 16, open(&input.path)?);
        Ok(match &input.kind {
            Kind::Json => Box::new(Splitter::new(f)),
            Kind::Csv(mapper) => {
                let (rdr, _) = crate::logs::csv::open(&input.path, f)?;
                Box::new(CsvBatches::new(rdr, mapper, &self.steps))
            }
        })
    }

    /// Decode a record read again from its bytes in file `i`.
    pub fn decode(&self, i: usize, bytes: &[u8], number: usize, line: usize) -> std::result::Result<SignIn, String> {
        let input = &self.files[i];
        let mut s = match &input.kind {
            Kind::Json => {
                let mut s = decode_json(&input.path, bytes)?;
                // An authentication-details CSV given beside JSON sign-ins
                // joins on Request ID, as `EvidenceBuilder::build` joins it.
                let joined = s.id.as_deref().and_then(|id| self.steps.get(id));
                if let (Some(steps), true) = (joined, s.authentication_details.as_ref().is_none_or(Vec::is_empty)) {
                    s.authentication_details = Some(serde_json::from_value(serde_json::Value::Array(steps.clone())).map_err(|e| format!("cannot read its authentication details: {e}"))?);
                }
                s
            }
            Kind::Csv(mapper) => {
                let v = crate::logs::csv::signin_row_at(bytes, mapper, &self.steps)?;
                serde_json::from_value::<SignIn>(v).map_err(|e| format!("cannot read this sign-in: {e}"))?
            }
        };
        s.origin = Origin { file: input.name.clone(), record: number, line };
        Ok(s)
    }
}

/// The files of a run opened as they are needed, a few at a time: a
/// container of thousands of hourly blobs must not run out of file handles
/// (1024 by default) in the second look.
pub(crate) struct OpenFiles<'a> {
    inputs: &'a Inputs,
    open: std::collections::HashMap<u32, File>,
}

impl<'a> OpenFiles<'a> {
    /// The most files kept open at once by one reader.
    const MOST: usize = 32;

    pub fn new(inputs: &'a Inputs) -> Self {
        OpenFiles { inputs, open: std::collections::HashMap::new() }
    }

    /// File `i`, opened if it is not open yet.
    pub fn get(&mut self, i: u32) -> Result<&File> {
        if !self.open.contains_key(&i) {
            if self.open.len() >= Self::MOST {
                self.open.clear();
            }
            let input = self.inputs.files.get(i as usize).ok_or_else(|| Error::new(ErrorKind::Io, format!("internal: no input file {i}")))?;
            self.open.insert(i, open(&input.path)?);
        }
        self.open.get(&i).ok_or_else(|| Error::new(ErrorKind::Io, "internal: a file was not kept open"))
    }
}

/// A JSON record: a plain sign-in decodes directly; envelopes and wrappers
/// go through the whole-record reader.
fn decode_json(path: &Path, bytes: &[u8]) -> std::result::Result<SignIn, String> {
    // One UTF-8 check for the record, then no check per string.
    let text = std::str::from_utf8(bytes).map_err(|_| "the record is not UTF-8".to_string())?;
    match serde_json::from_str::<SignIn>(text) {
        Ok(s) if s.looks_like_sign_in() => Ok(s),
        _ => {
            let mut v = crate::logs::read_text::<SignIn>(path, text).map_err(|e| e.message().to_string())?;
            v.pop().ok_or_else(|| "no sign-in in the record".to_string())
        }
    }
}

/// Read `buf.len()` bytes at `offset`, without moving a shared file cursor
/// (the workers of the second pass read the same files at once).
pub(crate) fn read_at(file: &File, path: &Path, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let _ = path;
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        let _ = path;
        let mut done = 0;
        while done < buf.len() {
            match std::os::windows::fs::FileExt::seek_read(file, &mut buf[done..], offset + done as u64) {
                Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => done += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
    #[cfg(not(any(unix, windows)))]
    {
        use std::io::{Read, Seek};
        let _ = file;
        let mut f = File::open(path)?;
        f.seek(std::io::SeekFrom::Start(offset))?;
        f.read_exact(buf)
    }
}
