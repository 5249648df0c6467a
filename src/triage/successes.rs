//! Pass 1's successful records, kept as (attempt key, order) pairs: pass 2
//! needs each attempt's latest success to tell an attempt whose last record
//! succeeded (an interrupt, then success), whatever the file order, and the
//! distinct attempts to count them. Every successful record adds one pair,
//! so a worker sorts its pairs into runs of at most [`RUN`], keeps only the
//! last success of each attempt in a run, and writes the run to the triage
//! run's one temporary file ([`Spill`]: the tempfile crate's, created in the
//! temporary directory (`TMPDIR`; on Windows `TMP`) with no name or an
//! unpredictable one, and removed by the system when closed, even after a
//! crash). In memory stay the pairs of one unfinished run per worker and per
//! accumulator (a file's workers merged, and the files merged) and, when
//! pass 2's index reads the runs back, a block of each written run: within
//! [`READ_BUDGET`] up to 2,048 runs (134 million successes), then 4 KiB a
//! run. Where the temporary file cannot be made or written, the runs stay
//! in memory from then on: the answer is the same, only larger.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::Mutex;

/// (attempt key, packed order) of a successful record.
type Pair = (u64, u64);

/// Pairs gathered before they are sorted into a run and written out (1 MiB).
const RUN: usize = 1 << 16;
/// Bytes of all the written runs' blocks held at once while they are
/// merged (tests: small, so that runs are read in several blocks).
const READ_BUDGET: usize = if cfg!(test) { 1 << 10 } else { 8 << 20 };
/// The fewest pairs read from a run at a time.
const MIN_BLOCK: usize = if cfg!(test) { 4 } else { 256 };

/// Sort pairs and keep the last success of each attempt.
fn reduce(v: &mut Vec<Pair>) {
    v.sort_unstable();
    // Sorted by (key, order): fold each attempt's entries into its latest.
    v.dedup_by(|later, kept| {
        later.0 == kept.0 && {
            kept.1 = kept.1.max(later.1);
            true
        }
    });
}

/// The one temporary file of a triage run's successes, shared by its
/// workers and input files (one file, not one per worker and input: a run
/// over hundreds of hourly blobs must not run out of file handles).
#[derive(Default)]
pub(super) struct Spill {
    /// The file (made at the first run written) and where its end is;
    /// `failed` once it could not be made or written (not tried again).
    inner: Mutex<SpillFile>,
}

#[derive(Default)]
struct SpillFile {
    file: Option<File>,
    end: u64,
    failed: bool,
}

impl Spill {
    /// A spill that never writes (tests of the in-memory fallback).
    #[cfg(test)]
    fn broken() -> Spill {
        Spill { inner: Mutex::new(SpillFile { file: None, end: 0, failed: true }) }
    }

    /// Append a run; where it starts, or `None` when it stays in memory.
    /// (A lock poisoned by a panicking worker is taken over: `end` moves
    /// only after a whole run is written, so the state is always whole.)
    fn write(&self, run: &[Pair]) -> Option<u64> {
        let mut bytes = Vec::with_capacity(run.len() * 16);
        for &(k, o) in run {
            bytes.extend_from_slice(&k.to_le_bytes());
            bytes.extend_from_slice(&o.to_le_bytes());
        }
        let mut s = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if s.failed {
            return None;
        }
        if s.file.is_none() {
            s.file = tempfile::tempfile().ok();
        }
        let at = s.end;
        let written = s.file.as_mut().is_some_and(|f| f.seek(SeekFrom::Start(at)).and_then(|_| f.write_all(&bytes)).is_ok());
        if written {
            s.end += bytes.len() as u64;
            Some(at)
        } else {
            s.failed = true;
            None
        }
    }

    fn into_file(self) -> Option<File> {
        self.inner.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner).file
    }
}

/// A worker's successes, or several workers' merged.
#[derive(Default)]
pub(super) struct Successes {
    /// Pairs not sorted into a run yet.
    open: Vec<Pair>,
    /// Sorted, reduced runs kept in memory (where the spill failed, and at
    /// the end the last unfinished run).
    kept: Vec<Vec<Pair>>,
    /// Runs written to the spill: (offset, pairs).
    written: Vec<(u64, usize)>,
    /// The run size (0: [`RUN`]; tests use small runs).
    run: usize,
}

impl Successes {
    /// Successes written out in runs of `run` pairs.
    #[cfg(test)]
    fn with_run(run: usize) -> Successes {
        Successes { run, ..Successes::default() }
    }

    /// One successful record of attempt `key`.
    pub fn push(&mut self, key: u64, order: u64, spill: &Spill) {
        let run = if self.run == 0 { RUN } else { self.run };
        if self.open.capacity() == 0 {
            self.open.reserve_exact(run);
        }
        self.open.push((key, order));
        if self.open.len() >= run {
            reduce(&mut self.open);
            match spill.write(&self.open) {
                Some(at) => {
                    self.written.push((at, self.open.len()));
                    self.open.clear();
                }
                None => {
                    let mut kept = std::mem::replace(&mut self.open, Vec::with_capacity(run));
                    kept.shrink_to_fit();
                    self.kept.push(kept);
                }
            }
        }
    }

    /// Take another worker's (or input file's) successes in: its unfinished
    /// run joins this one, so tails are written out too.
    pub fn merge(&mut self, o: Successes, spill: &Spill) {
        for (k, v) in o.open {
            self.push(k, v, spill);
        }
        self.kept.extend(o.kept);
        self.written.extend(o.written);
    }

    /// Every attempt with a success once, by key, with its latest success.
    pub fn walk(mut self, spill: Spill) -> Merge {
        reduce(&mut self.open);
        self.open.shrink_to_fit();
        self.kept.push(self.open);
        let block = (READ_BUDGET / 16 / self.written.len().max(1)).max(MIN_BLOCK);
        let mut sources: Vec<Source> = self.kept.into_iter().map(|v| Source { pairs: v, at: 0, left: 0, offset: 0 }).collect();
        sources.extend(self.written.into_iter().map(|(offset, n)| Source { pairs: Vec::new(), at: 0, left: n, offset }));
        Merge { sources, file: spill.into_file(), block, bytes: Vec::new(), heap: BinaryHeap::new(), started: false }
    }
}

/// The runs walked as one, smallest key first, each key once; an error is
/// the temporary file that cannot be read back.
pub(super) struct Merge {
    sources: Vec<Source>,
    file: Option<File>,
    /// Pairs read from a written run at a time.
    block: usize,
    /// The bytes of one block, reused.
    bytes: Vec<u8>,
    /// The next pair of each run that has one, and the run.
    heap: BinaryHeap<Reverse<(Pair, usize)>>,
    started: bool,
}

/// One sorted run: in memory, or in the spill, read a block at a time.
struct Source {
    pairs: Vec<Pair>,
    at: usize,
    /// Pairs of the run still in the file, and where they start.
    left: usize,
    offset: u64,
}

impl Merge {
    /// Run `i`'s next pair, reading its next block when needed.
    fn next_of(&mut self, i: usize) -> std::io::Result<Option<Pair>> {
        let Some(s) = self.sources.get_mut(i) else { return Ok(None) };
        if s.at == s.pairs.len() && s.left > 0 {
            let n = s.left.min(self.block);
            self.bytes.resize(n * 16, 0);
            let mut f = self.file.as_ref().ok_or_else(|| std::io::Error::other("the temporary file is gone"))?;
            f.seek(SeekFrom::Start(s.offset))?;
            f.read_exact(&mut self.bytes)?;
            s.pairs.clear();
            s.pairs.extend(self.bytes.chunks_exact(16).map(|c| {
                let (k, o) = c.split_at(8);
                (u64::from_le_bytes(k.try_into().unwrap_or_default()), u64::from_le_bytes(o.try_into().unwrap_or_default()))
            }));
            s.at = 0;
            s.offset += n as u64 * 16;
            s.left -= n;
        }
        let p = s.pairs.get(s.at).copied();
        s.at += 1;
        Ok(p)
    }

    /// Put run `i`'s next pair on the heap.
    fn advance(&mut self, i: usize) -> std::io::Result<()> {
        if let Some(p) = self.next_of(i)? {
            self.heap.push(Reverse((p, i)));
        }
        Ok(())
    }

    fn step(&mut self) -> std::io::Result<Option<Pair>> {
        if !self.started {
            self.started = true;
            for i in 0..self.sources.len() {
                self.advance(i)?;
            }
        }
        let Some(Reverse(((key, mut order), i))) = self.heap.pop() else { return Ok(None) };
        self.advance(i)?;
        // The same attempt in other runs (other workers, other runs of one).
        while let Some(&Reverse(((k, o), j))) = self.heap.peek() {
            if k != key {
                break;
            }
            order = order.max(o);
            self.heap.pop();
            self.advance(j)?;
        }
        Ok(Some((key, order)))
    }
}

impl Iterator for Merge {
    type Item = std::io::Result<Pair>;
    fn next(&mut self) -> Option<Self::Item> {
        match self.step() {
            Ok(p) => p.map(Ok),
            Err(e) => {
                // Nothing more after an error.
                self.heap.clear();
                self.sources.clear();
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: every pair in memory, the latest per key.
    fn expected(pairs: &[Pair]) -> Vec<Pair> {
        let mut m = std::collections::BTreeMap::new();
        for &(k, o) in pairs {
            let e = m.entry(k).or_insert(o);
            *e = (*e).max(o);
        }
        m.into_iter().collect()
    }

    /// Keys repeat within a run, across runs and across workers.
    fn pairs() -> Vec<Pair> {
        (0..5000u64).map(|i| ((i * 7919) % 101, (i * 104_729) % 100_003)).collect()
    }

    /// Two workers' successes in runs of 300 (tails of 250 each), merged
    /// and walked; `between` runs after the first worker. Returns the walk,
    /// the runs written, the runs kept in memory and the pairs left open.
    fn two_workers(pairs: &[Pair], spill: Spill, between: impl FnOnce(&Spill)) -> std::io::Result<(Vec<Pair>, usize, usize, usize)> {
        let (a, b) = pairs.split_at(2350);
        let mut one = Successes::with_run(300);
        a.iter().for_each(|&(k, o)| one.push(k, o, &spill));
        between(&spill);
        let mut two = Successes::with_run(300);
        b.iter().for_each(|&(k, o)| two.push(k, o, &spill));
        one.merge(two, &spill);
        let counts = (one.written.len(), one.kept.len(), one.open.len());
        Ok((one.walk(spill).collect::<std::io::Result<Vec<_>>>()?, counts.0, counts.1, counts.2))
    }

    #[test]
    fn runs_written_out_and_merged_give_each_attempt_its_latest_success() -> std::io::Result<()> {
        let pairs = pairs();
        let (walked, written, kept, open) = two_workers(&pairs, Spill::default(), |_| {})?;
        assert_eq!(walked, expected(&pairs));
        // 7 runs of the first worker, 8 of the second, and one of their two
        // tails of 250 joined; 200 pairs left open.
        assert_eq!((written, kept, open), (16, 0, 200));
        Ok(())
    }

    #[test]
    fn runs_that_cannot_be_written_stay_in_memory_with_the_same_answer() -> std::io::Result<()> {
        let pairs = pairs();
        let (walked, written, kept, _) = two_workers(&pairs, Spill::broken(), |_| {})?;
        assert_eq!(walked, expected(&pairs));
        assert_eq!((written, kept), (0, 16));
        // A spill that fails half-way: written runs and kept runs walked as one.
        let fail = |s: &Spill| s.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner).failed = true;
        let (walked, written, kept, _) = two_workers(&pairs, Spill::default(), fail)?;
        assert_eq!(walked, expected(&pairs));
        assert_eq!((written, kept), (7, 9));
        Ok(())
    }

    #[test]
    fn workers_writing_at_once_share_one_file_without_overlap() -> std::io::Result<()> {
        let pairs: Vec<Pair> = (0..20_000u64).map(|i| ((i * 7919) % 4999, (i * 104_729) % 100_003)).collect();
        let spill = Spill::default();
        let parts: Vec<Successes> = std::thread::scope(|scope| {
            let workers: Vec<_> = pairs
                .chunks(5000)
                .map(|part| {
                    let spill = &spill;
                    scope.spawn(move || {
                        let mut s = Successes::with_run(250);
                        part.iter().for_each(|&(k, o)| s.push(k, o, spill));
                        s
                    })
                })
                .collect();
            workers.into_iter().filter_map(|w| w.join().ok()).collect()
        });
        assert_eq!(parts.len(), 4);
        let mut all = Successes::with_run(250);
        parts.into_iter().for_each(|p| all.merge(p, &spill));
        let mut runs = all.written.clone();
        runs.sort_unstable();
        assert_eq!(runs.len(), 80);
        assert!(runs.windows(2).all(|w| w[0].0 + w[0].1 as u64 * 16 <= w[1].0), "runs overlap: {runs:?}");
        assert_eq!(all.walk(spill).collect::<std::io::Result<Vec<_>>>()?, expected(&pairs));
        Ok(())
    }

    #[test]
    fn nothing_written_out_below_a_run_and_nothing_at_all() -> std::io::Result<()> {
        let spill = Spill::default();
        let mut s = Successes::default();
        for &(k, o) in &[(5, 1), (3, 9), (5, 4), (1, 1)] {
            s.push(k, o, &spill);
        }
        assert!(s.written.is_empty());
        assert_eq!(s.walk(spill).collect::<std::io::Result<Vec<_>>>()?, vec![(1, 1), (3, 9), (5, 4)]);
        assert_eq!(Successes::default().walk(Spill::default()).count(), 0);
        Ok(())
    }
}
