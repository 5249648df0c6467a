//! Batch triage: every failed sign-in attempt of a whole export, diagnosed
//! without questions, in two streaming passes over the files.
//!
//! 1. **Survey**: every record is split out of the stream and peeked at (a
//!    dozen fields, borrowed), in parallel. This builds the history (`facts::History`) of
//!    the log (per user, hour and IP), the rollout report's aggregates, and a
//!    small index: an entry per failed record (its attempt, time and byte
//!    offset), and each successful record's attempt and time, written out in
//!    sorted runs (`successes`).
//! 2. **Diagnose**: only the records of attempts whose last record failed are
//!    read again, by offset, decoded in full, grouped into attempts, and
//!    walked. Where the tree would ask, the walk goes on by the "don't know"
//!    branches and the diagnosis is marked provisional.
//!
//! Memory grows with the number of users (history) and of failed records
//! (48 bytes each in the index), not with the size of the log: the
//! successful records' pairs are written out in sorted runs (`successes`).

mod diagnose;
mod filter;
mod html;
mod report;
mod successes;
mod summary_text;
mod survey;

pub use crate::output::csv_safe;
pub use filter::{parse_when, Filter};
pub use html::html_report;
pub use report::{RolloutCheck, Status};
pub use summary_text::attempts_text;

use crate::error::{Error, ErrorKind, Result};
use crate::facts::{Facts, FastMap, FastSet, OrgSettings};
use crate::logs::inputs::Inputs;
use crate::logs::Evidence;
use crate::rules::{Rules, Severity};
use diagnose::{diagnose_all, Engine};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use successes::Spill;
use survey::{pack, Bytes, Candidate, Survey};

/// Options for a triage run.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// Stop at the first bad record instead of counting it and carrying on.
    pub strict: bool,
    /// Worker threads (default: all cores).
    pub threads: usize,
    /// Force the input format.
    pub format: crate::InputFormat,
    /// Keep each result's facts (for drill-down and for checking that
    /// triage and `diagnose` derive the same ones).
    pub keep_facts: bool,
    /// The name to show for a file in records and errors, where it is not
    /// its path (a gzip file or standard input copied aside to be read
    /// twice is shown by the name it was given).
    pub names: Vec<(PathBuf, String)>,
    /// Which records (a time window) and failed attempts (users,
    /// applications, error codes) the run looks at.
    pub filter: Filter,
    /// Print each phase's time on standard error (also with the
    /// `SIGNIN_DOCTOR_TIMING` environment variable).
    pub timing: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            strict: false,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            format: crate::InputFormat::Auto,
            keep_facts: false,
            names: Vec::new(),
            filter: Filter::default(),
            timing: false,
        }
    }
}

/// Progress, for a progress bar.
pub trait Progress: Sync {
    /// Bytes of input read so far in pass 1 (of `total`).
    fn survey(&self, bytes: u64, total: u64);
    /// Attempts diagnosed so far in pass 2 (of `total`).
    fn diagnose(&self, done: u64, total: u64);
    /// Another `n` records split out in pass 1 (for a rate).
    fn records(&self, _n: u64) {}
}

/// No progress reporting.
pub struct NoProgress;
impl Progress for NoProgress {
    fn survey(&self, _: u64, _: u64) {}
    fn diagnose(&self, _: u64, _: u64) {}
}

/// The diagnosis of one failed attempt.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct AttemptResult {
    /// Request id of the deciding record.
    pub id: Option<String>,
    /// Correlation id.
    pub correlation_id: Option<String>,
    /// User principal name.
    pub user: Option<String>,
    /// Time of the deciding record (RFC 3339).
    pub time: Option<String>,
    /// Error code.
    pub error_code: Option<i64>,
    /// Application.
    pub app: Option<String>,
    /// Client app.
    pub client_app: Option<String>,
    /// IP address.
    pub ip_address: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// `file#record` of the deciding record.
    pub record: String,
    /// The diagnosis; provisional when a question was left open.
    pub diagnosis: DiagnosisRef,
    /// The first question the tree would ask an agent, if any.
    pub needs_answer: Option<QuestionRef>,
    /// Older records of the attempt left out (an attempt keeps its latest
    /// [`crate::Attempt::MAX_RECORDS`]); 0 for nearly every attempt.
    #[serde(skip_serializing_if = "is_zero")]
    pub records_dropped: usize,
    /// The facts the walk read, when [`Options::keep_facts`] is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facts: Option<Facts>,
}

/// A diagnosis in a triage result.
#[derive(Debug, Clone, Serialize)]
pub struct DiagnosisRef {
    /// Diagnosis id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// True when the walk passed an open question by its "don't know" branch.
    pub provisional: bool,
    /// `data` (the log settled it) or `provisional` (a question was passed).
    pub confidence: crate::walk::Confidence,
    /// Whether the next steps change a credential: the caller's identity is
    /// verified out of band first.
    pub changes_credentials: bool,
}

impl AttemptResult {
    /// The data settles that the attempt is no failure the user saw: it
    /// ended at an expected interrupt or a background token refresh (a
    /// diagnosis of severity `info`), with no later result in the log.
    pub fn is_not_failure(&self) -> bool {
        self.diagnosis.severity == Severity::Info && !self.diagnosis.provisional
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A question a triage result leaves for an agent.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionRef {
    /// Question id.
    pub id: String,
    /// The question.
    pub text: String,
}

/// A record that could not be read.
#[derive(Debug, Clone, Serialize)]
pub struct BadRecord {
    /// The file.
    pub file: String,
    /// 1-based record number.
    pub record: usize,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Counts for one diagnosis.
#[derive(Debug, Clone, Serialize)]
pub struct DiagnosisCount {
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// Attempts.
    pub count: usize,
    /// Of which provisional.
    pub provisional: usize,
    /// Whether its steps change credentials (verify the caller first).
    pub changes_credentials: bool,
}

/// What a triage run found.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// Sign-in records read.
    pub records: usize,
    /// Azure Monitor records of other categories skipped.
    pub skipped: usize,
    /// Attempts (correlation ids).
    pub attempts: usize,
    /// Attempts whose last record failed.
    pub failed_attempts: usize,
    /// Of those, the attempts the filter selected, diagnosed and reported
    /// (all of them without a filter).
    pub reported: usize,
    /// Of the reported, those the data settles as no failure the user saw:
    /// an attempt that ended at an expected interrupt ("Keep me signed
    /// in?", 50140) or a background token refresh (diagnoses of severity
    /// `info`), with no later result in the log. They are left out of
    /// `per_hour`, `per_day` and `top_users`.
    pub not_failures: usize,
    /// The filter in words ("" without one).
    pub filter: String,
    /// Records outside the filter's time window, passed over.
    pub outside_window: usize,
    /// The earliest and latest record times in the input (RFC 3339), in
    /// the window or not.
    pub span: Option<(String, String)>,
    /// Bad records, counted.
    pub bad_records: usize,
    /// Attempts with more records than an attempt keeps (their oldest were left out).
    pub capped_attempts: usize,
    /// The first 1,000 bad records.
    pub bad: Vec<BadRecord>,
    /// Diagnoses by id.
    pub diagnoses: BTreeMap<String, DiagnosisCount>,
    /// Failed attempts per hour (RFC 3339 hour, UTC) and diagnosis.
    pub per_hour: BTreeMap<String, BTreeMap<String, usize>>,
    /// Failed attempts per day (`YYYY-MM-DD`, UTC) and diagnosis: the trend
    /// over an export that spans days.
    pub per_day: BTreeMap<String, BTreeMap<String, usize>>,
    /// The users with most failed attempts.
    pub top_users: Vec<(String, usize)>,
    /// Questions left for agents, by question id.
    pub open_questions: BTreeMap<String, usize>,
    /// The rollout report (the Validate step of an MFA rollout).
    pub rollout: Vec<RolloutCheck>,
}

/// Triage every failed attempt in `signins`. Each result is handed to `sink`
/// in file order as soon as its chunk is done; the summary comes back at the end.
///
/// ```
/// use signin_doctor::triage::{self, NoProgress, Options};
/// use signin_doctor::{Evidence, Rules};
/// let rules = Rules::embedded()?;
/// let audit = Evidence::builder().audit_file("examples/stale-authenticator/audit.json")?.build();
/// let mut diagnosed = Vec::new();
/// let summary = triage::run(&rules, &["examples/stale-authenticator/signin.json".into()], &audit, None, &Options::default(), &NoProgress, &mut |r| {
///     diagnosed.push((r.user.clone(), r.diagnosis.id.clone()));
///     Ok(())
/// })?;
/// assert_eq!(summary.failed_attempts, 1);
/// // Nobody answers in a batch: the question the tree would ask is passed by
/// // its "don't know" branch and the diagnosis is provisional.
/// assert_eq!(diagnosed[0].1, "mfa-not-completed");
/// # Ok::<(), signin_doctor::Error>(())
/// ```
pub fn run(
    rules: &Rules,
    signins: &[PathBuf],
    audit: &Evidence,
    org: Option<&OrgSettings>,
    opts: &Options,
    progress: &dyn Progress,
    sink: &mut dyn FnMut(&AttemptResult) -> Result<()>,
) -> Result<Summary> {
    let timing = opts.timing || std::env::var_os("SIGNIN_DOCTOR_TIMING").is_some();
    let t0 = std::time::Instant::now();
    let inputs = Inputs::open(signins, opts.format, &opts.names)?;
    // Pass 1.
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let total: u64 = inputs.files.iter().map(|f| size(&f.path)).sum();
    let done = std::sync::atomic::AtomicU64::new(0);
    let mut sv = Survey::default();
    // The successes' runs, written out as pass 1 goes.
    let spill = Spill::default();
    for (i, f) in inputs.files.iter().enumerate() {
        let s = survey::survey_file(&mut *inputs.batches(i)?, &f.name, i as u32, org, opts, &Bytes { progress, done: &done, total }, &spill)?;
        done.fetch_add(size(&f.path), std::sync::atomic::Ordering::Relaxed);
        sv.merge(s, &spill);
    }
    progress.survey(total, total);
    sv.history.finish();
    if timing {
        eprintln!("timing: survey {:.2}s ({} records)", t0.elapsed().as_secs_f64(), sv.records);
    }
    let t1 = std::time::Instant::now();
    let span = sv.span.map(|(a, b)| (rfc3339(a), rfc3339(b)));
    if sv.records == 0 {
        return Err(nothing_read(&sv, span.as_ref(), signins, opts));
    }
    let (mut cands, attempts) = failed_records(&mut sv, spill)?;
    sort_by_attempt(&mut cands);
    let all_groups: Vec<&[Candidate]> = cands.chunk_by(|a, b| a.attempt == b.attempt).collect();
    let failed_attempts = all_groups.len();
    // An attempt is one user's: those of other users are not read again.
    let groups: Vec<&[Candidate]> = all_groups.into_iter().filter(|g| g.iter().any(|c| c.wanted)).collect();
    if timing {
        eprintln!("timing: index {:.2}s ({} failed records)", t1.elapsed().as_secs_f64(), cands.len());
    }
    let mut summary = Summary {
        records: sv.records,
        skipped: sv.skipped,
        attempts,
        failed_attempts,
        reported: 0,
        not_failures: 0,
        filter: opts.filter.describe(),
        outside_window: sv.outside,
        span,
        bad_records: sv.bad_count,
        bad: std::mem::take(&mut sv.bad),
        capped_attempts: 0,
        diagnoses: BTreeMap::new(),
        per_hour: BTreeMap::new(),
        per_day: BTreeMap::new(),
        top_users: Vec::new(),
        open_questions: BTreeMap::new(),
        rollout: Vec::new(),
    };
    // Audit records that could not be read were skipped when the audit log
    // was read: they are listed with the sign-in records'.
    for e in audit.bad_records() {
        summary.bad_records += 1;
        if summary.bad.len() < 1000 {
            summary.bad.push(BadRecord {
                file: e.path().map(|p| p.display().to_string()).unwrap_or_default(),
                record: e.record_number().unwrap_or(0),
                line: e.line().unwrap_or(0),
                message: e.message().to_string(),
            });
        }
    }
    summary.bad.sort_by(|a, b| (&a.file, a.record).cmp(&(&b.file, b.record)));
    let engine = Engine { rules, audit, history: &sv.history, org, inputs: &inputs, keep_facts: opts.keep_facts, filter: &opts.filter };
    let per_user = diagnose_all(&engine, &groups, opts, progress, &mut summary, sink)?;
    if timing {
        eprintln!("timing: diagnose {:.2}s ({} attempts)", t1.elapsed().as_secs_f64(), groups.len());
    }
    let mut top: Vec<(String, usize)> = per_user.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top.truncate(10);
    summary.top_users = top;
    summary.rollout = sv.rollout.checks(org, &sv.history);
    Ok(summary)
}

/// The error when no sign-in record is left to triage: none in the time
/// window (said first, whatever else went wrong), every record refused (an
/// audit log given as sign-ins, or not a log at all: an error, not an empty
/// report whose checks pass), or no record at all.
fn nothing_read(sv: &Survey, span: Option<&(String, String)>, signins: &[PathBuf], opts: &Options) -> Error {
    let when = |t: &str| t.replace('T', " ").replace('Z', " UTC");
    if sv.outside > 0 {
        let p = signins.first().map(PathBuf::as_path).unwrap_or(Path::new(""));
        let shown = opts.names.iter().find(|(path, _)| path == p).map_or(p, |(_, n)| Path::new(n));
        let message = match span {
            Some((a, b)) => format!("none of the {} sign-in records lies in the time window ({}): they run from {} to {}", sv.outside, opts.filter.describe(), when(a), when(b)),
            None => format!("none of the {} sign-in records lies in the time window ({}): none has a time", sv.outside, opts.filter.describe()),
        };
        return Error::new(ErrorKind::Empty, message).at_path(shown);
    }
    if let Some(b) = sv.bad.iter().min_by_key(|b| (b.file.clone(), b.record)) {
        let message = format!("none of the {} records is a sign-in that can be read; the first: record {} (line {}): {}", sv.bad_count, b.record, b.line, b.message);
        return Error::new(ErrorKind::NotALog, message).at_path(Path::new(&b.file));
    }
    let p = signins.first().map(PathBuf::as_path).unwrap_or(Path::new(""));
    let shown = opts.names.iter().find(|(path, _)| path == p).map_or(p, |(_, n)| Path::new(n));
    Error::new(ErrorKind::Empty, "no sign-in records in the input").at_path(shown)
}

/// Seconds since 1970 as RFC 3339 (UTC, whole seconds).
fn rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).map_or_else(|| t.to_string(), |d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// The failed records of attempts whose last record failed, and the number
/// of attempts in all. An attempt with a success after its last failure
/// (an interrupt, then success) is not a failure.
fn failed_records(sv: &mut Survey, spill: Spill) -> Result<(Vec<Candidate>, usize)> {
    let mut last_fail: FastMap<u64, u64> = FastMap::default();
    for c in &sv.candidates {
        let order = pack(c.order());
        let e = last_fail.entry(c.attempt).or_insert(order);
        *e = (*e).max(order);
    }
    let mut attempts = last_fail.len();
    let mut recovered: FastSet<u64> = FastSet::default();
    for pair in std::mem::take(&mut sv.successes).walk(spill) {
        let (key, last) = pair.map_err(|e| {
            Error::new(ErrorKind::Io, format!("cannot read back the temporary file of successful records: {e}"))
                .hint("pass 1 wrote it to the temporary directory (TMPDIR; on Windows TMP), which failed while triage ran: set it to a working directory")
                .caused_by(e)
        })?;
        match last_fail.get(&key) {
            Some(f) if last > *f => {
                recovered.insert(key);
            }
            Some(_) => {}
            None => attempts += 1,
        }
    }
    let cands = std::mem::take(&mut sv.candidates).into_iter().filter(|c| !recovered.contains(&c.attempt)).collect();
    Ok((cands, attempts))
}

/// Sort the records into attempts, in the order of each attempt's first
/// record in the files.
fn sort_by_attempt(cands: &mut [Candidate]) {
    cands.sort_by_key(|c| (c.file, c.offset));
    let mut first_pos: FastMap<u64, usize> = FastMap::default();
    for (i, c) in cands.iter().enumerate() {
        first_pos.entry(c.attempt).or_insert(i);
    }
    // The rank is looked up once per candidate, not once per comparison.
    cands.sort_by_cached_key(|c| (first_pos[&c.attempt], c.file, c.offset));
}

impl Summary {
    /// Count one result.
    fn count(&mut self, res: &AttemptResult) {
        self.capped_attempts += usize::from(res.records_dropped > 0);
        let e = self.diagnoses.entry(res.diagnosis.id.clone()).or_insert(DiagnosisCount {
            title: res.diagnosis.title.clone(),
            severity: res.diagnosis.severity,
            count: 0,
            provisional: 0,
            changes_credentials: res.diagnosis.changes_credentials,
        });
        e.count += 1;
        e.provisional += usize::from(res.diagnosis.provisional);
        self.reported += 1;
        if res.is_not_failure() {
            // Counted apart; the charts and the trend count failures.
            self.not_failures += 1;
        } else if let Some(t) = res.time.as_deref().filter(|t| t.is_char_boundary(13.min(t.len()))) {
            let hour = format!("{}:00:00Z", &t[..13.min(t.len())]);
            *self.per_hour.entry(hour).or_default().entry(res.diagnosis.id.clone()).or_default() += 1;
            *self.per_day.entry(t[..10.min(t.len())].to_string()).or_default().entry(res.diagnosis.id.clone()).or_default() += 1;
        }
        if let Some(q) = &res.needs_answer {
            *self.open_questions.entry(q.id.clone()).or_default() += 1;
        }
    }
}
