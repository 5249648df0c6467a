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
    s.filter(|s| !s.is_empty()).map_or(0, |s| crate::logs::user_key(s).max(1))
}

/// Where one record is, and the keys it is found by.
#[derive(Debug, Clone, Copy)]
struct Entry {
    upn: u64,
    uid: u64,
    corr: u64,
    id: u64,
    /// The attempt: the correlation id's key, or the record's own place.
    attempt: u64,
    time: i64,
    nanos: u32,
    offset: u64,
    file: u32,
    number: u32,
    line: u32,
    len: u32,
    failed: bool,
}

/// The index of a sign-in log read once as a stream.
pub struct LogIndex {
    inputs: Inputs,
    history: History,
    entries: Vec<Entry>,
    /// The names of users with a failed record, as the log writes them.
    names: HashMap<u64, String>,
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
        let inputs = Inputs::open(paths, format, &[])?;
        let mut index = LogIndex { history: History::default(), entries: Vec::new(), names: HashMap::new(), inputs };
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
                // As `SignIn::is_failure`: no error code is unknown, not success.
                let failed = s.code != Some(0);
                let (upn, uid) = (s.upn.as_deref(), s.user.as_deref());
                if failed {
                    if let Some(name) = upn.or(uid) {
                        self.names.entry(key(Some(name))).or_insert_with(|| name.to_string());
                    }
                }
                let corr = key(s.corr.as_deref());
                // A record without a correlation id is an attempt of its own.
                let attempt = if corr != 0 { corr } else { key(Some(&format!("\0{i}#{}", sp.number))) };
                self.entries.push(Entry {
                    upn: key(upn),
                    uid: key(uid),
                    corr,
                    id: key(s.id.as_deref()),
                    attempt,
                    time: s.time.unwrap_or(i64::MIN),
                    nanos: s.nanos,
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

    /// Each attempt's last record, as [`Attempt`] orders its records (by
    /// time, then record number): the record that says whether it failed.
    fn last_records(&self) -> HashMap<u64, &Entry> {
        let mut last: HashMap<u64, &Entry> = HashMap::new();
        for e in &self.entries {
            let l = last.entry(e.attempt).or_insert(e);
            if (e.time, e.nanos, e.number) >= (l.time, l.nanos, l.number) {
                *l = e;
            }
        }
        last
    }

    /// The failed attempts (their last record failed: an interrupt such as
    /// 50074 followed by a success is not a failure), newest first, by
    /// their last record's time and number as [`Evidence::attempts`] orders them.
    fn failed_attempts(&self) -> Vec<&Entry> {
        let mut v: Vec<&Entry> = self.last_records().into_values().filter(|e| e.failed).collect();
        v.sort_by_key(|e| std::cmp::Reverse((e.time, e.nanos, e.number)));
        v
    }

    /// The users with failed sign-ins, the newest failure first: (user as
    /// the log writes it, number of failed attempts), as the whole log loaded counts them.
    pub fn failed_users(&self) -> Vec<(String, usize)> {
        let mut users: Vec<(u64, usize)> = Vec::new();
        for e in self.failed_attempts() {
            let k = if e.upn != 0 { e.upn } else { e.uid };
            if k == 0 {
                continue;
            }
            match users.iter_mut().find(|(u, _)| *u == k) {
                Some((_, n)) => *n += 1,
                None => users.push((k, 1)),
            }
        }
        users.into_iter().filter_map(|(k, n)| self.names.get(&k).map(|name| (name.clone(), n))).collect()
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
                // No selector: the newest failed attempt, as `Evidence::select` takes it.
                None => match self.failed_attempts().first() {
                    Some(e) => {
                        let a = e.attempt;
                        let hits: Vec<Entry> = self.entries.iter().filter(|x| x.attempt == a).copied().collect();
                        return self.read(&hits, builder);
                    }
                    None => {
                        let attempts = self.entries.iter().map(|e| e.attempt).collect::<HashSet<_>>().len();
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

    /// Read again the records of the attempts of `hits`.
    fn read(self, hits: &[Entry], builder: EvidenceBuilder) -> Result<Located> {
        let attempts: HashSet<u64> = hits.iter().map(|e| e.attempt).collect();
        let mut files = inputs::OpenFiles::new(&self.inputs);
        let mut signins: Vec<SignIn> = Vec::new();
        let mut buf = Vec::new();
        // Entries are in file order already.
        for e in self.entries.iter().filter(|e| attempts.contains(&e.attempt)) {
            let input = &self.inputs.files[e.file as usize];
            let bad = |message: String| Error::new(ErrorKind::BadRecord, message).at_path(&input.path).at(e.line as usize, 1).record(e.number as usize);
            buf.resize(e.len as usize, 0);
            inputs::read_at(files.get(e.file)?, &input.path, &mut buf, e.offset).map_err(|err| bad(format!("cannot read the record again: {err}")))?;
            signins.push(self.inputs.decode(e.file as usize, &buf, e.number as usize, e.line as usize).map_err(bad)?);
        }
        Ok(Located { evidence: builder.records(signins, None).build(), history: self.history })
    }
}
