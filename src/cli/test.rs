//! `signin-doctor test`: run case files, report pass/fail, divergence, coverage.

use super::common::load_rules;
use super::exit;
use super::{out, outln};
use signin_doctor::authoring::{Case, CaseRun, Coverage};
use signin_doctor::Error;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Case files (.ron), or directories holding them.
    #[arg(required = true, value_name = "CASES")]
    cases: Vec<PathBuf>,
    /// Rule directory (default: the rules built into this binary).
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TestFormat::Text)]
    format: TestFormat,
    /// Run only the cases whose file name contains this text (any case).
    #[arg(long, value_name = "NAME")]
    filter: Option<String>,
    /// Set each case's `expect` to what the rules now give (the diagnosis
    /// or question, and the path where the case pins one), in place,
    /// keeping the rest of the file as it is, and print the diff (on
    /// standard error); also write each
    /// case's outcome beside it (CASE.outcome.txt). Review the diff before
    /// committing: an update accepts whatever the rules now do.
    #[arg(long, conflicts_with = "check")]
    update: bool,
    /// Print the diff `--update` would make and fail (exit 1) if there is
    /// any, writing nothing: for CI.
    #[arg(long)]
    check: bool,
    /// List the nodes, branches and diagnoses no case reaches, with file:line.
    #[arg(long)]
    coverage: bool,
    /// Fail (exit 1) unless every branch and diagnosis is covered.
    #[arg(long)]
    require_full_coverage: bool,
}

/// `test --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TestFormat {
    /// PASS/FAIL lines for a person, with where the paths part.
    Text,
    /// One JSON object: every case (expected and actual paths, where they
    /// part with file, line and column), errors, and the coverage counts.
    Json,
    /// JUnit XML, for CI systems that show test reports (one testcase per case file).
    Junit,
}

/// Case files under the given paths, sorted.
pub fn case_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    fn walk(p: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
        if p.is_dir() {
            let rd = std::fs::read_dir(p).map_err(|e| Error::from_io(p, &e))?;
            let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
            entries.sort();
            for e in entries {
                if e.is_dir() || e.extension().is_some_and(|x| x == "ron") {
                    walk(&e, out)?;
                }
            }
        } else if p.exists() {
            out.push(p.to_path_buf());
        } else {
            return Err(Error::from_io(p, &std::io::Error::from(std::io::ErrorKind::NotFound)));
        }
        Ok(())
    }
    let mut out = Vec::new();
    for p in paths {
        walk(p, &mut out)?;
    }
    Ok(out)
}

pub fn run(a: Args) -> Result<i32, Error> {
    let rules = load_rules(a.rules.as_ref())?;
    let mut files = case_files(&a.cases)?;
    if let Some(f) = &a.filter {
        let want = f.to_lowercase();
        files.retain(|p| p.file_name().is_some_and(|n| n.to_string_lossy().to_lowercase().contains(&want)));
        if files.is_empty() {
            eprintln!("error: no case file name contains \"{f}\"");
            return Ok(exit::USAGE);
        }
    }
    let mut runs: Vec<CaseRun> = Vec::new();
    let mut errors: Vec<(String, Error)> = Vec::new();
    let mut pending = 0usize;
    for f in &files {
        match Case::load(f).and_then(|c| c.run(&rules)) {
            Ok(mut r) => {
                // Only a case that fails has an expectation to move.
                if (a.update || a.check) && !r.passed {
                    match expect_change(f, &r, a.update, &rules) {
                        Ok(None) => {}
                        Ok(Some(rerun)) => {
                            pending += 1;
                            if a.update {
                                // The case as now written, run again.
                                r = rerun;
                            }
                        }
                        Err(e) => {
                            errors.push((f.display().to_string(), e));
                            continue;
                        }
                    }
                }
                if a.update {
                    let out = f.with_extension("outcome.txt");
                    super::outfile::write_file(&out, r.render(&rules).as_bytes())?;
                }
                runs.push(r);
            }
            Err(e) => errors.push((f.display().to_string(), e)),
        }
    }
    if a.update && pending > 0 {
        eprintln!("updated the expectations of {pending} case file{}: review the diff above before committing", if pending == 1 { "" } else { "s" });
    }
    let cov = Coverage::of(&rules, &runs);
    let passed = runs.iter().filter(|r| r.passed).count();
    let failed = runs.len() - passed + errors.len();
    match a.format {
        TestFormat::Junit => out!("{}", junit(&runs, &errors)),
        TestFormat::Json => {
            let v = serde_json::json!({
                "passed": passed, "failed": failed,
                "cases": runs,
                "errors": errors.iter().map(|(f, e)| serde_json::json!({"file": f, "error": e.to_string()})).collect::<Vec<_>>(),
                "coverage": cov,
            });
            outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        TestFormat::Text => {
            for r in &runs {
                if r.passed {
                    outln!("PASS {}  {}", r.file, r.actual);
                } else {
                    outln!("FAIL {}", r.file);
                    outln!("  expected: {}", r.expected);
                    outln!("  actual:   {}", r.actual);
                    outln!("  path:     {}", r.path.join(" → "));
                    if let Some(d) = &r.divergence {
                        outln!(
                            "  the paths part at `{}` ({}): took {}; towards the expected: {}",
                            d.node,
                            d.location.as_deref().unwrap_or("?"),
                            d.took,
                            if d.expected.is_empty() { "(no branch leads there)".to_string() } else { d.expected.join(", ") }
                        );
                    }
                }
            }
            for (f, e) in &errors {
                outln!("ERROR {f}: {e}");
            }
            if a.coverage || a.require_full_coverage {
                out!("{}", cov.report());
            }
            outln!("{passed} passed, {failed} failed");
        }
    }
    if a.check && pending > 0 {
        eprintln!("{pending} case file{} would change with --update (the diff is above)", if pending == 1 { "" } else { "s" });
        return Ok(exit::FAILED);
    }
    if failed > 0 || (a.require_full_coverage && !cov.complete()) {
        Ok(exit::FAILED)
    } else {
        Ok(exit::OK)
    }
}

/// The runs as JUnit XML: one `testcase` per case file, a `failure` with
/// where the paths part, an `error` for a case that could not run.
fn junit(runs: &[CaseRun], errors: &[(String, Error)]) -> String {
    use std::fmt::Write;
    // XML 1.0 has no place for most control characters, even escaped.
    // XML 1.0's Char production: tab, newline, carriage return and the rest but surrogates, U+FFFE and U+FFFF.
    let clean = |s: &str| s.chars().filter(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)).collect::<String>();
    let attr = |s: &str| html_escape::encode_double_quoted_attribute(&clean(s)).into_owned();
    let text = |s: &str| html_escape::encode_text(&clean(s)).into_owned();
    let failures = runs.iter().filter(|r| !r.passed).count();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(x, "<testsuites name=\"signin-doctor\" tests=\"{}\" failures=\"{failures}\" errors=\"{}\">", runs.len() + errors.len(), errors.len());
    let _ = writeln!(x, "  <testsuite name=\"cases\" tests=\"{}\" failures=\"{failures}\" errors=\"{}\">", runs.len() + errors.len(), errors.len());
    for r in runs {
        let name = attr(&r.file);
        if r.passed {
            let _ = writeln!(x, "    <testcase classname=\"cases\" name=\"{name}\" file=\"{name}\"/>");
            continue;
        }
        let _ = writeln!(x, "    <testcase classname=\"cases\" name=\"{name}\" file=\"{name}\">");
        let mut body = format!("expected: {}\nactual:   {}\npath:     {}", r.expected, r.actual, r.path.join(" → "));
        if let Some(d) = &r.divergence {
            let _ = write!(body, "\nthe paths part at `{}` ({}): took {}; towards the expected: {}", d.node, d.location.as_deref().unwrap_or("?"), d.took, d.expected.join(", "));
        }
        let _ = writeln!(x, "      <failure message=\"{}\" type=\"wrong-outcome\">{}</failure>", attr(&format!("expected {}, got {}", r.expected, r.actual)), text(&body));
        x.push_str("    </testcase>\n");
    }
    for (f, e) in errors {
        let _ = writeln!(
            x,
            "    <testcase classname=\"cases\" name=\"{0}\" file=\"{0}\">\n      <error message=\"{1}\" type=\"case-error\">{2}</error>\n    </testcase>",
            attr(f),
            attr(&e.to_string()),
            text(&e.to_string())
        );
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

/// Print (on standard error, beside any format's output) the diff that
/// setting `f`'s expectation to `r`'s outcome makes, and with `write`, make
/// it. The new text is read and run first: an update that would not read
/// back, or not pass, is an error and writes nothing. Returns the new run
/// when there was a change.
fn expect_change(f: &Path, r: &CaseRun, write: bool, rules: &signin_doctor::Rules) -> Result<Option<CaseRun>, Error> {
    let old = signin_doctor::read_text_file(f)?;
    let Some(new) = r.rewrite_expect(&old) else { return Ok(None) };
    let rerun = Case::from_str(f, &new).and_then(|c| c.run(rules)).map_err(|e| Error::from_parts(signin_doctor::ErrorKind::Syntax, format!("the updated case would not read back: {e}"), f))?;
    if !rerun.passed {
        return Err(Error::from_parts(signin_doctor::ErrorKind::Syntax, format!("the updated case would still fail ({}); nothing was written", rerun.actual), f));
    }
    let name = f.display().to_string();
    let diff = similar::TextDiff::from_lines(&old, &new).unified_diff().context_radius(2).header(&name, &name).to_string();
    if !super::ui::quiet() {
        eprint!("{}", signin_doctor::output::terminal_safe(&diff));
    }
    if write {
        super::outfile::write_file(f, new.as_bytes())?;
    }
    Ok(Some(rerun))
}
