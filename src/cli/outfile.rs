//! Writing outputs without ever destroying data: an output is never one of
//! the inputs, every output is written to a private temporary file in its
//! target's directory and renamed over the target only once it is complete
//! (a failed or interrupted run leaves the old file as it was), and a
//! failure says "cannot write" with the reason.

use signin_doctor::{Error, ErrorKind};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The directory a file is written in ("." for a bare file name).
fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Whether two paths are the same file, by identity, without opening either
/// (opening a FIFO would wait for a writer).
#[cfg(unix)]
fn same(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same(a: &Path, b: &Path) -> bool {
    same_file::is_same_file(a, b).unwrap_or(false)
}

/// An existing target that is not a regular file (a device such as
/// /dev/null or /dev/stdout, a FIFO): written to in place, since replacing
/// it would put a regular file where the device or pipe was.
fn is_special(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Check the outputs before any work starts: none is an input (by identity,
/// so a link or another spelling of the same file counts), none is a
/// directory, none is given twice, and each one's directory is writable.
/// `outputs` and `inputs` pair a flag (`--signins`) with its path.
pub fn check(outputs: &[(&str, &Path)], inputs: &[(&str, &Path)]) -> Result<(), Error> {
    for (i, (flag, out)) in outputs.iter().enumerate() {
        for (in_flag, input) in inputs {
            if same(out, input) {
                return Err(Error::from_parts(ErrorKind::Write, format!("{flag} would overwrite the input given as {in_flag}; nothing was written"), out));
            }
        }
        for (other_flag, other) in &outputs[..i] {
            if other == out || same(out, other) {
                return Err(Error::from_parts(ErrorKind::Write, format!("{flag} and {other_flag} name the same file"), out));
            }
        }
        if out.is_dir() {
            return Err(Error::from_parts(ErrorKind::Write, "cannot write the file: it is a directory", out));
        }
        if is_special(out) {
            continue;
        }
        // A temporary file made and removed now finds an unwritable or
        // missing directory before an hour of triage, not after.
        tempfile::Builder::new().prefix(".signin-doctor-").tempfile_in(dir_of(out)).map_err(|e| Error::from_write(out, &e))?;
    }
    Ok(())
}

/// A file being written: a private temporary file beside the target until
/// [`AtomicFile::commit`] renames it into place. Dropped without a commit
/// (an error, a panic, a broken pipe), the temporary file is removed and the
/// target is untouched.
pub struct AtomicFile {
    to: To,
    path: PathBuf,
    _pending: Pending,
}

/// Temporary files of outputs not yet in place, for [`remove_pending`].
static PENDING: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn pending() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    PENDING.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// An entry in [`PENDING`] while its file is being written.
struct Pending(Option<PathBuf>);

impl Drop for Pending {
    fn drop(&mut self) {
        if let Some(p) = &self.0 {
            pending().retain(|x| x != p);
        }
    }
}

/// Remove the temporary files of outputs being written, now: the process
/// is about to end without unwinding (an interrupt), and they hold
/// personal data.
pub fn remove_pending() {
    for p in pending().drain(..) {
        let _ = std::fs::remove_file(p);
    }
}

enum To {
    /// A private temporary file beside the target.
    Temp(tempfile::NamedTempFile),
    /// A device or FIFO, written in place.
    Special(std::fs::File),
}

impl AtomicFile {
    pub fn create(path: &Path) -> Result<Self, Error> {
        let to = if is_special(path) {
            To::Special(std::fs::OpenOptions::new().write(true).open(path).map_err(|e| Error::from_write(path, &e))?)
        } else {
            To::Temp(tempfile::Builder::new().prefix(".signin-doctor-").tempfile_in(dir_of(path)).map_err(|e| Error::from_write(path, &e))?)
        };
        let temp = match &to {
            To::Temp(t) => Some(t.path().to_path_buf()),
            To::Special(_) => None,
        };
        if let Some(t) = &temp {
            pending().push(t.clone());
        }
        Ok(AtomicFile { to, path: path.to_path_buf(), _pending: Pending(temp) })
    }

    /// Flush to disk and rename over the target. The target keeps its
    /// permissions if it existed; a new file is private to its owner (the
    /// outputs hold personal data). A symbolic link at the target is
    /// replaced, not followed.
    pub fn commit(self) -> Result<(), Error> {
        let AtomicFile { to, path, _pending } = self;
        let fail = |e: std::io::Error| Error::from_write(&path, &e);
        let tmp = match to {
            To::Temp(t) => t,
            To::Special(mut f) => return f.flush().map_err(fail),
        };
        tmp.as_file().sync_all().map_err(fail)?;
        if let Ok(meta) = std::fs::symlink_metadata(&path) {
            if meta.is_file() {
                std::fs::set_permissions(tmp.path(), meta.permissions()).map_err(fail)?;
            }
        }
        tmp.persist(&path).map_err(|e| fail(e.error))?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.to {
            To::Temp(t) => t.write(buf),
            To::Special(f) => f.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.to {
            To::Temp(t) => t.flush(),
            To::Special(f) => f.flush(),
        }
    }
}

/// Write a whole output atomically.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes).map_err(|e| Error::from_write(path, &e))?;
    f.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_uncommitted_file_leaves_the_target_and_no_litter() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let target = dir.path().join("out.txt");
        std::fs::write(&target, "old")?;
        {
            let mut f = AtomicFile::create(&target)?;
            f.write_all(b"half of the new")?;
        }
        assert_eq!(std::fs::read_to_string(&target)?, "old");
        assert_eq!(std::fs::read_dir(dir.path())?.count(), 1, "the temporary file is gone");
        write_file(&target, b"new")?;
        assert_eq!(std::fs::read_to_string(&target)?, "new");
        Ok(())
    }

    #[test]
    fn an_output_that_is_an_input_is_refused_by_identity() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let input = dir.path().join("in.jsonl");
        std::fs::write(&input, "{}\n")?;
        let other_spelling = dir.path().join(".").join("in.jsonl");
        let e = check(&[("-o", &other_spelling)], &[("--signins", &input)]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Write);
        assert!(e.to_string().contains("would overwrite the input given as --signins"), "{e}");
        assert_eq!(std::fs::read_to_string(&input)?, "{}\n");
        let e = check(&[("-o", &dir.path().join("no/such/dir/out.csv"))], &[]).unwrap_err();
        assert!(e.to_string().contains("cannot write the file"), "{e}");
        Ok(())
    }
}
