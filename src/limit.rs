//! Caps on what is read whole into memory, so that `--org /dev/zero` or a
//! runaway export ends in a clear error instead of eating the machine.
//!
//! Two caps, process-wide (a command line sets them once, from
//! `--max-input-mib`): one for the small text files read whole (rules, org
//! settings, case files, saved sessions), one for a sign-in or audit log that
//! `diagnose` and `guide` hold in memory. Triage streams its logs and is not
//! capped by them.

use crate::error::{Error, ErrorKind, Result};
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Default cap on a rules, settings, case or session file: 64 MiB (the
/// shipped rules are about 100 KiB; a generated 100k-node tree is 17 MiB).
pub const DEFAULT_TEXT_FILE: u64 = 64 << 20;
/// Default cap on a log read whole by `diagnose`, `guide` or the library's
/// [`crate::Evidence`]: 1 GiB (about 400k Graph records).
pub const DEFAULT_LOG_FILE: u64 = 1 << 30;

static TEXT_FILE: AtomicU64 = AtomicU64::new(DEFAULT_TEXT_FILE);
static LOG_FILE: AtomicU64 = AtomicU64::new(DEFAULT_LOG_FILE);

/// Set both caps, in bytes, for the whole process.
pub fn set_read_limits(text_file: u64, log_file: u64) {
    TEXT_FILE.store(text_file, Ordering::Relaxed);
    LOG_FILE.store(log_file, Ordering::Relaxed);
}

/// The caps in force: (text files, logs), in bytes.
pub fn read_limits() -> (u64, u64) {
    (TEXT_FILE.load(Ordering::Relaxed), LOG_FILE.load(Ordering::Relaxed))
}

/// The cause of an [`ErrorKind::TooLarge`] error, carried through `io::Error`
/// by [`Capped`] readers.
#[derive(Debug, thiserror::Error)]
#[error("the input is larger than the limit of {}", mib(*.0))]
pub(crate) struct TooLarge(pub u64);

fn mib(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// The error for a file over its cap.
pub(crate) fn too_large(path: &Path, limit: u64) -> Error {
    Error::new(ErrorKind::TooLarge, format!("the file is larger than the limit of {} for a file read whole", mib(limit)))
        .at_path(path)
        .hint("if it really is that large, raise the limit with --max-input-mib (triage streams logs of any size)")
        .caused_by(TooLarge(limit))
}

/// A reader that fails with [`TooLarge`] once more than `limit` bytes have
/// come through, so a device or pipe that never ends is stopped.
pub(crate) struct Capped<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> Capped<R> {
    pub(crate) fn new(inner: R, limit: u64) -> Self {
        Capped { inner, left: limit, limit }
    }
    /// A log read whole, under the log cap.
    pub(crate) fn log(inner: R) -> Self {
        Self::new(inner, read_limits().1)
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // One byte more than allowed means the input is too large; zero means it ended.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(TooLarge(self.limit))),
            };
        }
        let want = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// Read a text file whole (rules, settings, a case, a session) under the
/// text cap, with the file named in every error.
pub fn read_text_file(path: &Path) -> Result<String> {
    let limit = read_limits().0;
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, &e))?;
    if f.metadata().is_ok_and(|m| m.is_file() && m.len() > limit) {
        return Err(too_large(path, limit));
    }
    let mut bytes = Vec::new();
    Capped::new(f, limit).read_to_end(&mut bytes).map_err(|e| Error::io(path, &e))?;
    String::from_utf8(bytes).map_err(|e| Error::new(ErrorKind::Syntax, format!("the file is not UTF-8 text: {e}")).at_path(path).hint("save it as UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capped_reader_stops_an_endless_input_and_passes_an_exact_one() -> Result<(), Box<dyn std::error::Error>> {
        let mut out = Vec::new();
        let err = Capped::new(std::io::repeat(0), 1000).read_to_end(&mut out).unwrap_err();
        assert!(err.get_ref().is_some_and(|e| e.is::<TooLarge>()), "{err}");
        assert_eq!(out.len(), 1000);
        let mut out = Vec::new();
        Capped::new(&[7u8; 1000][..], 1000).read_to_end(&mut out)?;
        assert_eq!(out.len(), 1000);
        Ok(())
    }
}
