//! Triage's second pass: the failed attempts' records read again by
//! offset, decoded in full, walked by the one interpreter (questions passed
//! by their "don't know" branches), and handed on in file order.

use super::survey::Candidate;
use super::{AttemptResult, BadRecord, DiagnosisRef, Filter, Options, Progress, QuestionRef, Summary};
use crate::error::{Error, ErrorKind, Result};
use crate::facts::{Facts, FastMap, History, OrgSettings};
use crate::logs::inputs::{self, Inputs};
use crate::logs::{Attempt, Evidence};
use crate::rules::Rules;
use std::collections::BTreeMap;
use std::path::Path;

fn result_of(rules: &Rules, attempt: &Attempt, audit: &Evidence, history: &History, org: Option<&OrgSettings>, facts: &mut Facts, keep: bool) -> Result<AttemptResult> {
    // The facts a walk (and the question it leaves) reads: those of the
    // attempt's records first, the audit log's and the history's groups
    // as the walk reads them, walking again until it reads none it lacks.
    if keep {
        facts.derive_into(attempt, audit, history, org);
    } else {
        facts.derive_lazily(attempt, audit, history, org);
    }
    let (d, q) = loop {
        let (d, q) = crate::walk::unattended(rules, facts)?;
        let q = q.map(|q| QuestionRef { id: q.id.clone(), text: crate::walk::fill(&q.text, facts) });
        if !facts.derive_wanted(attempt, audit, history, org) {
            break (d, q);
        }
    };
    let r = attempt.deciding();
    Ok(AttemptResult {
        id: r.id.clone(),
        correlation_id: attempt.correlation_id().map(String::from),
        user: r.user_principal_name.clone(),
        time: r.created.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        error_code: r.error_code(),
        app: r.app_display_name.clone(),
        client_app: r.client_app_used.clone(),
        ip_address: r.ip_address.clone(),
        country: r.country().map(String::from),
        record: format!("{}#{}", r.origin.file, r.origin.record),
        diagnosis: DiagnosisRef {
            id: d.id.clone(),
            title: d.title.clone(),
            severity: d.severity,
            provisional: q.is_some(),
            confidence: if q.is_some() { crate::walk::Confidence::Provisional } else { crate::walk::Confidence::Data },
            changes_credentials: d.changes_credentials,
        },
        needs_answer: q,
        records_dropped: attempt.records_dropped(),
        facts: keep.then(|| facts.clone()),
    })
}

/// What the second pass needs to diagnose an attempt: the one engine's parts.
pub(super) struct Engine<'a> {
    pub rules: &'a Rules,
    pub audit: &'a Evidence,
    pub history: &'a History,
    pub org: Option<&'a OrgSettings>,
    pub inputs: &'a Inputs,
    pub keep_facts: bool,
    pub filter: &'a Filter,
}

/// An attempt diagnosed (`None`: the filter passes over it), or a record
/// that could not be read again.
type Outcome = std::result::Result<Option<AttemptResult>, BadRecord>;

impl Engine<'_> {
    /// Read an attempt's records again, decode them, derive the facts, walk.
    fn attempt(&self, group: &[Candidate], files: &mut inputs::OpenFiles, buf: &mut Vec<u8>, facts: &mut Facts) -> Outcome {
        // Only the latest records of an oversized attempt are read again.
        let mut latest;
        let (group, dropped) = if group.len() > Attempt::MAX_RECORDS {
            latest = group.to_vec();
            latest.sort_by_key(Candidate::order);
            let dropped = latest.len() - Attempt::MAX_RECORDS;
            (&latest[dropped..], dropped)
        } else {
            (group, 0)
        };
        let mut records = Vec::with_capacity(group.len());
        for c in group {
            let input = &self.inputs.files[c.file as usize];
            buf.resize(c.len as usize, 0);
            let bad = |message: String| BadRecord { file: input.name.to_string(), record: c.number as usize, line: c.line as usize, message };
            let file = files.get(c.file).map_err(|e| bad(format!("cannot read the record again: {}", e.message())))?;
            inputs::read_at(file, &input.path, buf, c.offset).map_err(|e| bad(format!("cannot read the record again: {e}")))?;
            records.push(self.inputs.decode(c.file as usize, buf, c.number as usize, c.line as usize).map_err(bad)?);
        }
        let attempt = Attempt::from_records(records);
        let r = attempt.deciding();
        if !self.filter.selects(r.user_principal_name.as_deref(), r.user_id.as_deref(), r.app_display_name.as_deref(), r.error_code()) {
            return Ok(None);
        }
        let mut result =
            result_of(self.rules, &attempt, self.audit, self.history, self.org, facts, self.keep_facts).map_err(|e| BadRecord { file: String::new(), record: 0, line: 0, message: e.to_string() })?;
        result.records_dropped += dropped;
        Ok(Some(result))
    }
}

/// Pass 2: the failed attempts, diagnosed by the workers in small units and
/// handed to `sink` in order. Returns failed attempts per user.
pub(super) fn diagnose_all(
    engine: &Engine,
    groups: &[&[Candidate]],
    opts: &Options,
    progress: &dyn Progress,
    summary: &mut Summary,
    sink: &mut dyn FnMut(&AttemptResult) -> Result<()>,
) -> Result<FastMap<String, usize>> {
    let mut per_user: FastMap<String, usize> = FastMap::default();
    let mut done_attempts = 0u64;
    // One worker's unit: its attempts' outcomes, in order.
    let work = |unit: &[&[Candidate]]| -> Vec<Outcome> {
        let mut buf = Vec::new();
        let mut facts = Facts::with_capacity(crate::facts::CATALOG.len());
        let mut files = inputs::OpenFiles::new(engine.inputs);
        unit.iter().map(|group| engine.attempt(group, &mut files, &mut buf, &mut facts)).collect()
    };
    // The results of a unit, in order: counted, then handed to the sink.
    let mut consume = |results: &[Outcome]| -> Result<()> {
        for r in results {
            match r {
                Ok(None) => {}
                Ok(Some(res)) => {
                    summary.count(res);
                    if let Some(u) = res.user.as_ref().filter(|_| !res.is_not_failure()) {
                        *per_user.entry(u.to_ascii_lowercase()).or_default() += 1;
                    }
                    sink(res)?;
                }
                Err(b) => {
                    if opts.strict {
                        return Err(Error::new(ErrorKind::BadRecord, b.message.clone()).at_path(Path::new(&b.file)).at(b.line, 1).record(b.record));
                    }
                    summary.bad_records += 1;
                    if summary.bad.len() < 1000 {
                        summary.bad.push(b.clone());
                    }
                }
            }
            done_attempts += 1;
        }
        progress.diagnose(done_attempts, groups.len() as u64);
        Ok(())
    };
    in_order(groups, opts.threads.max(1), &work, &mut consume)?;
    Ok(per_user)
}

/// Run `work` over units of `items` on `threads` workers and hand each
/// unit's results to `consume` in the items' order. A worker is never more
/// than a few units ahead of `consume`; a worker that panics fails the run
/// with an error instead of leaving a silent gap in the output.
///
/// Consumed results go back to the workers to be dropped there: memory is
/// freed by the threads that allocated it, not by the consumer, whose frees
/// would take the workers' allocator locks from under them (a tenth of a
/// worker's time on one thread, measured with perf).
fn in_order<T: Sync, R: Send>(items: &[T], threads: usize, work: &(dyn Fn(&[T]) -> Vec<R> + Sync), consume: &mut dyn FnMut(&[R]) -> Result<()>) -> Result<()> {
    const UNIT: usize = 32;
    let units: Vec<&[T]> = items.chunks(UNIT).collect();
    let taken = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| -> Result<()> {
        let (tx, rx) = crossbeam_channel::bounded::<(usize, std::thread::Result<Vec<R>>)>(threads * 4);
        let (used_tx, used_rx) = crossbeam_channel::bounded::<Vec<R>>(threads * 8);
        for _ in 0..threads {
            let (tx, taken, units, used_rx) = (tx.clone(), &taken, &units, used_rx.clone());
            scope.spawn(move || loop {
                while let Ok(used) = used_rx.try_recv() {
                    drop(used);
                }
                let i = taken.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(unit) = units.get(i) else { break };
                let results = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(unit)));
                let failed = results.is_err();
                if tx.send((i, results)).is_err() || failed {
                    break; // the consumer stopped, or this worker is broken
                }
            });
        }
        drop(tx);
        let mut early: BTreeMap<usize, Vec<R>> = BTreeMap::new();
        let mut next = 0;
        let stop = |e: Error| {
            // Workers see the closed channel at their next send.
            taken.store(units.len(), std::sync::atomic::Ordering::Relaxed);
            Err(e)
        };
        for (i, results) in rx {
            let Ok(results) = results else {
                return stop(Error::new(ErrorKind::Io, format!("internal: a worker failed on attempts {}..{}; the output stops before them", i * UNIT + 1, (i + 1) * UNIT)));
            };
            early.insert(i, results);
            while let Some(results) = early.remove(&next) {
                if let Err(e) = consume(&results) {
                    return stop(e);
                }
                // Dropped here only when the workers are behind in taking them back.
                let _ = used_tx.try_send(results);
                next += 1;
            }
        }
        Ok(())
    })
}
