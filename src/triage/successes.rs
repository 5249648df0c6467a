//! Pass 1's successful records, kept as (attempt key, order) pairs: pass 2
//! needs each attempt's latest success to tell an attempt whose last record
//! succeeded (an interrupt, then success), whatever the file order, and the
//! distinct attempts to count them. Every successful record adds one pair,
//! so a worker sorts its pairs into runs of at most [`RUN`], keeps only the
//! last success of each attempt in a run, and writes the runs to a private
//! temporary file (the tempfile crate: an unpredictable name, removed when
//! dropped). Memory then follows the run size and not the log's size. Where
//! no temporary file can be made or written, the runs stay in memory: the
//! answer is the same, only larger.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};

/// (attempt key, packed order) of a successful record.
type Pair = (u64, u64);

/// Pairs gathered before they are sorted into a run and written out (1 MiB).
const RUN: usize = 1 << 16;
/// Pairs read from a written run at a time, per run, when they are merged
/// (tests read runs in several blocks).
const READ: usize = if cfg!(test) { 64 } else { 1 << 12 };

/// A worker's successes, or several workers' merged.
#[derive(Default)]
pub(super) struct Successes {
    /// Pairs not sorted into a run yet.
    open: Vec<Pair>,
    /// Sorted, reduced runs kept in memory (the last of a worker, or all
    /// where no temporary file could be written).
    kept: Vec<Vec<Pair>>,
    /// The temporary files and the runs written to each: (offset, pairs).
    spilled: Vec<(File, Vec<(u64, usize)>)>,
    run: usize,
}

/// Sort pairs and keep the last success of each attempt.
fn reduce(mut v: Vec<Pair>) -> Vec<Pair> {
    v.sort_unstable();
    // Sorted by (key, order): fold each attempt's entries into its latest.
    v.dedup_by(|later, kept| {
        later.0 == kept.0 && {
            kept.1 = kept.1.max(later.1);
            true
        }
    });
    v.shrink_to_fit();
    v
}

impl Successes {
    /// Successes written out in runs of `run` pairs (tests use small runs).
    #[cfg(test)]
    fn with_run(run: usize) -> Successes {
        Successes { run, ..Successes::default() }
    }

    /// One successful record of attempt `key`.
    pub fn push(&mut self, key: u64, order: u64) {
        self.open.push((key, order));
        if self.open.len() >= if self.run == 0 { RUN } else { self.run } {
            let run = reduce(std::mem::take(&mut self.open));
            if let Err(run) = self.write(run) {
                self.kept.push(run);
            }
        }
    }

    /// Write a run to this worker's temporary file; the run back if it cannot be.
    fn write(&mut self, run: Vec<Pair>) -> Result<(), Vec<Pair>> {
        if self.spilled.is_empty() {
            match tempfile::tempfile() {
                Ok(f) => self.spilled.push((f, Vec::new())),
                Err(_) => return Err(run),
            }
        }
        let Some((file, runs)) = self.spilled.last_mut() else { return Err(run) };
        let mut bytes = Vec::with_capacity(run.len() * 16);
        for &(k, o) in &run {
            bytes.extend_from_slice(&k.to_le_bytes());
            bytes.extend_from_slice(&o.to_le_bytes());
        }
        let at = runs.last().map_or(0, |&(offset, n)| offset + n as u64 * 16);
        match file.seek(SeekFrom::Start(at)).and_then(|_| file.write_all(&bytes)) {
            Ok(()) => {
                runs.push((at, run.len()));
                Ok(())
            }
            Err(_) => Err(run),
        }
    }

    /// Take another worker's successes in.
    pub fn merge(&mut self, mut o: Successes) {
        if !o.open.is_empty() {
            o.kept.push(reduce(std::mem::take(&mut o.open)));
        }
        self.kept.append(&mut o.kept);
        self.spilled.append(&mut o.spilled);
    }

    /// Every attempt with a success once, by key, with its latest success.
    /// An error is a temporary file that cannot be read back.
    pub fn walk(mut self) -> Merge {
        if !self.open.is_empty() {
            self.kept.push(reduce(std::mem::take(&mut self.open)));
        }
        let mut sources: Vec<Source> = self.kept.into_iter().map(|v| Source { pairs: v, at: 0, file: None }).collect();
        for (file, runs) in self.spilled {
            let file = std::rc::Rc::new(file);
            for (offset, n) in runs {
                sources.push(Source { pairs: Vec::new(), at: 0, file: Some((file.clone(), offset, n)) });
            }
        }
        Merge { sources, heap: BinaryHeap::new(), started: false }
    }
}

/// The runs walked as one, smallest key first, each key once.
pub(super) struct Merge {
    sources: Vec<Source>,
    /// The next pair of each run that has one, and the run.
    heap: BinaryHeap<Reverse<(Pair, usize)>>,
    started: bool,
}

impl Merge {
    /// Put run `i`'s next pair on the heap.
    fn advance(&mut self, i: usize) -> std::io::Result<()> {
        if let Some(p) = self.sources.get_mut(i).map(Source::next).transpose()?.flatten() {
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

/// One sorted run: in memory, or in a temporary file read a block at a time.
struct Source {
    pairs: Vec<Pair>,
    at: usize,
    /// The file, where the rest of the run starts, and how many pairs are left.
    file: Option<(std::rc::Rc<File>, u64, usize)>,
}

impl Source {
    fn next(&mut self) -> std::io::Result<Option<Pair>> {
        if self.at == self.pairs.len() {
            let Some((file, offset, left)) = self.file.as_mut().filter(|f| f.2 > 0) else { return Ok(None) };
            let n = (*left).min(READ);
            let mut bytes = vec![0u8; n * 16];
            let mut f: &File = file;
            f.seek(SeekFrom::Start(*offset))?;
            f.read_exact(&mut bytes)?;
            self.pairs.clear();
            self.pairs.extend(bytes.chunks_exact(16).map(|c| {
                let (k, o) = c.split_at(8);
                (u64::from_le_bytes(k.try_into().unwrap_or_default()), u64::from_le_bytes(o.try_into().unwrap_or_default()))
            }));
            self.at = 0;
            *offset += n as u64 * 16;
            *left -= n;
        }
        let p = self.pairs.get(self.at).copied();
        self.at += 1;
        Ok(p)
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

    #[test]
    fn runs_written_out_and_merged_give_each_attempt_its_latest_success() -> std::io::Result<()> {
        // Keys repeat within a run, across runs and across workers.
        let pairs: Vec<Pair> = (0..5000u64).map(|i| ((i * 7919) % 1013, (i * 104_729) % 100_003)).collect();
        let (a, b) = pairs.split_at(2222);
        let mut one = Successes::with_run(300);
        a.iter().for_each(|&(k, o)| one.push(k, o));
        let mut two = Successes::with_run(300);
        b.iter().for_each(|&(k, o)| two.push(k, o));
        assert!(!one.spilled.is_empty() && !two.spilled.is_empty(), "runs were written out");
        assert!(one.open.len() < 300);
        one.merge(two);
        assert_eq!(one.walk().collect::<std::io::Result<Vec<_>>>()?, expected(&pairs));
        Ok(())
    }

    #[test]
    fn nothing_written_out_below_a_run_and_nothing_at_all() -> std::io::Result<()> {
        let mut s = Successes::default();
        for &(k, o) in &[(5, 1), (3, 9), (5, 4), (1, 1)] {
            s.push(k, o);
        }
        assert!(s.spilled.is_empty());
        assert_eq!(s.walk().collect::<std::io::Result<Vec<_>>>()?, vec![(1, 1), (3, 9), (5, 4)]);
        assert_eq!(Successes::default().walk().count(), 0);
        Ok(())
    }
}
