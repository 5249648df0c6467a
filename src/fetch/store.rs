//! Where fetched pages go: JSON Lines files (gzip optional) in one
//! directory, written owner-only, page by page, with a state file that
//! says how far each part got, so an interrupted fetch resumes at the page
//! it stopped at and never leaves half a page behind.
//!
//! With gzip each page is its own gzip member: members one after another
//! are one valid gzip file, and a resumed file is cut back to the end of
//! its last whole page.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};

/// The state file's name in the output directory.
pub const STATE_FILE: &str = "fetch-state.json";
const STATE_VERSION: u32 = 1;

/// How far one output file got.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct Part {
    /// What was asked (the first URL and body): a resume must ask the same.
    pub query: String,
    /// Where the next page comes from (`@odata.nextLink`, or the next time
    /// slice); `None` once done.
    pub next: Option<String>,
    pub bytes: u64,
    pub records: u64,
    pub pages: u64,
    pub done: bool,
    /// Whether its pages are gzip members (a resume must write the same).
    #[serde(default)]
    pub gzip: bool,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    version: u32,
    parts: BTreeMap<String, Part>,
    /// Parts earlier fetches here wrote: a restart may overwrite them.
    #[serde(default)]
    owned: std::collections::BTreeSet<String>,
}

/// The output directory of one fetch.
pub(crate) struct Store {
    dir: PathBuf,
    state: State,
    gzip: bool,
}

/// One output file being appended to.
pub(crate) struct Writer {
    file: File,
    pub name: String,
    pub part: Part,
    /// Whether this part carried on from an earlier, interrupted run.
    pub resumed: bool,
    /// Whether it carries on a query asked for another window (the same
    /// command run later with a relative `--since`): the window begun is kept.
    pub continued: bool,
}

impl Store {
    /// Open (or make, owner-only) `dir`; read its state when a fetch was
    /// there before. `restart` forgets it.
    pub(crate) fn open(dir: &Path, gzip: bool, restart: bool) -> Result<Store> {
        make_private_dir(dir)?;
        let path = dir.join(STATE_FILE);
        let state = match std::fs::read(&path) {
            Ok(b) if restart => {
                // Whatever its version, the names of the parts written here.
                let v: serde_json::Value = serde_json::from_slice(&b).unwrap_or_default();
                let mut owned: std::collections::BTreeSet<String> = v["parts"].as_object().into_iter().flat_map(|m| m.keys().cloned()).collect();
                owned.extend(v["owned"].as_array().into_iter().flatten().filter_map(|n| n.as_str().map(str::to_string)));
                State { version: STATE_VERSION, parts: BTreeMap::new(), owned }
            }
            Ok(b) => {
                let s: State = serde_json::from_slice(&b).map_err(|e| Error::from_parts(ErrorKind::Syntax, format!("the fetch state is damaged: {e}"), &path).hint("start over with --restart"))?;
                if s.version != STATE_VERSION {
                    return Err(Error::from_parts(ErrorKind::Syntax, format!("the fetch state is of version {}, not {STATE_VERSION}", s.version), &path).hint("start over with --restart"));
                }
                s
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State { version: STATE_VERSION, ..State::default() },
            Err(e) => return Err(Error::io(&path, &e)),
        };
        Ok(Store { dir: dir.to_path_buf(), state, gzip })
    }

    /// The file a part is written to.
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.join(if self.gzip { format!("{name}.jsonl.gz") } else { format!("{name}.jsonl") })
    }

    /// Begin or resume the part `name` asking `query`. A part already done
    /// with the same query is returned as it is; another query is refused
    /// (it would mix two fetches in one file); a file that no state
    /// claims is never overwritten.
    pub(crate) fn begin(&mut self, name: &str, query: &str, first: String) -> Result<Writer> {
        let path = self.path(name);
        let prior = self.state.parts.get(name).cloned();
        let fresh = || Part { query: query.to_string(), next: Some(first.clone()), bytes: 0, records: 0, pages: 0, done: false, gzip: self.gzip };
        let (part, resumed, continued) = match prior {
            // Begun but no page written (the sign-in failed, say): begin anew.
            Some(p) if p.pages == 0 => (fresh(), false, false),
            // The same query, or the same but for its window (`--since 2d`
            // run again later): the fetch begun goes on with its own window.
            Some(p) if p.query == query || untimed(&p.query) == untimed(query) => {
                if p.gzip != self.gzip {
                    let (was, now) = if p.gzip { ("with", "without") } else { ("without", "with") };
                    return Err(Error::from_parts(ErrorKind::Write, format!("the fetch here was begun {was} --gzip; this run is {now} it"), &self.dir).hint("run it as it was begun, or --restart"));
                }
                let on_disk = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                if on_disk < p.bytes {
                    return Err(Error::from_parts(ErrorKind::Write, format!("is shorter ({on_disk} bytes) than the fetch state says ({} bytes): it was changed since", p.bytes), &path)
                        .hint("start over with --restart"));
                }
                let continued = p.query != query;
                (p, true, continued)
            }
            Some(_) => {
                return Err(Error::from_parts(ErrorKind::Write, "this directory holds a fetch of another query; nothing was changed", &self.dir)
                    .hint("use another --out directory, or --restart to start this one over"));
            }
            None => {
                if path.exists() && !self.state.owned.contains(name) {
                    return Err(
                        Error::from_parts(ErrorKind::Write, "already exists and is not a fetch in progress here; nothing was changed", &path).hint("use another --out directory, or remove the file")
                    );
                }
                (fresh(), false, false)
            }
        };
        let mut file = private_file(&path)?;
        // Cut back whatever a killed run wrote past its last whole page.
        file.set_len(part.bytes).and_then(|_| file.seek(SeekFrom::End(0))).map_err(|e| Error::from_write(&path, &e))?;
        self.state.parts.insert(name.to_string(), part.clone());
        self.state.owned.insert(name.to_string());
        self.save()?;
        Ok(Writer { file, name: name.to_string(), part, resumed, continued })
    }

    /// Append one page of records (each one JSON text) and move the part
    /// on to `next`: the page is on disk before the state says so.
    pub(crate) fn page(&mut self, w: &mut Writer, records: &[&str], next: Option<String>) -> Result<()> {
        let mut buf = Vec::with_capacity(records.iter().map(|r| r.len() + 1).sum());
        for r in records {
            buf.extend_from_slice(r.as_bytes());
            buf.push(b'\n');
        }
        let path = self.path(&w.name);
        // With gzip an empty page is an empty member: the file stays gzip.
        if self.gzip {
            let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            buf = z.write_all(&buf).and_then(|_| z.finish()).map_err(|e| Error::from_write(&path, &e))?;
        }
        w.file.write_all(&buf).and_then(|_| w.file.sync_data()).map_err(|e| Error::from_write(&path, &e))?;
        w.part.bytes += buf.len() as u64;
        w.part.records += records.len() as u64;
        w.part.pages += 1;
        w.part.done = next.is_none();
        w.part.next = next;
        self.state.parts.insert(w.name.clone(), w.part.clone());
        self.save()
    }

    /// Write the state file atomically: a new private file (made with
    /// O_EXCL under a random name, so no link planted in the directory is
    /// followed) renamed over the old one.
    fn save(&self) -> Result<()> {
        let path = self.dir.join(STATE_FILE);
        let text = serde_json::to_vec_pretty(&self.state).unwrap_or_default();
        let mut tmp = tempfile::Builder::new().prefix(".fetch-state").tempfile_in(&self.dir).map_err(|e| Error::from_write(&path, &e))?;
        tmp.write_all(&text).and_then(|_| tmp.as_file().sync_data()).map_err(|e| Error::from_write(&path, &e))?;
        tmp.persist(&path).map_err(|e| Error::from_write(&path, &e.error))?;
        Ok(())
    }
}

/// A query without its times, to know a query asked again for a later window.
fn untimed(query: &str) -> String {
    static TIME: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    match TIME.get_or_init(|| regex::Regex::new(r"\d{4}-\d\d-\d\dT\d\d(:|%3A)\d\d(:|%3A)\d\d(\.\d+)?Z").ok()) {
        Some(re) => re.replace_all(query, "TIME").into_owned(),
        None => query.to_string(),
    }
}

/// Make `dir` (and its parents) with only the owner allowed in.
fn make_private_dir(dir: &Path) -> Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir).map_err(|e| Error::from_write(dir, &e))?;
    if !dir.is_dir() {
        return Err(Error::from_parts(ErrorKind::Write, "is not a directory", dir));
    }
    Ok(())
}

/// Open (creating) a file only its owner may read, without truncating it;
/// never through a symbolic link (one planted in a shared directory could
/// point the write anywhere).
fn private_file(path: &Path) -> Result<File> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(Error::from_parts(ErrorKind::Write, "is a symbolic link; a fetch writes only plain files", path));
    }
    let mut o = OpenOptions::new();
    o.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let f = o.open(path).map_err(|e| Error::from_write(path, &e))?;
    // A file made before (by a run with another umask) is narrowed too.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(|e| Error::from_write(path, &e))?;
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resumed_part_is_cut_back_to_its_last_page() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let mut s = Store::open(dir.path(), false, false)?;
        let mut w = s.begin("signins", "q", "u1".into())?;
        s.page(&mut w, &[r#"{"id":"1"}"#], Some("u2".into()))?;
        // A killed run's half page.
        w.file.write_all(b"{\"id\":\"2\"")?;
        drop(w);
        let mut s = Store::open(dir.path(), false, false)?;
        let mut w = s.begin("signins", "q", "ignored".into())?;
        assert!(w.resumed);
        assert_eq!(w.part.next.as_deref(), Some("u2"));
        s.page(&mut w, &[r#"{"id":"2"}"#], None)?;
        let text = std::fs::read_to_string(dir.path().join("signins.jsonl"))?;
        assert_eq!(text, "{\"id\":\"1\"}\n{\"id\":\"2\"}\n");
        // Another query is refused; a restart may overwrite the part.
        assert!(s.begin("signins", "other", "u".into()).is_err());
        let mut s = Store::open(dir.path(), false, true)?;
        let mut w = s.begin("signins", "other", "v1".into())?;
        s.page(&mut w, &[r#"{"id":"3"}"#], None)?;
        assert_eq!(std::fs::read_to_string(dir.path().join("signins.jsonl"))?, "{\"id\":\"3\"}\n");
        // A file no fetch wrote is never overwritten.
        std::fs::write(dir.path().join("audit.jsonl"), "mine")?;
        let mut s = Store::open(dir.path(), false, true)?;
        assert!(s.begin("audit", "q", "u".into()).is_err());
        Ok(())
    }

    #[test]
    fn a_later_window_is_the_same_query() {
        let a = "https://g/beta/auditLogs/signIns?%24filter=createdDateTime+ge+2026-11-28T00%3A00%3A00Z+and+userPrincipalName+eq+%27a%27";
        let b = "https://g/beta/auditLogs/signIns?%24filter=createdDateTime+ge+2026-11-29T10%3A11%3A12Z+and+userPrincipalName+eq+%27a%27";
        assert_eq!(untimed(a), untimed(b));
        assert_ne!(untimed(a), untimed(&b.replace("%27a%27", "%27b%27")));
    }

    #[cfg(unix)]
    #[test]
    fn files_are_owner_only() -> Result<(), Box<dyn std::error::Error>> {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir()?;
        let out = dir.path().join("out");
        let mut s = Store::open(&out, true, false)?;
        let mut w = s.begin("audit", "q", "u".into())?;
        s.page(&mut w, &[r#"{"id":"1"}"#], None)?;
        for p in [out.clone(), out.join("audit.jsonl.gz"), out.join(STATE_FILE)] {
            let mode = std::fs::metadata(&p)?.permissions().mode() & 0o777;
            assert_eq!(mode & 0o077, 0, "{}: {mode:o}", p.display());
        }
        Ok(())
    }
}
