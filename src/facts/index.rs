//! One caller in a log too large to load whole. A single streaming pass
//! through the record source keeps what the whole log says around a sign-in
//! (the [`History`] batch triage builds, the same way) and a small index
//! entry per record; then only the records of the caller (and of attempts
//! sharing a correlation id with theirs) are read again and decoded. The
//! facts are the same as from the whole log loaded, in a fraction of the
//! memory: the index costs about 60 bytes a record.

use super::{Facts, Glimpse, History, OrgSettings};
use crate::error::{Error, ErrorKind, Result};
use crate::logs::inputs::{self, Inputs};
use crate::logs::split::Batch;
use crate::logs::summary::{peek, Peeked};
use crate::logs::{Attempt, Evidence, EvidenceBuilder, InputFormat, Selector, SignIn};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// A 64-bit key of a text, case folded (UPNs and ids compare without case);
/// 0 means "none".
fn key(s: Option<&str>) -> u64 {
    use std::hash::BuildHasher;
    let Some(s) = s.filter(|s| !s.is_empty()) else { return 0 };
    let k = foldhash::quality::FixedState::with_seed(0x1de7_5ca1_ab1e_0001).hash_one(crate::logs::ascii_lowercase(s).as_ref());
    k.max(1)
}

/// Where one record is, and the keys it is found by.
#[derive(Debug, Clone, Copy)]
struct Entry {
    upn: u64,
    uid: u64,
    corr: u64,
    id: u64,
    time: i64,
    offset: u64,
    file: u32,
    number: u32,
    line: u32,
    len: u32,
    failed: bool,
}

/// A user with failed sign-ins: the name as the log writes it, how many, the newest.
#[derive(Debug, Clone)]
struct Failing {
    name: String,
    /// The attempts (correlation ids) with a failed record.
    attempts: HashSet<u64>,
    newest: i64,
}

/// The index of a sign-in log read once as a stream.
pub struct LogIndex {
    inputs: Inputs,
    history: History,
    entries: Vec<Entry>,
    failing: HashMap<u64, Failing>,
}

/// One caller's sign-ins with what the whole log says around them: the
/// [`Evidence`] to select an attempt from, and the history to derive its
/// facts with.
pub struct Located {
    /// The caller's sign-ins (and the audit log given).
    pub evidence: Evidence,
    history: History,
}

impl Located {
    /// A log loaded whole: the history is built from all its sign-ins.
    pub fn whole(evidence: Evidence) -> Located {
        let history = History::build(evidence.signins());
        Located { evidence, history }
    }
    /// The facts of an attempt from this evidence, with the whole log's history.
    pub fn facts(&self, attempt: &Attempt, org: Option<&OrgSettings>) -> Facts {
        Facts::derive_with(attempt, &self.evidence, &self.history, org)
    }
}

impl LogIndex {
    /// Read the sign-in files once, as a stream: the history of the whole
    /// log and an index of its records. A record that cannot be read is an
    /// error naming its file, record and line.
    pub fn scan(paths: &[PathBuf], format: InputFormat) -> Result<LogIndex> {
        let inputs = Inputs::open(paths, format)?;
        let mut index = LogIndex { history: History::default(), entries: Vec::new(), failing: HashMap::new(), inputs };
        for i in 0..index.inputs.files.len() {
            index.scan_file(i)?;
        }
        index.history.finish();
        if index.entries.is_empty() {
            let p = paths.first().map(PathBuf::as_path).unwrap_or(Path::new(""));
            return Err(Error::new(ErrorKind::Empty, "no sign-in records in the input").at_path(p));
        }
        Ok(index)
    }

    fn scan_file(&mut self, i: usize) -> Result<()> {
        let path = self.inputs.files[i].path.clone();
        let mut batches = self.inputs.batches(i)?;
        let mut batch = Batch::default();
        loop {
            batch = match batches.next_batch_into(batch, 256) {
                Ok(Some(b)) => b,
                Ok(None) => return Ok(()),
                Err(e) => return Err(e.into_error(&path)),
            };
            let text = batch.text();
            for sp in &batch.spans {
                let bad = |message: String| Error::new(ErrorKind::BadRecord, message).at_path(&path).at(sp.line, 1).record(sp.number);
                let record = match &text {
                    Ok(t) => &t[sp.start..sp.end],
                    Err(_) => std::str::from_utf8(batch.record(sp)).map_err(|e| bad(format!("the record is not UTF-8 text (byte {} of the record)", e.valid_up_to() + 1)))?,
                };
                let s = match peek(record) {
                    Peeked::SignIn(s) => s,
                    Peeked::Skip => continue,
                    Peeked::Bad(message) => return Err(bad(message)),
                };
                self.history.add(&Glimpse::of_summary(&s));
                let failed = s.code != Some(0);
                let (upn, uid) = (s.upn.as_deref(), s.user.as_deref());
                let time = s.time.unwrap_or(i64::MIN);
                if failed {
                    if let Some(name) = upn.or(uid) {
                        let f = self.failing.entry(key(Some(name))).or_insert_with(|| Failing { name: name.to_string(), attempts: HashSet::new(), newest: time });
                        // A record without a correlation id is an attempt of its own.
                        f.attempts.insert(match key(s.corr.as_deref()) {
                            0 => key(Some(&format!("\0{i}#{}", sp.number))),
                            k => k,
                        });
                        f.newest = f.newest.max(time);
                    }
                }
                self.entries.push(Entry {
                    upn: key(upn),
                    uid: key(uid),
                    corr: key(s.corr.as_deref()),
                    id: key(s.id.as_deref()),
                    time,
                    offset: sp.offset,
                    file: i as u32,
                    number: sp.number as u32,
                    line: sp.line as u32,
                    len: sp.len,
                    failed,
                });
            }
        }
    }

    /// How many sign-in records the log holds.
    pub fn records(&self) -> usize {
        self.entries.len()
    }

    /// The users with failed sign-ins, the newest failure first: (user as
    /// the log writes it, number of attempts with a failed record).
    pub fn failed_users(&self) -> Vec<(String, usize)> {
        let mut v: Vec<&Failing> = self.failing.values().collect();
        v.sort_by(|a, b| b.newest.cmp(&a.newest).then_with(|| a.name.cmp(&b.name)));
        v.into_iter().map(|f| (f.name.clone(), f.attempts.len())).collect()
    }

    /// The sign-ins the selector can pick from, read again and decoded, in
    /// file order, into `builder` (which holds the audit log): the records
    /// of the record id, correlation id or user selected (with no selector,
    /// the user of the newest failure), and of every attempt that shares a
    /// correlation id with them.
    pub fn locate(self, sel: &Selector, builder: EvidenceBuilder) -> Result<Located> {
        let hits: Vec<&Entry> = if let Some(id) = &sel.id {
            let k = key(Some(id));
            self.entries.iter().filter(|e| e.id == k).collect()
        } else if let Some(c) = &sel.correlation_id {
            let k = key(Some(c));
            self.entries.iter().filter(|e| e.corr == k).collect()
        } else {
            let who = match &sel.user {
                Some(u) => key(Some(u)),
                None => match self.entries.iter().filter(|e| e.failed).max_by_key(|e| (e.time, e.file, e.number)).copied() {
                    Some(e) if e.upn != 0 || e.uid != 0 => {
                        if e.upn != 0 {
                            e.upn
                        } else {
                            e.uid
                        }
                    }
                    // The newest failure names no user: its attempt alone.
                    Some(e) => return self.read(&[e], builder),
                    None => {
                        let attempts = self.entries.iter().map(|e| (e.corr, if e.corr == 0 { (e.file, e.number) } else { (0, 0) })).collect::<HashSet<_>>().len();
                        return Err(Error::new(ErrorKind::NotFound, format!("the log holds no failed sign-in ({attempts} attempt{}, all successful)", if attempts == 1 { "" } else { "s" }))
                            .hint("to diagnose a successful sign-in (e.g. a break-glass account), pick it with --id"));
                    }
                },
            };
            self.entries.iter().filter(|e| who != 0 && (e.upn == who || e.uid == who)).collect()
        };
        let hits: Vec<Entry> = hits.into_iter().copied().collect();
        self.read(&hits, builder)
    }

    /// Read again the records `hits` and every record sharing a correlation id with them.
    fn read(self, hits: &[Entry], builder: EvidenceBuilder) -> Result<Located> {
        let corrs: HashSet<u64> = hits.iter().map(|e| e.corr).filter(|&c| c != 0).collect();
        let hit_at: HashSet<(u32, u32)> = hits.iter().map(|e| (e.file, e.number)).collect();
        let files: Vec<std::fs::File> = self.inputs.files.iter().map(|f| inputs::open(&f.path)).collect::<Result<_>>()?;
        let mut signins: Vec<SignIn> = Vec::new();
        let mut buf = Vec::new();
        // Entries are in file order already.
        for e in self.entries.iter().filter(|e| corrs.contains(&e.corr) || hit_at.contains(&(e.file, e.number))) {
            let input = &self.inputs.files[e.file as usize];
            let bad = |message: String| Error::new(ErrorKind::BadRecord, message).at_path(&input.path).at(e.line as usize, 1).record(e.number as usize);
            buf.resize(e.len as usize, 0);
            inputs::read_at(&files[e.file as usize], &input.path, &mut buf, e.offset).map_err(|err| bad(format!("cannot read the record again: {err}")))?;
            signins.push(self.inputs.decode(e.file as usize, &buf, e.number as usize, e.line as usize).map_err(bad)?);
        }
        Ok(Located { evidence: builder.records(signins, None).build(), history: self.history })
    }
}
