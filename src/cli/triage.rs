//! `signin-doctor triage`: every failed attempt of a whole export.

use super::common::load_rules;
use super::exit;
use super::out;
use super::outfile;
use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use signin_doctor::triage::{self, csv_safe, AttemptResult, Options, Progress};
use signin_doctor::{Error, ErrorKind};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TriageFormat {
    /// A summary for a person: counts per diagnosis, users most affected, rollout checks.
    Text,
    /// One JSON object per failed attempt (JSON Lines); the summary goes to stderr.
    Json,
    /// One CSV row per failed attempt, safe to open in a spreadsheet; the summary goes to stderr.
    Csv,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Sign-in logs: Graph signIn JSON (object, array, page), JSON Lines, Log
    /// Analytics rows, Azure Monitor records, CSV exports; gzip or not; a
    /// directory (walked; an Azure Monitor container's audit folders go to
    /// the audit log); `-` for standard input.
    #[arg(long, value_name = "FILE|DIR|-", required = true, num_args = 1..)]
    signins: Vec<PathBuf>,
    /// Audit logs, in the same shapes (held in memory: they are small next to sign-ins).
    #[arg(long, value_name = "FILE|DIR|-", num_args = 1..)]
    audit: Vec<PathBuf>,
    /// Organisation settings (RON).
    #[arg(long, value_name = "FILE")]
    org: Option<PathBuf>,
    /// Rule directory (default: the rules built into this binary).
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = TriageFormat::Text)]
    format: TriageFormat,
    /// Write the per-attempt output here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also write a self-contained HTML report with charts.
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
    /// CSV without the UTF-8 byte-order mark written first by default (Excel
    /// needs it to read non-ASCII names; some tools do not want it).
    #[arg(long)]
    no_bom: bool,
    /// Stop at the first bad record (default: count, list and carry on).
    #[arg(long)]
    strict: bool,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Force the input format instead of detecting it.
    #[arg(long, value_enum, default_value_t = super::common::FormatArg::Auto)]
    input_format: super::common::FormatArg,
    /// Exit non-zero for a scheduled job to alert on: 8 when a rollout
    /// check failed (`checks`), 9 when an attempt's diagnosis is critical
    /// (`compromise`), either (`any`). Without it, the exit code is 0.
    #[arg(long, value_enum, value_name = "WHAT")]
    fail_on: Option<FailOn>,
    /// Write each rollout check's subjects (every user or sign-in it
    /// names) as DIR/CHECK_ID.csv (UTF-8 with BOM; times as spreadsheets
    /// read them; the first column a key a Microsoft Sentinel watchlist can
    /// search by), and all checks as DIR/checks.json.
    #[arg(long, value_name = "DIR")]
    checks_out: Option<PathBuf>,
    /// Only records at or after this time: a span back from now (`2d`,
    /// `12h`, `1w`), a date (`2026-11-20`, midnight UTC) or a time
    /// (`2026-11-20T09:00:00Z`). Records outside the window are passed
    /// over everywhere: history, diagnoses and rollout checks.
    #[arg(long, value_name = "WHEN", value_parser = when)]
    since: Option<chrono::DateTime<chrono::Utc>>,
    /// Only records before this time (the same forms as --since).
    #[arg(long, value_name = "WHEN", value_parser = when)]
    until: Option<chrono::DateTime<chrono::Utc>>,
    /// Only this user's failed attempts (principal name or object id;
    /// repeat for more). With the text format, each attempt is listed in
    /// time order with its diagnosis: a drill-down into one caller.
    #[arg(long, value_name = "UPN|ID")]
    user: Vec<String>,
    /// Only failed attempts of this application (a part of its name, any
    /// case: `outlook`; repeat for more).
    #[arg(long, value_name = "NAME")]
    app: Vec<String>,
    /// Only failed attempts that ended with this AADSTS code (repeat, or
    /// separate with commas: `50126,500121`).
    #[arg(long, value_name = "CODE", value_delimiter = ',')]
    error_code: Vec<i64>,
}

/// A `--since`/`--until` value, read against the clock now.
fn when(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    triage::parse_when(s, chrono::Utc::now())
}

/// The drill-down lists at most this many attempts (the JSON and CSV
/// outputs carry every one).
const DRILL_DOWN_MAX: usize = 10_000;

/// Where the per-attempt output goes: standard output, or a file written
/// aside and renamed into place only when triage has finished (on any error
/// the previous file stays).
struct Dest {
    out: Out,
    name: PathBuf,
    to_file: bool,
}

enum Out {
    Plain(Sink),
    Csv(Box<csv::Writer<Sink>>),
}

/// The bytes' end: a file written aside, or standard output.
enum Sink {
    File(std::io::BufWriter<outfile::AtomicFile>),
    Stdout(Box<dyn Write>),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::File(w) => w.write(buf),
            Sink::Stdout(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::File(w) => w.flush(),
            Sink::Stdout(w) => w.flush(),
        }
    }
}

impl Dest {
    /// `bom`: a CSV output starts with the UTF-8 byte-order mark (Excel's
    /// default import reads CSV without one in the local code page, turning
    /// non-ASCII names into mojibake).
    fn open(path: Option<&Path>, csv: bool, bom: bool) -> Result<Dest, Error> {
        let mut sink = match path {
            Some(p) => Sink::File(std::io::BufWriter::with_capacity(1 << 16, outfile::AtomicFile::create(p)?)),
            // JSON stays JSON through the escaping; CSV data is escaped only on a terminal.
            None if !csv || std::io::stdout().is_terminal() => Sink::Stdout(Box::new(signin_doctor::output::SafeWriter::new(std::io::BufWriter::new(std::io::stdout())))),
            None => Sink::Stdout(Box::new(std::io::BufWriter::new(std::io::stdout()))),
        };
        let name = path.map_or_else(|| PathBuf::from("standard output"), Path::to_path_buf);
        if csv && bom {
            sink.write_all("\u{feff}".as_bytes()).map_err(|e| Error::from_write(&name, &e))?;
        }
        let out = if csv { Out::Csv(Box::new(csv::WriterBuilder::new().from_writer(sink))) } else { Out::Plain(sink) };
        Ok(Dest { out, name, to_file: path.is_some() })
    }
    fn is_file(&self) -> bool {
        self.to_file
    }
    /// A write error: a reader gone from a pipe ends the run quietly.
    fn fail(&self, e: std::io::Error) -> Error {
        fail(&self.name, self.to_file, e)
    }
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let r = match &mut self.out {
            Out::Plain(w) => w.write_all(bytes),
            Out::Csv(_) => Err(std::io::Error::other("internal: text written to a CSV output")),
        };
        r.map_err(|e| self.fail(e))
    }
    fn write_row(&mut self, row: &[String]) -> Result<(), Error> {
        let r = match &mut self.out {
            Out::Csv(w) => w.write_record(row).map_err(|e| match e.into_kind() {
                csv::ErrorKind::Io(io) => io,
                other => std::io::Error::other(format!("{other:?}")),
            }),
            Out::Plain(_) => Err(std::io::Error::other("internal: a CSV row written to a text output")),
        };
        r.map_err(|e| self.fail(e))
    }
    /// Flush everything, then put the file in place.
    fn finish(self) -> Result<(), Error> {
        let Dest { out, name, to_file } = self;
        let sink = match out {
            Out::Plain(s) => s,
            Out::Csv(w) => w.into_inner().map_err(|e| fail(&name, to_file, e.into_error()))?,
        };
        match sink {
            Sink::File(w) => w.into_inner().map_err(|e| fail(&name, to_file, e.into_error()))?.commit(),
            Sink::Stdout(mut w) => w.flush().map_err(|e| fail(&name, to_file, e)),
        }
    }
}

/// A write error on the output: a reader gone from a pipe ends the run quietly.
fn fail(name: &Path, to_file: bool, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe && !to_file {
        std::process::exit(exit::OK);
    }
    Error::from_write(name, &e)
}

/// The progress bar on a terminal (none with -q or when standard error is
/// not a terminal): bytes read with the rate in records and the time left,
/// then failed attempts diagnosed.
struct Bar(Option<ProgressBar>, std::sync::atomic::AtomicU64, std::time::Instant);

impl Bar {
    fn new() -> Bar {
        let bar = (std::io::stderr().is_terminal() && !super::ui::quiet()).then(|| {
            let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            b.set_style(ProgressStyle::with_template("   reading [{bar:30}] {bytes}/{total_bytes} {msg}, {eta} left").unwrap_or_else(|_| ProgressStyle::default_bar()).progress_chars("=> "));
            b
        });
        Bar(bar, std::sync::atomic::AtomicU64::new(0), std::time::Instant::now())
    }
}

impl Progress for Bar {
    fn records(&self, n: u64) {
        let total = self.1.fetch_add(n, std::sync::atomic::Ordering::Relaxed) + n;
        if let Some(b) = &self.0 {
            let secs = self.2.elapsed().as_secs_f64().max(0.001);
            b.set_message(format!("{total} records ({:.0} records/s)", total as f64 / secs));
        }
    }
    fn survey(&self, bytes: u64, total: u64) {
        if let Some(b) = &self.0 {
            b.set_length(total);
            b.set_position(bytes);
        }
    }
    fn diagnose(&self, done: u64, total: u64) {
        if let Some(b) = &self.0 {
            if b.message() != "diagnosing" {
                // The rate and the time left start again with the new unit.
                b.set_length(total);
                b.reset();
                b.set_style(
                    ProgressStyle::with_template("{msg:>10} [{bar:30}] {pos}/{len} failed attempts ({per_sec}), {eta} left").unwrap_or_else(|_| ProgressStyle::default_bar()).progress_chars("=> "),
                );
                b.set_message("diagnosing");
            }
            b.set_length(total);
            b.set_position(done);
        }
    }
}

const CSV_COLUMNS: &[&str] = &[
    "id",
    "correlation_id",
    "user",
    "time",
    "error_code",
    "app",
    "client_app",
    "ip_address",
    "country",
    "record",
    "diagnosis",
    "title",
    "severity",
    "provisional",
    "confidence",
    "verify_caller_first",
    "needs_answer",
];

fn csv_row(r: &AttemptResult) -> Vec<String> {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    vec![
        o(&r.id),
        o(&r.correlation_id),
        o(&r.user),
        o(&r.time),
        r.error_code.map(|c| c.to_string()).unwrap_or_default(),
        o(&r.app),
        o(&r.client_app),
        o(&r.ip_address),
        o(&r.country),
        r.record.clone(),
        r.diagnosis.id.clone(),
        r.diagnosis.title.clone(),
        r.diagnosis.severity.to_string(),
        r.diagnosis.provisional.to_string(),
        r.diagnosis.confidence.to_string(),
        r.diagnosis.changes_credentials.to_string(),
        r.needs_answer.as_ref().map(|q| q.id.clone()).unwrap_or_default(),
    ]
}

/// Refuse outputs that would overwrite an input or cannot be written, before any work.
fn check_outputs(a: &Args) -> Result<(), Error> {
    let mut inputs: Vec<(&str, PathBuf)> = super::common::rule_files(a.rules.as_ref());
    inputs.extend(a.signins.iter().map(|p| ("--signins", p.clone())));
    inputs.extend(a.audit.iter().map(|p| ("--audit", p.clone())));
    inputs.extend(a.org.iter().map(|p| ("--org", p.clone())));
    let inputs: Vec<(&str, &Path)> = inputs.iter().map(|(f, p)| (*f, p.as_path())).collect();
    let mut outputs: Vec<(&str, &Path)> = Vec::new();
    outputs.extend(a.output.iter().map(|p| ("--output", p.as_path())));
    outputs.extend(a.report.iter().map(|p| ("--report", p.as_path())));
    // The files --checks-out writes, checked now rather than after the run.
    let checks: Vec<PathBuf> = match &a.checks_out {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| Error::from_write(dir, &e))?;
            CHECK_FILES.iter().map(|f| dir.join(f)).collect()
        }
        None => Vec::new(),
    };
    outputs.extend(checks.iter().map(|p| ("--checks-out", p.as_path())));
    // A log written inside a directory triage walks would be read as a log next time.
    let walked: Vec<PathBuf> = a.signins.iter().chain(&a.audit).filter(|p| p.is_dir()).cloned().collect();
    for (flag, out) in &outputs {
        if let Some(dir) = super::sources::inside_walked(&walked, out) {
            return Err(Error::from_parts(
                ErrorKind::Write,
                format!("{flag} would be written inside {}, which triage reads as logs: the next run would read it as one; nothing was written", dir.display()),
                out,
            )
            .with_hint("write outputs outside the log directories"));
        }
    }
    outfile::check(&outputs, &inputs)
}

pub fn run(a: Args) -> Result<i32, Error> {
    let chosen = match filter(&a) {
        Ok(f) => f,
        Err(msg) => {
            eprintln!("error: {msg}");
            return Ok(exit::USAGE);
        }
    };
    check_outputs(&a)?;
    let rules = load_rules(a.rules.as_ref())?;
    // Files, gzip, directories (an Azure Monitor container routed by category) and standard input.
    super::sources::remove_copies_on_interrupt();
    let sources = super::sources::Sources::gather(&a.signins, &a.audit)?;
    if sources.skipped > 0 {
        super::ui::note(format!("note: {} files of other Azure Monitor categories were passed over (only sign-in and audit logs are read)", sources.skipped));
    }
    let (audit, org) = super::common::load_logs(&[], &sources.audit, a.org.as_ref(), a.input_format, !a.strict)?;
    let mut opts = Options::default();
    opts.strict = a.strict;
    opts.format = a.input_format.get();
    opts.names = sources.names.clone();
    if let Some(t) = a.threads {
        opts.threads = t.max(1);
    }
    opts.filter = chosen;
    opts.timing = super::ui::verbose();
    for f in sources.signins.iter().chain(&sources.audit) {
        let shown = sources.names.iter().find(|(p, _)| p == f).map_or_else(|| f.display().to_string(), |(_, n)| n.clone());
        let kind = if sources.audit.contains(f) { "audit" } else { "sign-ins" };
        super::ui::detail(format!("reading {kind}: {shown} ({} bytes)", std::fs::metadata(f).map(|m| m.len()).unwrap_or(0)));
    }
    let bar = Bar::new();
    let mut dest = Dest::open(a.output.as_deref(), a.format == TriageFormat::Csv, !a.no_bom)?;
    if a.format == TriageFormat::Csv {
        dest.write_row(&CSV_COLUMNS.iter().map(|c| c.to_string()).collect::<Vec<_>>())?;
    }
    let format = a.format;
    let drill_down = !a.user.is_empty() && format == TriageFormat::Text;
    let mut listed: Vec<AttemptResult> = Vec::new();
    let mut unlisted = 0usize;
    let mut sink = |r: &AttemptResult| -> Result<(), Error> {
        match format {
            TriageFormat::Text if drill_down && listed.len() < DRILL_DOWN_MAX => {
                listed.push(r.clone());
                Ok(())
            }
            TriageFormat::Text => {
                unlisted += usize::from(drill_down);
                Ok(())
            }
            TriageFormat::Json => {
                let line = serde_json::to_string(r).map_err(|e| Error::from_parts(ErrorKind::Io, e.to_string(), Path::new("")))?;
                dest.write_all(line.as_bytes())?;
                dest.write_all(b"\n")
            }
            TriageFormat::Csv => {
                let row: Vec<String> = csv_row(r).iter().map(|c| csv_safe(c).into_owned()).collect();
                dest.write_row(&row)
            }
        }
    };
    let summary = triage::run(&rules, &sources.signins, &audit, org.as_ref(), &opts, &bar, &mut sink)?;
    if let Some(b) = &bar.0 {
        b.finish_and_clear();
    }
    if let Some(p) = &a.report {
        let title = format!("Sign-in triage{}", org.as_ref().and_then(|o| o.organisation.as_deref()).map(|o| format!(": {o}")).unwrap_or_default());
        outfile::write_file(p, triage::html_report(&summary, &title).as_bytes())?;
        super::ui::note(format!("report written to {}", p.display()));
    }
    let mut text = summary.text();
    if drill_down {
        text.push_str(&triage::attempts_text(&listed));
        if unlisted > 0 {
            text.push_str(&format!("\n{unlisted} more attempts are not listed here; --format json or csv gives every one\n"));
        }
    }
    match a.format {
        // The summary is the text format's output: to the file when one is given.
        TriageFormat::Text if dest.is_file() => {
            dest.write_all(text.as_bytes())?;
            if !super::ui::quiet() {
                eprint!("{}", signin_doctor::output::terminal_safe(&text));
            }
        }
        TriageFormat::Text => out!("{}", text),
        _ if super::ui::quiet() => {}
        _ => eprint!("{}", signin_doctor::output::terminal_safe(&summary.text())),
    }
    dest.finish()?;
    if let Some(dir) = &a.checks_out {
        write_checks(dir, &summary, !a.no_bom)?;
    }
    Ok(fail_on(a.fail_on, &summary))
}

/// The filter the options ask for.
fn filter(a: &Args) -> Result<triage::Filter, String> {
    if let (Some(s), Some(u)) = (a.since, a.until) {
        if s >= u {
            return Err(format!("--since ({}) is not before --until ({}): the window is empty", s.format("%Y-%m-%d %H:%M:%S UTC"), u.format("%Y-%m-%d %H:%M:%S UTC")));
        }
    }
    let mut f = triage::Filter::default();
    f.since = a.since;
    f.until = a.until;
    f.users = a.user.iter().map(|u| u.trim().to_string()).filter(|u| !u.is_empty()).collect();
    f.apps = a.app.iter().map(|u| u.trim().to_string()).filter(|u| !u.is_empty()).collect();
    f.error_codes = a.error_code.clone();
    Ok(f)
}

/// The files `--checks-out` writes: one per rollout check, and the JSON.
const CHECK_FILES: [&str; 5] = ["legacy-authentication.csv", "break-glass.csv", "single-factor.csv", "unable-to-register.csv", "checks.json"];

/// One CSV per rollout check, with every subject it names, and all of them as JSON.
fn write_checks(dir: &Path, summary: &triage::Summary, bom: bool) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::from_write(dir, &e))?;
    for c in &summary.rollout {
        let path = dir.join(format!("{}.csv", c.id));
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        let fail = |e: csv::Error| Error::from_parts(ErrorKind::Write, format!("cannot write the CSV: {e}"), &path);
        w.write_record(&c.columns).map_err(fail)?;
        for r in &c.rows {
            w.write_record(r.iter().map(|cell| csv_safe(cell).into_owned())).map_err(fail)?;
        }
        let body = w.into_inner().map_err(|e| Error::from_parts(ErrorKind::Write, format!("cannot write the CSV: {e}"), &path))?;
        let mut bytes = if bom { "\u{feff}".as_bytes().to_vec() } else { Vec::new() };
        bytes.extend(body);
        outfile::write_file(&path, &bytes)?;
    }
    let json: Vec<serde_json::Value> = summary
        .rollout
        .iter()
        .map(|c| {
            let rows: Vec<serde_json::Map<String, serde_json::Value>> =
                c.rows.iter().map(|r| c.columns.iter().zip(r).map(|(k, v)| (k.to_string(), serde_json::Value::String(v.clone()))).collect()).collect();
            serde_json::json!({"id": c.id, "title": c.title, "status": c.status, "count": c.count, "detail": c.detail, "subjects": rows})
        })
        .collect();
    let text = serde_json::to_string_pretty(&json).map_err(|e| Error::from_parts(ErrorKind::Write, e.to_string(), dir))?;
    outfile::write_file(&dir.join("checks.json"), (text + "\n").as_bytes())?;
    super::ui::note(format!("rollout checks written to {}", dir.display()));
    Ok(())
}

/// What `--fail-on` makes a run fail on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// A rollout check failed (exit 8).
    Checks,
    /// A failed attempt's diagnosis, settled by the data, is critical: a security incident until proven otherwise (exit 9).
    Compromise,
    /// Either (exit 9 when there is a critical diagnosis, else 8).
    Any,
}

/// The exit code a scheduled job alerts on: 9 for a critical diagnosis, 8
/// for a failed rollout check, when `--fail-on` asks; 0 otherwise.
fn fail_on(on: Option<FailOn>, summary: &triage::Summary) -> i32 {
    let Some(on) = on else { return exit::OK };
    // Settled by the data, not reached through "don't know" (which leads to
    // the cautious possible-compromise diagnosis wherever nobody answered).
    let critical = summary.diagnoses.values().filter(|d| d.severity == signin_doctor::Severity::Critical).map(|d| d.count - d.provisional).sum::<usize>();
    let failed = summary.rollout.iter().filter(|c| c.status == triage::Status::Fail).count();
    if critical > 0 && matches!(on, FailOn::Compromise | FailOn::Any) {
        eprintln!("failing (--fail-on): {critical} attempt{} with a critical diagnosis", if critical == 1 { "" } else { "s" });
        return exit::COMPROMISE;
    }
    if failed > 0 && matches!(on, FailOn::Checks | FailOn::Any) {
        eprintln!("failing (--fail-on): {failed} rollout check{} failed", if failed == 1 { "" } else { "s" });
        return exit::CHECKS_FAILED;
    }
    exit::OK
}
