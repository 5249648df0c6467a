//! `signin-doctor triage`: every failed attempt of a whole export.

use super::common::load_rules;
use super::exit;
use super::{out, outln};
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
    /// Sign-in logs: Graph signIn JSON (object, array, page), JSON Lines, Log Analytics rows, Azure Monitor records.
    #[arg(long, value_name = "FILE", required = true, num_args = 1..)]
    signins: Vec<PathBuf>,
    /// Audit logs (held in memory: they are small next to sign-ins).
    #[arg(long, value_name = "FILE", num_args = 1..)]
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
    /// Stop at the first bad record (default: count, list and carry on).
    #[arg(long)]
    strict: bool,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Force the input format instead of detecting it.
    #[arg(long, value_enum, default_value_t = super::common::FormatArg::Auto)]
    input_format: super::common::FormatArg,
}

struct Bar(Option<ProgressBar>);

impl Progress for Bar {
    fn survey(&self, bytes: u64, total: u64) {
        if let Some(b) = &self.0 {
            b.set_length(total);
            b.set_position(bytes);
        }
    }
    fn diagnose(&self, done: u64, total: u64) {
        if let Some(b) = &self.0 {
            if b.message() != "diagnosing" {
                b.set_style(ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} failed attempts").unwrap_or_else(|_| ProgressStyle::default_bar()).progress_chars("=> "));
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

pub fn run(a: Args) -> Result<i32, Error> {
    let rules = load_rules(a.rules.as_ref())?;
    let (audit, org) = super::common::load_logs(&[], &a.audit, a.org.as_ref(), a.input_format)?;
    for p in &a.signins {
        if !p.is_file() {
            return Err(Error::from_io(p, &std::io::Error::from(std::io::ErrorKind::NotFound)));
        }
    }
    let mut opts = Options::default();
    opts.strict = a.strict;
    opts.format = a.input_format.get();
    if let Some(t) = a.threads {
        opts.threads = t.max(1);
    }
    let bar = if std::io::stderr().is_terminal() {
        let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        b.set_style(ProgressStyle::with_template("{msg:>10} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec})").unwrap_or_else(|_| ProgressStyle::default_bar()).progress_chars("=> "));
        b.set_message("reading");
        Bar(Some(b))
    } else {
        Bar(None)
    };
    // Where the per-attempt lines go.
    let dest: Box<dyn Write> = match &a.output {
        Some(p) => Box::new(std::io::BufWriter::new(std::fs::File::create(p).map_err(|e| Error::from_io(p, &e))?)),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    let out_name = a.output.clone().unwrap_or_else(|| PathBuf::from("standard output"));
    let write_err = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(exit::OK);
        }
        Error::from_io(&out_name, &e)
    };
    let csv_err = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(io) => write_err(io),
        other => Error::from_parts(ErrorKind::Io, format!("{other:?}"), Path::new("")),
    };
    enum Sink {
        None,
        Json(Box<dyn Write>),
        Csv(Box<csv::Writer<Box<dyn Write>>>),
    }
    let mut sink_out = match a.format {
        TriageFormat::Text => Sink::None,
        TriageFormat::Json => Sink::Json(dest),
        TriageFormat::Csv => {
            let mut w = csv::WriterBuilder::new().from_writer(dest);
            w.write_record(CSV_COLUMNS).map_err(csv_err)?;
            Sink::Csv(Box::new(w))
        }
    };
    let mut sink = |r: &AttemptResult| -> Result<(), Error> {
        match &mut sink_out {
            Sink::None => Ok(()),
            Sink::Json(w) => {
                let line = serde_json::to_string(r).map_err(|e| Error::from_parts(ErrorKind::Io, e.to_string(), Path::new("")))?;
                w.write_all(line.as_bytes()).and_then(|_| w.write_all(b"\n")).map_err(write_err)
            }
            Sink::Csv(w) => {
                let row: Vec<String> = csv_row(r).iter().map(|c| csv_safe(c).into_owned()).collect();
                w.write_record(&row).map_err(csv_err)
            }
        }
    };
    let summary = triage::run(&rules, &a.signins, &audit, org.as_ref(), &opts, &bar, &mut sink)?;
    match &mut sink_out {
        Sink::None => {}
        Sink::Json(w) => w.flush().map_err(write_err)?,
        Sink::Csv(w) => w.flush().map_err(write_err)?,
    }
    if let Some(b) = &bar.0 {
        b.finish_and_clear();
    }
    if let Some(p) = &a.report {
        let title = format!("Sign-in triage{}", org.as_ref().and_then(|o| o.organisation.as_deref()).map(|o| format!(": {o}")).unwrap_or_default());
        std::fs::write(p, triage::html_report(&summary, &title)).map_err(|e| Error::from_io(p, &e))?;
        eprintln!("report written to {}", p.display());
    }
    match a.format {
        TriageFormat::Text => out!("{}", summary.text()),
        _ => eprint!("{}", summary.text()),
    }
    if a.format == TriageFormat::Text && a.output.is_some() {
        outln!("");
    }
    Ok(exit::OK)
}
