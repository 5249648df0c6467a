//! Batch triage: every failed sign-in attempt of a whole export, diagnosed
//! without questions, in two streaming passes over the files.
//!
//! 1. **Survey**: every record is split out of the stream and peeked at (a
//!    dozen fields, borrowed), in parallel. This builds the history (`facts::History`) of
//!    the log (per user, hour and IP), the rollout report's aggregates, and a
//!    small index: for each attempt (correlation id) its last record's time
//!    and result, and the byte offsets of its failed records.
//! 2. **Diagnose**: only the records of attempts whose last record failed are
//!    read again, by offset, decoded in full, grouped into attempts, and
//!    walked. Where the tree would ask, the walk goes on by the "don't know"
//!    branches and the diagnosis is marked provisional.
//!
//! Memory grows with the number of users (history) and of failed records
//! (16 bytes each in the index), never with the size of the log.

mod report;

pub use report::{csv_safe, html_report, RolloutCheck, Status};

use crate::error::{Error, ErrorKind, Result};
use crate::facts::{Facts, FastMap, FastSet, History, OrgSettings};
use crate::logs::split;
use crate::logs::summary::{peek, Peeked, Seen};
use crate::logs::{Attempt, Evidence, SignIn};
use crate::rules::{Rules, Severity};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

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
}

impl Default for Options {
    fn default() -> Self {
        Options { strict: false, threads: std::thread::available_parallelism().map_or(2, |n| n.get()), format: crate::InputFormat::Auto, keep_facts: false }
    }
}

/// Progress, for a progress bar.
pub trait Progress: Sync {
    /// Bytes of input read so far in pass 1 (of `total`).
    fn survey(&self, bytes: u64, total: u64);
    /// Attempts diagnosed so far in pass 2 (of `total`).
    fn diagnose(&self, done: u64, total: u64);
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
    /// Bad records, counted.
    pub bad_records: usize,
    /// The first 1,000 bad records.
    pub bad: Vec<BadRecord>,
    /// Diagnoses by id.
    pub diagnoses: BTreeMap<String, DiagnosisCount>,
    /// Failed attempts per hour (RFC 3339 hour) and diagnosis.
    pub per_hour: BTreeMap<String, BTreeMap<String, usize>>,
    /// The users with most failed attempts.
    pub top_users: Vec<(String, usize)>,
    /// Questions left for agents, by question id.
    pub open_questions: BTreeMap<String, usize>,
    /// The rollout report (the Validate step of an MFA rollout).
    pub rollout: Vec<RolloutCheck>,
}

/// A failed record to read again in pass 2.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    attempt: u64,
    /// (time, file << 40 | record number): the order of records in an attempt.
    order: (i64, u64),
    file: u32,
    offset: u64,
    len: u32,
    number: u32,
    line: u32,
}

/// (time, file << 40 | record) in one u64: the time in the high bits, the
/// record's low bits to order records of the same second.
fn pack((time, n): (i64, u64)) -> u64 {
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
struct Survey {
    history: History,
    /// (attempt key, order) of every successful record: 16 bytes each, sorted
    /// and reduced after the pass; needed to tell an attempt whose last record
    /// succeeded (an interrupt, then success) whatever the file order.
    successes: Vec<(u64, u64)>,
    /// The successes of finished workers, each sorted and reduced to the
    /// last success per attempt: merged by a walk, never concatenated.
    success_runs: Vec<Vec<(u64, u64)>>,
    candidates: Vec<Candidate>,
    rollout: report::RolloutAcc,
    records: usize,
    skipped: usize,
    bad_count: usize,
    bad: Vec<BadRecord>,
}

impl Survey {
    fn merge(&mut self, o: Survey) {
        self.history.merge(o.history);
        self.success_runs.extend(o.success_runs);
        if !o.successes.is_empty() {
            self.success_runs.push(reduce_run(o.successes));
        }
        self.candidates.extend(o.candidates);
        self.rollout.merge(o.rollout);
        self.records += o.records;
        self.skipped += o.skipped;
        self.bad_count += o.bad_count;
        self.bad.extend(o.bad);
    }

    fn see(&mut self, s: &Seen, file: u32, span: &split::Span, org: Option<&OrgSettings>) {
        self.records += 1;
        self.history.add(&s.glimpse());
        self.rollout.add(s, org);
        let key = match s.corr.as_deref().or(s.id.as_deref()) {
            Some(c) => hash(c),
            None => hash(&format!("{file}#{}", span.number)),
        };
        let failed = s.code.is_some_and(|c| c != 0);
        let order = (s.time.unwrap_or(i64::MIN), ((file as u64) << 40) | span.number as u64);
        if failed {
            self.candidates.push(Candidate { attempt: key, order, file, offset: span.offset, len: (span.end - span.start) as u32, number: span.number as u32, line: span.line as u32 });
        } else {
            self.successes.push((key, pack(order)));
        }
    }
}

/// Sort a worker's successes and keep the last one of each attempt.
fn reduce_run(mut v: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
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

/// Walk sorted runs (one per worker) as one: each attempt once, with its
/// latest success.
fn merge_runs(runs: &[Vec<(u64, u64)>]) -> impl Iterator<Item = (u64, u64)> + '_ {
    let mut at = vec![0usize; runs.len()];
    std::iter::from_fn(move || {
        let key = runs.iter().zip(&at).filter_map(|(r, &i)| r.get(i).map(|e| e.0)).min()?;
        let mut last = 0;
        for (r, i) in runs.iter().zip(at.iter_mut()) {
            if let Some(&(k, o)) = r.get(*i) {
                if k == key {
                    last = last.max(o);
                    *i += 1;
                }
            }
        }
        Some((key, last))
    })
}

fn open(path: &Path) -> Result<std::fs::File> {
    std::fs::File::open(path).map_err(|e| Error::from_io(path, &e))
}

/// Pass 1's progress over all files: bytes of earlier files, and in all.
struct Bytes<'a> {
    progress: &'a dyn Progress,
    done: &'a std::sync::atomic::AtomicU64,
    total: u64,
}

/// Pass 1 over one file.
fn survey_file(path: &Path, name: &str, file: u32, org: Option<&OrgSettings>, opts: &Options, bytes_read: &Bytes) -> Result<Survey> {
    let Bytes { progress, done, total } = *bytes_read;
    let f = open(path)?;
    let name = name.to_string();
    let shown = Path::new(&name);
    let mut splitter = split::Splitter::new(std::io::BufReader::with_capacity(1 << 16, f));
    let (tx, rx) = crossbeam_channel::bounded::<split::Batch>(opts.threads * 3);
    // Used batches come back to be filled again: no fresh memory per batch.
    let (tx_free, rx_free) = crossbeam_channel::bounded::<split::Batch>(opts.threads * 4);
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
                        for sp in &batch.spans {
                            match peek(batch.record(sp)) {
                                Peeked::SignIn(s) => sv.see(&s, file, sp, org),
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
                    let bytes = b.spans.last().map_or(0, |s| s.offset + (s.end - s.start) as u64);
                    progress.survey(done.load(std::sync::atomic::Ordering::Relaxed) + bytes, total);
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
        let mut all = Survey::default();
        for w in workers {
            all.merge(w.join().map_err(|_| Error::new(ErrorKind::Io, "a worker thread failed"))?);
        }
        if let Some(e) = read_err {
            return Err(Error::new(ErrorKind::Syntax, format!("malformed JSON: {}", e.message)).at_path(shown).at(e.line, 1).hint(format!("at byte {}", e.offset)));
        }
        if opts.strict {
            if let Some(b) = all.bad.iter().min_by_key(|b| b.record) {
                return Err(Error::new(ErrorKind::BadRecord, b.message.clone()).at_path(shown).at(b.line, 1).record(b.record));
            }
        }
        Ok(all)
    })
}

/// Decode one candidate's bytes into a sign-in.
fn decode(path: &Path, name: &str, bytes: &[u8], c: &Candidate) -> std::result::Result<SignIn, String> {
    // A plain sign-in decodes directly; envelopes and wrappers go through the full reader.
    let mut s = match serde_json::from_slice::<SignIn>(bytes) {
        Ok(s) if s.looks_like_sign_in() => s,
        _ => {
            let text = std::str::from_utf8(bytes).map_err(|_| "the record is not UTF-8".to_string())?;
            let mut v = crate::logs::read_text::<SignIn>(path, text).map_err(|e| e.message().to_string())?;
            v.pop().ok_or("no sign-in in the record")?
        }
    };
    s.origin = crate::logs::Origin { file: std::sync::Arc::from(name), record: c.number as usize, line: c.line as usize };
    Ok(s)
}

fn result_of(rules: &Rules, attempt: &Attempt, audit: &Evidence, history: &History, org: Option<&OrgSettings>, facts: &mut Facts, keep: bool) -> Result<AttemptResult> {
    facts.derive_into(attempt, audit, history, org);
    let (d, q) = crate::walk::unattended(rules, facts)?;
    let q = q.map(|q| QuestionRef { id: q.id.clone(), text: crate::walk::fill(&q.text, facts) });
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
        facts: keep.then(|| facts.clone()),
    })
}

/// A temporary file removed when dropped.
struct TempFile(PathBuf);
impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Whether a file starts like JSON (else it is taken as CSV).
fn looks_like_json(path: &Path) -> Result<bool> {
    use std::io::Read;
    let mut head = [0u8; 4096];
    let n = open(path)?.read(&mut head).map_err(|e| Error::from_io(path, &e))?;
    let t = String::from_utf8_lossy(&head[..n]);
    let t = t.trim_start_matches('\u{feff}').trim_start();
    Ok(t.is_empty() || t.starts_with('{') || t.starts_with('['))
}

/// Stream a sign-in CSV into a temporary JSON Lines file, joining
/// authentication steps by Request ID.
fn csv_to_jsonl(path: &Path, steps: &HashMap<String, Vec<serde_json::Value>>, n: usize) -> Result<TempFile> {
    use std::io::Write;
    let f = open(path)?;
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(std::io::BufReader::new(f));
    let headers = rdr.headers().map_err(|e| Error::new(ErrorKind::Syntax, format!("malformed CSV: {e}")).at_path(path).at(1, 1))?.clone();
    let kind = crate::logs::csv::detect(&headers).ok_or_else(|| {
        Error::new(ErrorKind::NotALog, "this file is in no format this tool reads")
            .at_path(path)
            .at(1, 1)
            .hint(format!("expected JSON (an object, an array, a Graph page, JSON Lines, Azure Monitor records) or {}", crate::logs::csv::EXPECTED))
    })?;
    if !kind.is_signins() {
        return Err(Error::new(ErrorKind::NotALog, "not a sign-in export").at_path(path).hint("audit logs go with --audit"));
    }
    let mapper = crate::logs::csv::RowMapper::new(kind, &headers);
    let tmp = TempFile(std::env::temp_dir().join(format!("signin-doctor-{}-{n}.jsonl", std::process::id())));
    let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp.0).map_err(|e| Error::from_io(&tmp.0, &e))?);
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                let mut v = mapper.map(&rec);
                if let Some(st) = v.get("id").and_then(|x| x.as_str()).and_then(|id| steps.get(id)) {
                    v["authenticationDetails"] = serde_json::Value::Array(st.clone());
                }
                serde_json::to_writer(&mut w, &v).map_err(std::io::Error::other).and_then(|_| w.write_all(b"\n")).map_err(|e| Error::from_io(&tmp.0, &e))?;
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                return Err(Error::new(ErrorKind::Syntax, format!("malformed CSV: {e}")).at_path(path).at(line, 1));
            }
        }
    }
    w.flush().map_err(|e| Error::from_io(&tmp.0, &e))?;
    Ok(tmp)
}

/// Triage every failed attempt in `signins`. Each result is handed to `sink`
/// in file order as soon as its chunk is done; the summary comes back at the end.
pub fn run(
    rules: &Rules,
    signins: &[PathBuf],
    audit: &Evidence,
    org: Option<&OrgSettings>,
    opts: &Options,
    progress: &dyn Progress,
    sink: &mut dyn FnMut(&AttemptResult) -> Result<()>,
) -> Result<Summary> {
    let timing = std::env::var_os("SIGNIN_DOCTOR_TIMING").is_some();
    let t0 = std::time::Instant::now();
    // CSV exports: authentication details are joined, sign-ins streamed to JSON Lines.
    let mut steps: HashMap<String, Vec<serde_json::Value>> = HashMap::new();
    let mut inputs: Vec<(PathBuf, String)> = Vec::new();
    let mut temps: Vec<TempFile> = Vec::new();
    let mut csvs: Vec<&PathBuf> = Vec::new();
    for p in signins {
        let json = match opts.format {
            crate::InputFormat::Json => true,
            crate::InputFormat::Csv => false,
            _ => looks_like_json(p)?,
        };
        if json {
            inputs.push((p.clone(), p.display().to_string()));
        } else {
            let text = crate::logs::read_text_file(p)?;
            match crate::logs::read_auth_details(p, &text)? {
                Some(rows) => {
                    for (id, st) in rows {
                        steps.entry(id).or_default().push(serde_json::to_value(st).unwrap_or_default());
                    }
                }
                None => csvs.push(p),
            }
        }
    }
    for p in csvs {
        let t = csv_to_jsonl(p, &steps, temps.len())?;
        inputs.push((t.0.clone(), p.display().to_string()));
        temps.push(t);
    }
    let names: Vec<String> = inputs.iter().map(|(_, n)| n.clone()).collect();
    let paths: Vec<PathBuf> = inputs.into_iter().map(|(p, _)| p).collect();
    let signins = &paths[..];
    // Pass 1.
    let total: u64 = signins.iter().map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)).sum();
    let done = std::sync::atomic::AtomicU64::new(0);
    let mut sv = Survey::default();
    for (i, p) in signins.iter().enumerate() {
        let s = survey_file(p, &names[i], i as u32, org, opts, &Bytes { progress, done: &done, total })?;
        done.fetch_add(std::fs::metadata(p).map(|m| m.len()).unwrap_or(0), std::sync::atomic::Ordering::Relaxed);
        sv.merge(s);
    }
    progress.survey(total, total);
    drop(steps);
    if timing {
        eprintln!("timing: survey {:.2}s ({} records)", t0.elapsed().as_secs_f64(), sv.records);
    }
    let t1 = std::time::Instant::now();
    if sv.records == 0 && sv.bad_count == 0 {
        let p = signins.first().map(PathBuf::as_path).unwrap_or(Path::new(""));
        return Err(Error::new(ErrorKind::Empty, "no sign-in records in the input").at_path(p));
    }
    // An attempt failed when its last record failed: drop attempts with a later success.
    let mut last_fail: FastMap<u64, u64> = FastMap::default();
    for c in &sv.candidates {
        let e = last_fail.entry(c.attempt).or_insert(pack(c.order));
        *e = (*e).max(pack(c.order));
    }
    let mut runs = std::mem::take(&mut sv.success_runs);
    if !sv.successes.is_empty() {
        runs.push(reduce_run(std::mem::take(&mut sv.successes)));
    }
    let mut attempts = last_fail.len();
    let mut recovered: FastSet<u64> = FastSet::default();
    for (key, last) in merge_runs(&runs) {
        match last_fail.get(&key) {
            Some(f) if last > *f => {
                recovered.insert(key);
            }
            Some(_) => {}
            None => attempts += 1,
        }
    }
    drop(runs);
    let mut cands: Vec<Candidate> = std::mem::take(&mut sv.candidates).into_iter().filter(|c| !recovered.contains(&c.attempt)).collect();
    // Group by attempt, in the order of each attempt's first record in the files.
    cands.sort_by_key(|c| (c.file, c.offset));
    let mut first_pos: FastMap<u64, usize> = FastMap::default();
    for (i, c) in cands.iter().enumerate() {
        first_pos.entry(c.attempt).or_insert(i);
    }
    // The rank is looked up once per candidate, not once per comparison.
    cands.sort_by_cached_key(|c| (first_pos[&c.attempt], c.file, c.offset));
    drop(first_pos);
    let mut groups: Vec<&[Candidate]> = Vec::new();
    let mut i = 0;
    while i < cands.len() {
        let mut j = i + 1;
        while j < cands.len() && cands[j].attempt == cands[i].attempt {
            j += 1;
        }
        groups.push(&cands[i..j]);
        i = j;
    }
    let files: Vec<std::fs::File> = signins.iter().map(|p| open(p)).collect::<Result<_>>()?;
    if timing {
        eprintln!("timing: index {:.2}s ({} failed records)", t1.elapsed().as_secs_f64(), cands.len());
    }

    // Pass 2, in chunks: parallel within a chunk, in order across chunks.
    let mut summary = Summary {
        records: sv.records,
        skipped: sv.skipped,
        attempts,
        failed_attempts: groups.len(),
        bad_records: sv.bad_count,
        bad: std::mem::take(&mut sv.bad),
        diagnoses: BTreeMap::new(),
        per_hour: BTreeMap::new(),
        top_users: Vec::new(),
        open_questions: BTreeMap::new(),
        rollout: Vec::new(),
    };
    summary.bad.sort_by(|a, b| (&a.file, a.record).cmp(&(&b.file, b.record)));
    let mut per_user: FastMap<String, usize> = FastMap::default();
    let threads = opts.threads.max(1);
    let history = &sv.history;
    let mut done_attempts = 0u64;
    type Outcome = std::result::Result<AttemptResult, BadRecord>;
    // One worker's share of a chunk: read its records again, decode, walk.
    let work = |part: &[&[Candidate]]| -> Vec<Outcome> {
        use std::os::unix::fs::FileExt;
        let mut buf = Vec::new();
        let mut facts = Facts::with_capacity(crate::facts::CATALOG.len());
        part.iter()
            .map(|group| {
                let mut records = Vec::with_capacity(group.len());
                for c in group.iter() {
                    let path = &signins[c.file as usize];
                    let name = &names[c.file as usize];
                    buf.resize(c.len as usize, 0);
                    let bad = |message: String| BadRecord { file: name.clone(), record: c.number as usize, line: c.line as usize, message };
                    files[c.file as usize].read_exact_at(&mut buf, c.offset).map_err(|e| bad(e.to_string()))?;
                    records.push(decode(path, name, &buf, c).map_err(bad)?);
                }
                let attempt = Attempt::from_records(records);
                result_of(rules, &attempt, audit, history, org, &mut facts, opts.keep_facts).map_err(|e| BadRecord { file: String::new(), record: 0, line: 0, message: e.to_string() })
            })
            .collect()
    };
    // The results of a unit, in order: counted, then handed to the sink.
    let mut consume = |results: Vec<Outcome>| -> Result<()> {
        for r in results {
            match r {
                Ok(res) => {
                    let e = summary.diagnoses.entry(res.diagnosis.id.clone()).or_insert(DiagnosisCount {
                        title: res.diagnosis.title.clone(),
                        severity: res.diagnosis.severity,
                        count: 0,
                        provisional: 0,
                        changes_credentials: res.diagnosis.changes_credentials,
                    });
                    e.count += 1;
                    e.provisional += usize::from(res.diagnosis.provisional);
                    if let Some(t) = &res.time {
                        let hour = format!("{}:00:00Z", &t[..13.min(t.len())]);
                        *summary.per_hour.entry(hour).or_default().entry(res.diagnosis.id.clone()).or_default() += 1;
                    }
                    if let Some(q) = &res.needs_answer {
                        *summary.open_questions.entry(q.id.clone()).or_default() += 1;
                    }
                    if let Some(u) = &res.user {
                        *per_user.entry(u.to_ascii_lowercase()).or_default() += 1;
                    }
                    sink(&res)?;
                }
                Err(b) => {
                    if opts.strict {
                        return Err(Error::new(ErrorKind::BadRecord, b.message).at_path(Path::new(&b.file)).at(b.line, 1).record(b.record));
                    }
                    summary.bad_records += 1;
                    if summary.bad.len() < 1000 {
                        summary.bad.push(b);
                    }
                }
            }
            done_attempts += 1;
        }
        progress.diagnose(done_attempts, groups.len() as u64);
        Ok(())
    };
    // The workers take small units of attempts in turn and send back their
    // results; this thread puts them in order and hands them to the sink.
    // A worker is never more than a few units ahead of the sink.
    const UNIT: usize = 32;
    let units: Vec<&[&[Candidate]]> = groups.chunks(UNIT).collect();
    let taken = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| -> Result<()> {
        let (tx, rx) = crossbeam_channel::bounded::<(usize, Vec<Outcome>)>(threads * 4);
        for _ in 0..threads {
            let (tx, taken, units, work) = (tx.clone(), &taken, &units, &work);
            scope.spawn(move || loop {
                let i = taken.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(unit) = units.get(i) else { break };
                if tx.send((i, work(unit))).is_err() {
                    break; // the sink stopped
                }
            });
        }
        drop(tx);
        let mut early: BTreeMap<usize, Vec<Outcome>> = BTreeMap::new();
        let mut next = 0;
        for (i, results) in rx {
            early.insert(i, results);
            while let Some(results) = early.remove(&next) {
                if let Err(e) = consume(results) {
                    // Workers see the closed channel at their next send.
                    taken.store(units.len(), std::sync::atomic::Ordering::Relaxed);
                    return Err(e);
                }
                next += 1;
            }
        }
        Ok(())
    })?;
    if timing {
        eprintln!("timing: diagnose {:.2}s ({} attempts)", t1.elapsed().as_secs_f64(), groups.len());
    }
    let mut top: Vec<(String, usize)> = per_user.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top.truncate(10);
    summary.top_users = top;
    summary.rollout = sv.rollout.checks(org, history);
    drop(temps);
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_keeps_each_attempts_latest_success() {
        let run = reduce_run(vec![(7, 30), (3, 5), (7, 10), (3, 9), (1, 1)]);
        assert_eq!(run, vec![(1, 1), (3, 9), (7, 30)]);
    }

    #[test]
    fn runs_merge_into_each_attempt_once_with_its_latest_success() {
        let runs = vec![reduce_run(vec![(1, 4), (5, 2), (9, 1)]), reduce_run(vec![(5, 8), (6, 3)]), Vec::new()];
        let merged: Vec<(u64, u64)> = merge_runs(&runs).collect();
        assert_eq!(merged, vec![(1, 4), (5, 8), (6, 3), (9, 1)]);
        assert_eq!(merge_runs(&[]).count(), 0);
    }
}
