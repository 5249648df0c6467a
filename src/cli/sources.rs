//! Logs as an admin has them on disk, for batch triage: files plain or
//! gzip-compressed (told by their first bytes, not their name), directories
//! walked (an Azure Monitor storage-account container's
//! `insights-logs-signinlogs/.../PT1H.json` files routed by category), and
//! standard input (`-`, a pipe, a FIFO). Triage reads each sign-in file
//! twice, at its offsets: what cannot be read that way (gzip, a pipe) is
//! first copied aside, decompressed, into a private temporary file, as a
//! stream, and is shown by the name it was given.

use signin_doctor::{Error, ErrorKind};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// The files a run reads, and the temporary copies it made (removed when this goes).
pub struct Sources {
    pub signins: Vec<PathBuf>,
    pub audit: Vec<PathBuf>,
    /// (temporary copy, name shown) for copies of sign-in logs.
    pub names: Vec<(PathBuf, String)>,
    _temps: Vec<tempfile::TempPath>,
    /// Files taken already (canonical paths).
    seen: std::collections::HashSet<PathBuf>,
    /// Files of other Azure Monitor categories passed over, by category folder.
    pub skipped: usize,
}

/// Where a file of an Azure Monitor container goes, by its category's
/// folder (`insights-logs-<category>`, or a Log Analytics export's `am-<table>`).
#[derive(Debug, PartialEq, Eq)]
enum Route {
    /// Not in a category folder: where the flag it was given under says.
    AsGiven,
    SignIns,
    Audit,
    /// Another category (Key Vault, Kubernetes audit, provisioning, risk
    /// events, service principals' sign-ins, ...): not read.
    Skip,
}

fn route(path: &Path) -> Route {
    for part in path.components().rev() {
        let p = part.as_os_str().to_string_lossy().to_ascii_lowercase();
        let Some(cat) = p.strip_prefix("insights-logs-").or_else(|| p.strip_prefix("am-")) else { continue };
        return match cat {
            "signinlogs" | "noninteractiveusersigninlogs" | "aadnoninteractiveusersigninlogs" => Route::SignIns,
            "auditlogs" => Route::Audit,
            _ => Route::Skip,
        };
    }
    Route::AsGiven
}

/// A file a walk takes: logs by their extension, compressed or not; not hidden ones.
fn wanted(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    !name.starts_with('.') && [".json", ".jsonl", ".ndjson", ".csv"].iter().any(|x| name.ends_with(x))
}

/// The first two bytes of a stream (fewer at its end), and the stream with
/// them put back: a pipe may hand over one byte at a time.
fn sniff(mut input: impl BufRead) -> std::io::Result<(bool, impl BufRead)> {
    let mut head = Vec::with_capacity(2);
    while head.len() < 2 {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        let n = buf.len().min(2 - head.len());
        head.extend_from_slice(&buf[..n]);
        input.consume(n);
    }
    let gz = head == [0x1f, 0x8b];
    Ok((gz, std::io::BufReader::new(std::io::Read::chain(std::io::Cursor::new(head), input))))
}

/// Temporary copies still on disk, removed by [`remove_copies`] when the
/// process ends early (a closed pipe ends it without unwinding).
static COPIES: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Remove the temporary copies of logs (personal data) now.
pub fn remove_copies() {
    let mut copies = COPIES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    for p in copies.drain(..) {
        if p.is_dir() {
            let _ = std::fs::remove_dir_all(p);
        } else {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Count a temporary directory of fetched logs among the copies removed
/// when the process ends early.
pub fn remember_copy(p: &std::path::Path) {
    COPIES.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(p.to_path_buf());
}

/// Set once the outputs are being put in place: an interrupt then waits
/// for them (they take moments) rather than leaving a run half committed.
pub static FINISHING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Remove the copies and the unfinished outputs when the run is
/// interrupted (Ctrl-C, SIGTERM): they hold personal data and may be large.
/// Set once, by triage or a `--from-graph` fetch.
pub fn remove_copies_on_interrupt() {
    let _ = ctrlc::set_handler(|| {
        if FINISHING.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        remove_copies();
        super::outfile::remove_pending();
        eprintln!("\ninterrupted: the run did not finish; its temporary copies of logs and unfinished output files were removed");
        std::process::exit(130);
    });
}

/// A gzip stream may decompress to at most this many times the bytes read
/// from it, once past [`BOMB_FLOOR`]: logs compress 5 to 30 times; a gzip
/// bomb, thousands of times, and it would fill the disk with its copy.
const BOMB_RATIO: u64 = 250;
const BOMB_FLOOR: u64 = 1 << 30;

/// Counts the bytes read through it.
struct Counted<R> {
    inner: R,
    count: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: std::io::Read> std::io::Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Decompress `input` into `out`, refusing output beyond [`BOMB_RATIO`]
/// times the input once past `floor` bytes.
fn gunzip_capped(input: impl std::io::Read, out: &mut impl std::io::Write, floor: u64) -> std::io::Result<u64> {
    let count = std::rc::Rc::new(std::cell::Cell::new(0));
    let mut z = flate2::read::MultiGzDecoder::new(Counted { inner: input, count: count.clone() });
    let mut buf = vec![0u8; 1 << 16];
    let mut written = 0u64;
    loop {
        let n = std::io::Read::read(&mut z, &mut buf)?;
        if n == 0 {
            return Ok(written);
        }
        out.write_all(&buf[..n])?;
        written += n as u64;
        if written > floor && written > count.get().saturating_mul(BOMB_RATIO) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("it decompresses to more than {BOMB_RATIO} times its size ({written} bytes from {}): a gzip bomb, or not a log; refused before it fills the disk", count.get()),
            ));
        }
    }
}

/// Copy a stream aside (decompressed if it is gzip) into a private temporary file.
fn copy_aside(input: impl BufRead, shown: &str) -> Result<tempfile::TempPath, Error> {
    let fail = |e: std::io::Error| Error::from_parts(ErrorKind::Io, format!("cannot copy it aside to read it: {e}"), Path::new(shown));
    let mut tmp = tempfile::Builder::new().prefix(".signin-doctor-input-").tempfile().map_err(fail)?;
    COPIES.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(tmp.path().to_path_buf());
    let (gz, mut input) = sniff(input).map_err(fail)?;
    let copied = if gz { gunzip_capped(input, &mut tmp, BOMB_FLOOR) } else { std::io::copy(&mut input, &mut tmp) };
    copied.map_err(|e| {
        let what = if gz { "cannot decompress it (gzip)" } else { "cannot read it" };
        Error::from_parts(ErrorKind::Io, format!("{what}: {e}"), Path::new(shown))
    })?;
    Ok(tmp.into_temp_path())
}

/// Whether triage's walk of `dirs` would take `output` as a log on the
/// next run: a file it writes inside a directory it reads. Returns that directory.
pub fn inside_walked<'a>(dirs: &'a [PathBuf], output: &Path) -> Option<&'a Path> {
    if !wanted(output) {
        return None;
    }
    // The nearest folder that exists, made absolute, and the rest of the way
    // (an output directory may not exist yet).
    let parent = output.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let existing = parent.ancestors().find(|p| p.as_os_str().is_empty() || p.exists())?;
    let rest = parent.strip_prefix(existing).ok()?;
    let parent = std::fs::canonicalize(if existing.as_os_str().is_empty() { Path::new(".") } else { existing }).ok()?.join(rest);
    dirs.iter().filter(|d| d.is_dir()).find(|d| std::fs::canonicalize(d).is_ok_and(|d| parent.starts_with(d))).map(PathBuf::as_path)
}

impl Sources {
    /// Gather the sign-in and audit logs named on the command line.
    pub fn gather(signins: &[PathBuf], audit: &[PathBuf]) -> Result<Sources, Error> {
        let mut s = Sources { signins: Vec::new(), audit: Vec::new(), names: Vec::new(), _temps: Vec::new(), seen: Default::default(), skipped: 0 };
        let mut stdin_taken = false;
        for (list, is_signins) in [(signins, true), (audit, false)] {
            for p in list {
                if p.as_os_str() == "-" || p.as_os_str() == "/dev/stdin" {
                    if std::mem::replace(&mut stdin_taken, true) {
                        return Err(Error::from_parts(ErrorKind::NotALog, "standard input is named twice", p).with_hint("one log can come from standard input"));
                    }
                    let tmp = copy_aside(BufReader::new(std::io::stdin().lock()), "standard input")?;
                    s.add(tmp.to_path_buf(), "standard input".into(), is_signins, Some(tmp));
                    continue;
                }
                let meta = std::fs::metadata(p).map_err(|e| Error::from_io(p, &e))?;
                if meta.is_dir() {
                    s.walk(p, is_signins)?;
                } else {
                    s.file(p, is_signins, meta.is_file())?;
                }
            }
        }
        if s.signins.is_empty() {
            let first = signins.first().map(PathBuf::as_path).unwrap_or(Path::new(""));
            return Err(Error::from_parts(ErrorKind::Empty, "no sign-in log was found there", first)
                .with_hint("a directory is walked for .json, .jsonl, .csv and .gz files; in an Azure Monitor container, sign-ins are under insights-logs-signinlogs"));
        }
        Ok(s)
    }

    fn add(&mut self, path: PathBuf, shown: String, is_signins: bool, temp: Option<tempfile::TempPath>) {
        if is_signins {
            if path.display().to_string() != shown {
                self.names.push((path.clone(), shown));
            }
            self.signins.push(path);
        } else {
            self.audit.push(path);
        }
        self.temps_push(temp);
    }

    fn temps_push(&mut self, temp: Option<tempfile::TempPath>) {
        if let Some(t) = temp {
            self._temps.push(t);
        }
    }

    /// A file: as it is when it can be read twice; else copied aside.
    fn file(&mut self, p: &Path, is_signins: bool, regular: bool) -> Result<(), Error> {
        // A file named twice (or found by two walks) is read once.
        if !self.seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())) {
            return Ok(());
        }
        let shown = p.display().to_string();
        let f = std::fs::File::open(p).map_err(|e| Error::from_io(p, &e))?;
        let (gz, r) = sniff(BufReader::new(f)).map_err(|e| Error::from_io(p, &e))?;
        // Audit logs are read once, and gzip is read as it comes; sign-ins are read twice.
        if regular && (!gz || !is_signins) {
            self.add(p.to_path_buf(), shown, is_signins, None);
            return Ok(());
        }
        let tmp = copy_aside(r, &shown)?;
        self.add(tmp.to_path_buf(), shown, is_signins, Some(tmp));
        Ok(())
    }

    /// A directory, walked in name order; in an Azure Monitor container each
    /// file goes where its category's folder says.
    fn walk(&mut self, dir: &Path, is_signins: bool) -> Result<(), Error> {
        let hidden = |e: &walkdir::DirEntry| e.depth() > 0 && e.file_name().to_string_lossy().starts_with('.');
        for entry in walkdir::WalkDir::new(dir).sort_by_file_name().into_iter().filter_entry(|e| !hidden(e)) {
            let entry = entry.map_err(|e| Error::from_parts(ErrorKind::Io, format!("cannot walk it: {e}"), e.path().unwrap_or(dir)))?;
            if !entry.file_type().is_file() || !wanted(entry.path()) {
                continue;
            }
            let goes_to_signins = match route(entry.path().strip_prefix(dir).unwrap_or(entry.path())) {
                Route::AsGiven => is_signins,
                Route::SignIns => true,
                Route::Audit => false,
                Route::Skip => {
                    self.skipped += 1;
                    continue;
                }
            };
            self.file(entry.path(), goes_to_signins, true)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_container_routes_by_category_and_gzip_is_copied_aside_under_its_name() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let put = |rel: &str, text: &str, gz: bool| -> std::io::Result<()> {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap_or(dir.path()))?;
            if gz {
                let mut z = flate2::write::GzEncoder::new(std::fs::File::create(&p)?, flate2::Compression::fast());
                z.write_all(text.as_bytes())?;
                z.finish()?;
                Ok(())
            } else {
                std::fs::write(p, text)
            }
        };
        put("insights-logs-signinlogs/resourceId=/X/y=2026/m=11/d=20/h=09/m=00/PT1H.json", "{\"a\":1}\n", false)?;
        put("insights-logs-noninteractiveusersigninlogs/resourceId=/X/y=2026/m=11/d=20/h=10/m=00/PT1H.json.gz", "{\"b\":2}\n", true)?;
        put("insights-logs-auditlogs/resourceId=/X/y=2026/m=11/d=20/h=09/m=00/PT1H.json", "{\"c\":3}\n", false)?;
        put("notes.txt", "not a log", false)?;
        put("insights-logs-auditevent/resourceId=/VAULT/y=2026/m=11/d=20/h=09/m=00/PT1H.json", "{\"kv\":1}\n", false)?;
        put("insights-logs-serviceprincipalsigninlogs/resourceId=/X/PT1H.json", "{\"sp\":1}\n", false)?;
        let s = Sources::gather(&[dir.path().to_path_buf()], &[])?;
        assert_eq!(s.signins.len(), 2, "{:?}", s.signins);
        assert_eq!(s.audit.len(), 1, "Key Vault's audit events are not Entra's: {:?}", s.audit);
        assert_eq!(s.skipped, 2, "other categories are passed over");
        // The same container named twice is read once.
        let twice = Sources::gather(&[dir.path().to_path_buf(), dir.path().to_path_buf()], &[dir.path().to_path_buf()])?;
        assert_eq!((twice.signins.len(), twice.audit.len()), (2, 1));
        assert!(s.audit[0].ends_with("m=00/PT1H.json") && s.audit[0].to_string_lossy().contains("auditlogs"));
        // The gzip file was decompressed aside and keeps its name.
        let (copy, name) = &s.names[0];
        assert!(name.ends_with("PT1H.json.gz"), "{name}");
        assert_eq!(std::fs::read_to_string(copy)?, "{\"b\":2}\n");
        let copy = copy.clone();
        drop(s);
        assert!(!copy.exists(), "the copy goes with the run");
        Ok(())
    }

    #[test]
    fn a_gzip_bomb_is_refused_and_a_log_is_not() -> Result<(), Box<dyn std::error::Error>> {
        let zip = |data: &[u8]| -> std::io::Result<Vec<u8>> {
            let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            z.write_all(data)?;
            z.finish()
        };
        // 8 MiB of zeros compress about a thousand times.
        let bomb = zip(&vec![0u8; 8 << 20])?;
        let e = gunzip_capped(&bomb[..], &mut std::io::sink(), 1 << 20).err().ok_or("the bomb went through")?;
        assert!(e.to_string().contains("gzip bomb"), "{e}");
        // A log (varied text) compresses far less and goes through whole.
        let log: String = (0..40_000).map(|i| format!("{{\"id\":\"{i:08x}\",\"userPrincipalName\":\"user{}@contoso.com\",\"status\":{{\"errorCode\":{}}}}}\n", i % 977, 50_000 + i % 131)).collect();
        let mut out = Vec::new();
        assert_eq!(gunzip_capped(&zip(log.as_bytes())?[..], &mut out, 1 << 20)?, log.len() as u64);
        assert_eq!(out, log.as_bytes());
        Ok(())
    }

    #[test]
    fn an_output_inside_a_walked_directory_is_found() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        std::fs::create_dir_all(dir.path().join("sub"))?;
        let dirs = [dir.path().to_path_buf()];
        assert!(inside_walked(&dirs, &dir.path().join("sub/out.jsonl")).is_some());
        assert!(inside_walked(&dirs, &dir.path().join("report.html")).is_none(), "a page is not read as a log");
        assert!(inside_walked(&dirs, &std::env::temp_dir().join("elsewhere.jsonl")).is_none() || std::env::temp_dir().starts_with(dir.path()));
        Ok(())
    }

    #[test]
    fn a_directory_without_logs_is_an_error() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let e = Sources::gather(&[dir.path().to_path_buf()], &[]).err().ok_or("no error")?;
        assert!(e.to_string().contains("no sign-in log was found"), "{e}");
        Ok(())
    }
}
