//! Triage's first pass: every record of a file split out of the stream and
//! looked at through the summary reader, in parallel. It builds the history,
//! the rollout aggregates and the index of failed records to read again.

use super::report;
use super::successes::{Spill, Successes};
use super::{BadRecord, Filter, Options, Progress};
use crate::error::{Error, ErrorKind, Result};
use crate::facts::{History, OrgSettings};
use crate::logs::split::{Batch, Batches, Span};
use crate::logs::summary::{peek, Peeked, Seen};
use std::path::Path;

/// A failed record to read again in pass 2.
#[derive(Debug, Clone, Copy)]
pub(super) struct Candidate {
    pub attempt: u64,
    /// The record's time (`i64::MIN` when it has none).
    pub time: i64,
    pub file: u32,
    pub offset: u64,
    pub len: u32,
    pub number: u32,
    pub line: u32,
    /// The record's user is one the filter reports on.
    pub wanted: bool,
}

// Pass 1 keeps one per failed record: keep it small.
const _: () = assert!(std::mem::size_of::<Candidate>() <= 48);

impl Candidate {
    /// (time, file << 40 | record number): the order of records in an attempt.
    pub fn order(&self) -> (i64, u64) {
        (self.time, ((self.file as u64) << 40) | self.number as u64)
    }
}

/// (time, file << 40 | record) in one u64: the time in the high bits, the
/// record number's low 22 bits to order records of the same second. The
/// file is not kept: records of one attempt in two files in the same second
/// are ordered by their record numbers alone.
pub(super) fn pack((time, n): (i64, u64)) -> u64 {
    ((time.max(0) as u64) << 22) | (n & 0x3f_ffff)
}

/// An attempt's key: a 64-bit hash of its correlation id, the same in every
/// worker (a fixed seed).
fn hash(s: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::quality::FixedState::with_seed(0x5167_6e69_6e44_6f63).hash_one(s)
}

/// Pass 1 state of one worker.
#[derive(Default)]
pub(super) struct Survey {
    pub history: History,
    /// (attempt key, order) of every successful record, in sorted runs
    /// written out every 65,536 successes: needed to tell an attempt whose last
    /// record succeeded (an interrupt, then success) whatever the file order.
    pub successes: Successes,
    pub candidates: Vec<Candidate>,
    pub rollout: report::RolloutAcc,
    pub records: usize,
    pub skipped: usize,
    pub bad_count: usize,
    pub bad: Vec<BadRecord>,
    /// Records outside the filter's time window (read, then passed over).
    pub outside: usize,
    /// The earliest and latest record times seen, in or out of the window.
    pub span: Option<(i64, i64)>,
}

impl Survey {
    pub fn merge(&mut self, o: Survey, spill: &Spill) {
        self.history.merge(o.history);
        self.successes.merge(o.successes, spill);
        // The first list is taken as it is, not copied.
        if self.candidates.is_empty() {
            self.candidates = o.candidates;
        } else {
            self.candidates.extend(o.candidates);
        }
        self.rollout.merge(o.rollout);
        self.records += o.records;
        self.skipped += o.skipped;
        self.bad_count += o.bad_count;
        self.bad.extend(o.bad);
        self.outside += o.outside;
        self.span = match (self.span, o.span) {
            (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
            (a, b) => a.or(b),
        };
    }

    fn see(&mut self, s: &Seen, file: u32, span: &Span, org: Option<&OrgSettings>, filter: &Filter, spill: &Spill) {
        if let Some(t) = s.time {
            self.span = Some(self.span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
        }
        // The history sees every record, in the window or not: whether an
        // address or a country is known to a user rests on what came before.
        self.history.add(&crate::facts::Glimpse::of_summary(s));
        if !filter.in_window(s.time) {
            self.outside += 1;
            return;
        }
        self.records += 1;
        self.rollout.add(s, org);
        // A record with no correlation id is an attempt of its own, as in
        // `Evidence::attempts` (keyed apart from every correlation id).
        let key = match s.corr.as_deref() {
            Some(c) => hash(c),
            None => hash(&format!("\0{file}#{}", span.number)),
        };
        // As `SignIn::is_failure`: no error code is unknown, not success.
        let failed = s.code != Some(0);
        let order = (s.time.unwrap_or(i64::MIN), ((file as u64) << 40) | span.number as u64);
        if failed {
            self.candidates.push(Candidate {
                attempt: key,
                time: order.0,
                file,
                offset: span.offset,
                len: span.len,
                number: span.number as u32,
                line: span.line as u32,
                wanted: filter.selects_user(s.upn.as_deref(), s.user.as_deref()),
            });
        } else {
            self.successes.push(key, pack(order), spill);
        }
    }
}

/// Pass 1's progress over all files: bytes of earlier files, and in all.
pub(super) struct Bytes<'a> {
    pub progress: &'a dyn Progress,
    pub done: &'a std::sync::atomic::AtomicU64,
    pub total: u64,
}

/// Pass 1 over one file's batches of records.
pub(super) fn survey_file(splitter: &mut dyn Batches, name: &str, file: u32, org: Option<&OrgSettings>, opts: &Options, bytes_read: &Bytes, spill: &Spill) -> Result<Survey> {
    let Bytes { progress, done, total } = *bytes_read;
    let name = name.to_string();
    let shown = Path::new(&name);
    let (tx, rx) = crossbeam_channel::bounded::<Batch>(opts.threads + 1);
    // Used batches come back to be filled again: no fresh memory per batch.
    let (tx_free, rx_free) = crossbeam_channel::bounded::<Batch>(opts.threads + 2);
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..opts.threads.max(1))
            .map(|_| {
                let rx = rx.clone();
                let tx_free = tx_free.clone();
                let (name, stop) = (&name, &stop);
                scope.spawn(move || {
                    let mut sv = Survey::default();
                    for batch in rx {
                        let text = batch.text();
                        for sp in &batch.spans {
                            let record = match &text {
                                Ok(t) => Ok(&t[sp.start..sp.end]),
                                // Which record is not UTF-8: each is checked alone.
                                Err(_) => std::str::from_utf8(batch.record(sp)).map_err(|e| format!("the record is not UTF-8 text (byte {} of the record)", e.valid_up_to() + 1)),
                            };
                            let peeked = match record {
                                Ok(r) => peek(r),
                                Err(message) => Peeked::Bad(message),
                            };
                            match peeked {
                                Peeked::SignIn(s) => sv.see(&s, file, sp, org, &opts.filter, spill),
                                Peeked::Skip => sv.skipped += 1,
                                Peeked::Bad(message) => {
                                    sv.bad_count += 1;
                                    if sv.bad.len() < 1000 {
                                        sv.bad.push(BadRecord { file: name.clone(), record: sp.number, line: sp.line, message });
                                    }
                                    if opts.strict {
                                        stop.store(true, std::sync::atomic::Ordering::Relaxed);
                                    }
                                }
                            }
                        }
                        let _ = tx_free.try_send(batch);
                    }
                    sv
                })
            })
            .collect();
        drop(rx);
        let mut read_err = None;
        loop {
            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                break;
            }
            match splitter.next_batch_into(rx_free.try_recv().unwrap_or_default(), 256) {
                Ok(Some(b)) => {
                    let bytes = b.spans.last().map_or(0, |s| s.offset + s.len as u64);
                    progress.survey(done.load(std::sync::atomic::Ordering::Relaxed) + bytes, total);
                    progress.records(b.spans.len() as u64);
                    if tx.send(b).is_err() {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    read_err = Some(e);
                    break;
                }
            }
        }
        drop(tx);
        let mut done = workers.into_iter().map(|w| w.join().map_err(|_| Error::new(ErrorKind::Io, "a worker thread failed"))).collect::<Result<Vec<Survey>>>()?.into_iter();
        let mut all = done.next().unwrap_or_default();
        // Room for exactly every worker's failed records, not double: the
        // workers' merge is the peak of a file's pass.
        all.candidates.reserve_exact(done.as_slice().iter().map(|s| s.candidates.len()).sum());
        for s in done {
            all.merge(s, spill);
        }
        if let Some(e) = read_err {
            return Err(e.into_error(shown));
        }
        if opts.strict {
            if let Some(b) = all.bad.iter().min_by_key(|b| b.record) {
                return Err(Error::new(ErrorKind::BadRecord, b.message.clone()).at_path(shown).at(b.line, 1).record(b.record));
            }
        }
        Ok(all)
    })
}
