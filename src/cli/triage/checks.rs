//! What triage writes for a scheduled job: each rollout check's subjects
//! (`--checks-out`) and the exit code (`--fail-on`).

use super::super::{exit, outfile};
use clap::ValueEnum;
use signin_doctor::triage::{self, csv_safe};
use signin_doctor::{Error, ErrorKind};
use std::path::Path;

/// The files `--checks-out` writes: one per rollout check, and the JSON.
pub(super) const CHECK_FILES: [&str; 5] = ["legacy-authentication.csv", "break-glass.csv", "single-factor.csv", "unable-to-register.csv", "checks.json"];

/// One CSV per rollout check, with every subject it names, and all of them as JSON.
pub(super) fn write_checks(dir: &Path, summary: &triage::Summary, bom: bool) -> Result<(), Error> {
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
    super::super::ui::note(format!("rollout checks written to {}", dir.display()));
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
pub(super) fn fail_on(on: Option<FailOn>, summary: &triage::Summary) -> i32 {
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
