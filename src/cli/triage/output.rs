//! Where triage's results go: the per-attempt output (a file written
//! aside and put in place at the end, or standard output), its CSV form,
//! and the progress bar.

use super::super::outfile;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use signin_doctor::triage::{AttemptResult, Progress};
use signin_doctor::Error;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Where the per-attempt output goes: standard output, or a file written
/// aside and renamed into place only when triage has finished (on any error
/// the previous file stays).
pub(super) struct Dest {
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
    pub(super) fn open(path: Option<&Path>, csv: bool, bom: bool) -> Result<Dest, Error> {
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
    pub(super) fn is_file(&self) -> bool {
        self.to_file
    }
    /// A write error: a reader gone from a pipe ends the run quietly.
    fn fail(&self, e: std::io::Error) -> Error {
        fail(&self.name, self.to_file, e)
    }
    pub(super) fn write_all(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let r = match &mut self.out {
            Out::Plain(w) => w.write_all(bytes),
            Out::Csv(_) => Err(std::io::Error::other("internal: text written to a CSV output")),
        };
        r.map_err(|e| self.fail(e))
    }
    pub(super) fn write_row(&mut self, row: &[String]) -> Result<(), Error> {
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
    pub(super) fn finish(self) -> Result<(), Error> {
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
        std::process::exit(super::super::exit::OK);
    }
    Error::from_write(name, &e)
}

/// The progress bar on a terminal (none with -q or when standard error is
/// not a terminal): bytes read with the rate in records and the time left,
/// then failed attempts diagnosed.
pub(super) struct Bar(Option<ProgressBar>, std::sync::atomic::AtomicU64, std::time::Instant);

impl Bar {
    pub(super) fn new() -> Bar {
        let bar = (std::io::stderr().is_terminal() && !super::super::ui::quiet()).then(|| {
            let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            b.set_style(ProgressStyle::with_template("   reading [{bar:30}] {bytes}/{total_bytes} {msg}, {eta} left").unwrap_or_else(|_| ProgressStyle::default_bar()).progress_chars("=> "));
            b
        });
        Bar(bar, std::sync::atomic::AtomicU64::new(0), std::time::Instant::now())
    }
}

impl Bar {
    pub(super) fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
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

pub(super) const CSV_COLUMNS: &[&str] = &[
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

pub(super) fn csv_row(r: &AttemptResult) -> Vec<String> {
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
