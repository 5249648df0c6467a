//! `signin-doctor triage`: every failed attempt of a whole export.

mod checks;
mod output;

use super::common::load_rules;
use super::exit;
use super::out;
use super::outfile;
use checks::{fail_on, write_checks, FailOn, CHECK_FILES};
use clap::ValueEnum;
use output::{csv_row, Bar, Dest, CSV_COLUMNS};
use signin_doctor::triage::{self, csv_safe, AttemptResult, Options};
use signin_doctor::{Error, ErrorKind};
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
    #[arg(long, value_name = "FILE|DIR|-", required_unless_present = "from_graph", conflicts_with = "from_graph", num_args = 1..)]
    signins: Vec<PathBuf>,
    /// Audit logs, in the same shapes (held in memory: they are small next to sign-ins).
    #[arg(long, value_name = "FILE|DIR|-", conflicts_with = "from_graph", num_args = 1..)]
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
    #[arg(long, value_name = "WHEN", value_parser = super::common::when)]
    since: Option<chrono::DateTime<chrono::Utc>>,
    /// Only records before this time (the same forms as --since).
    #[arg(long, value_name = "WHEN", value_parser = super::common::when)]
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
    #[command(flatten)]
    graph: super::fetch::FromGraph,
}

/// The drill-down lists at most this many attempts (the JSON and CSV
/// outputs carry every one).
const DRILL_DOWN_MAX: usize = 10_000;

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
    let checks: Vec<PathBuf> = a.checks_out.iter().flat_map(|dir| CHECK_FILES.iter().map(move |f| dir.join(f))).collect();
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
    if let Some(dir) = &a.checks_out {
        std::fs::create_dir_all(dir).map_err(|e| Error::from_write(dir, &e))?;
    }
    outfile::check(&outputs, &inputs)
}

pub fn run(mut a: Args) -> Result<i32, Error> {
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
    // With --from-graph, the window's sign-ins and the audit events of 30
    // days more are fetched, then read as files.
    let _fetched = if a.graph.from_graph {
        let Some(since) = a.since else {
            return Err(Error::from_parts(ErrorKind::NotFound, "--from-graph needs --since: the window of sign-ins to read", Path::new("")).with_hint("e.g. --since 2d"));
        };
        let window = super::fetch::window(since, a.until).map_err(|m| Error::from_parts(ErrorKind::NotFound, m, Path::new("")))?;
        let f = a.graph.fetch(None, None, None, Some(window))?;
        a.signins = f.signins.clone();
        a.audit = f.audit.clone();
        Some(f)
    } else {
        None
    };
    let sources = super::sources::Sources::gather(&a.signins, &a.audit)?;
    if sources.skipped > 0 {
        super::ui::note(format!("note: {} files of other Azure Monitor categories were passed over (only sign-in and audit logs are read)", sources.skipped));
    }
    // Of the audit log, only what the facts read is kept (by user).
    let index_only = signin_doctor::Evidence::builder().audit_index_only(true);
    let (audit, org) = super::common::load_logs_with(index_only, &[], &sources.audit, a.org.as_ref(), a.input_format, !a.strict)?;
    let opts = options(&a, chosen, &sources);
    let bar = Bar::new();
    let mut dest = Dest::open(a.output.as_deref(), a.format == TriageFormat::Csv, !a.no_bom)?;
    if a.format == TriageFormat::Csv {
        dest.write_row(&CSV_COLUMNS.iter().map(|c| c.to_string()).collect::<Vec<_>>())?;
    }
    let format = a.format;
    let mut listed = DrillDown { on: !a.user.is_empty() && format == TriageFormat::Text, kept: Vec::new(), left_out: 0 };
    let mut sink = |r: &AttemptResult| -> Result<(), Error> {
        match format {
            TriageFormat::Text => {
                listed.add(r);
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
    bar.finish();
    // From here the outputs are put in place: an interrupt waits for them.
    super::sources::FINISHING.store(true, std::sync::atomic::Ordering::SeqCst);
    if let Some(p) = &a.report {
        let title = format!("Sign-in triage{}", org.as_ref().and_then(|o| o.organisation.as_deref()).map(|o| format!(": {o}")).unwrap_or_default());
        outfile::write_file(p, triage::html_report(&summary, &title).as_bytes())?;
        super::ui::note(format!("report written to {}", p.display()));
    }
    let mut text = summary.text();
    text.push_str(&listed.text());
    // Text from the logs (names, apps) is made inert for terminals, in a file too.
    let text = signin_doctor::output::terminal_safe(&text).into_owned();
    match a.format {
        // The summary is the text format's output: to the file when one is given.
        TriageFormat::Text if dest.is_file() => {
            dest.write_all(text.as_bytes())?;
            super::ui::note(text.trim_end());
        }
        TriageFormat::Text => out!("{}", text),
        _ => super::ui::note(signin_doctor::output::terminal_safe(summary.text().trim_end())),
    }
    dest.finish()?;
    if let Some(dir) = &a.checks_out {
        write_checks(dir, &summary, !a.no_bom)?;
    }
    Ok(fail_on(a.fail_on, &summary))
}

/// The library's options from the command line's.
fn options(a: &Args, filter: triage::Filter, sources: &super::sources::Sources) -> Options {
    let mut opts = Options::default();
    opts.strict = a.strict;
    opts.format = a.input_format.get();
    opts.names = sources.names.clone();
    if let Some(t) = a.threads {
        opts.threads = t.max(1);
    }
    opts.filter = filter;
    opts.timing = super::ui::verbose();
    for f in sources.signins.iter().chain(&sources.audit) {
        let shown = sources.names.iter().find(|(p, _)| p == f).map_or_else(|| f.display().to_string(), |(_, n)| n.clone());
        let kind = if sources.audit.contains(f) { "audit" } else { "sign-ins" };
        super::ui::detail(format!("reading {kind}: {shown} ({} bytes)", std::fs::metadata(f).map(|m| m.len()).unwrap_or(0)));
    }
    opts
}

/// The attempts `--user` lists in the text: the earliest [`DRILL_DOWN_MAX`]
/// in time (results arrive in file order; the list is cut back as it grows).
struct DrillDown {
    on: bool,
    kept: Vec<AttemptResult>,
    left_out: usize,
}

impl DrillDown {
    fn add(&mut self, r: &AttemptResult) {
        if !self.on {
            return;
        }
        self.kept.push(r.clone());
        if self.kept.len() >= 2 * DRILL_DOWN_MAX {
            self.cut();
        }
    }
    fn cut(&mut self) {
        self.kept.sort_by(|a, b| a.time.cmp(&b.time).then(a.record.cmp(&b.record)));
        if self.kept.len() > DRILL_DOWN_MAX {
            self.left_out += self.kept.len() - DRILL_DOWN_MAX;
            self.kept.truncate(DRILL_DOWN_MAX);
        }
    }
    fn text(&mut self) -> String {
        if !self.on {
            return String::new();
        }
        self.cut();
        let mut t = triage::attempts_text(&self.kept);
        if self.left_out > 0 {
            t.push_str(&format!("\nThe earliest {DRILL_DOWN_MAX} attempts are listed; {} later ones are not (--format json or csv gives every one)\n", self.left_out));
        }
        t
    }
}

/// The filter the options ask for.
fn filter(a: &Args) -> Result<triage::Filter, String> {
    if let (Some(s), Some(u)) = (a.since, a.until) {
        super::common::nonempty(s, u)?;
    }
    let mut f = triage::Filter::default();
    f.since = a.since;
    f.until = a.until;
    f.users = a.user.iter().map(|u| u.trim().to_string()).filter(|u| !u.is_empty()).collect();
    f.apps = a.app.iter().map(|u| u.trim().to_string()).filter(|u| !u.is_empty()).collect();
    f.error_codes = a.error_code.clone();
    Ok(f)
}
