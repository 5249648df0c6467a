//! Reference commands for rule authors: `check`, `facts`.

use super::common::{render_rule_errors, Format};
use super::exit;
use super::outln;
use clap::ValueEnum;
use signin_doctor::CATALOG;
use signin_doctor::{Error, Rules};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum ErrorFormat {
    /// Source line with a caret, and a hint.
    #[default]
    Human,
    /// One JSON array of errors on stdout, for editors and CI.
    Json,
    /// SARIF 2.1.0 on stdout, for GitHub code scanning and other SARIF viewers.
    Sarif,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Rule directory (default: the rules built into this binary).
    rules_dir: Option<PathBuf>,
    /// How to print errors.
    #[arg(long, value_enum, default_value_t = ErrorFormat::Human)]
    error_format: ErrorFormat,
    /// Also read these case files (or directories of them) against the
    /// rules: answers to questions or choices the rules no longer have,
    /// expected diagnoses, questions and path nodes that are gone.
    #[arg(long, value_name = "CASES")]
    cases: Vec<PathBuf>,
}

pub fn check(a: CheckArgs) -> Result<i32, Error> {
    let loaded = match &a.rules_dir {
        Some(d) => Rules::load_dir(d),
        None => Rules::embedded(),
    };
    let rules = match loaded {
        Ok(rules) => rules,
        Err(e) => {
            let Some(errs) = e.rule_errors() else { return Err(e) };
            print_errors(errs, a.error_format);
            if a.error_format == ErrorFormat::Human {
                eprintln!("error: {e}");
            }
            return Ok(exit::of(&e));
        }
    };
    let n = rules.nodes().count();
    let d = rules.nodes().filter(|n| n.kind() == "diagnosis").count();
    let q = rules.nodes().filter(|n| n.kind() == "question").count();
    let mut cases = 0;
    if !a.cases.is_empty() {
        let files = super::test::case_files(&a.cases)?;
        cases = files.len();
        let errs = signin_doctor::authoring::check_cases(&rules, &files)?;
        if !errs.is_empty() {
            print_errors(&errs, a.error_format);
            if a.error_format == ErrorFormat::Human {
                eprintln!("error: {} problem{} in the case files", errs.len(), if errs.len() == 1 { "" } else { "s" });
            }
            return Ok(exit::INVALID_RULES);
        }
    }
    match a.error_format {
        ErrorFormat::Json => outln!("[]"),
        ErrorFormat::Sarif => outln!("{}", serde_json::to_string_pretty(&sarif(&[])).unwrap_or_default()),
        ErrorFormat::Human => {
            let cases = if cases > 0 { format!(", {cases} case files") } else { String::new() };
            outln!("ok: {} trees, {n} nodes ({d} diagnoses, {q} questions){cases}, no errors [rules {}]", rules.trees().len(), rules.fingerprint())
        }
    }
    Ok(exit::OK)
}

/// Errors in the format asked for: human on standard error, JSON or SARIF on standard output.
fn print_errors(errs: &signin_doctor::RuleErrors, format: ErrorFormat) {
    match format {
        ErrorFormat::Sarif => {
            let list: Vec<&signin_doctor::RuleError> = errs.iter().collect();
            outln!("{}", serde_json::to_string_pretty(&sarif(&list)).unwrap_or_default());
        }
        ErrorFormat::Json => outln!("{}", serde_json::to_string_pretty(errs).unwrap_or_default()),
        ErrorFormat::Human => eprint!("{}", render_rule_errors(errs)),
    }
}

#[derive(clap::Args, Debug)]
pub struct FactsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub fn facts(a: FactsArgs) -> Result<i32, Error> {
    match a.format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(CATALOG).unwrap_or_default()),
        Format::Text => {
            for s in CATALOG {
                outln!("{:<36} {:<7} {}\n{:<44} source: {}", s.name, s.ty.to_string(), s.description, "", s.source);
            }
        }
    }
    Ok(exit::OK)
}

/// A file as SARIF names it: a relative path as a URI reference from the
/// repository root (`%SRCROOT%`), an absolute one as a `file:` URI; either
/// percent-encoded.
fn artifact(file: &str) -> serde_json::Value {
    let path = file.replace('\\', "/");
    let encode = |p: &str| {
        p.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => (b as char).to_string(),
                b':' => ":".to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    let drive = path.as_bytes().get(1) == Some(&b':');
    if path.starts_with('/') || drive {
        let lead = if drive { "/" } else { "" };
        serde_json::json!({"uri": format!("file://{lead}{}", encode(&path))})
    } else {
        // A colon in a relative reference would read as a scheme.
        serde_json::json!({"uri": encode(path.trim_start_matches("./")).replace(':', "%3A"), "uriBaseId": "%SRCROOT%"})
    }
}

/// Rule errors as a SARIF 2.1.0 log: one result per error, at its file,
/// line and column, with the check's code as the rule id and the hint in
/// the message.
fn sarif(errs: &[&signin_doctor::RuleError]) -> serde_json::Value {
    let mut codes: Vec<&str> = errs.iter().map(|e| e.code).collect();
    codes.sort_unstable();
    codes.dedup();
    let rules: Vec<serde_json::Value> =
        codes.iter().map(|c| serde_json::json!({"id": c, "name": c, "shortDescription": {"text": format!("signin-doctor check: {c} (rules/README.md, \"Errors check reports\")")}})).collect();
    let results: Vec<serde_json::Value> = errs
        .iter()
        .map(|e| {
            let text = match &e.hint {
                Some(h) => format!("{} ({h})", e.message),
                None => e.message.clone(),
            };
            serde_json::json!({
                "ruleId": e.code,
                "level": "error",
                "message": {"text": text},
                "locations": [{"physicalLocation": {
                    "artifactLocation": artifact(&e.file),
                    "region": {"startLine": e.line.max(1), "startColumn": e.column.max(1)}
                }, "logicalLocations": e.node.iter().map(|n| serde_json::json!({"name": n, "kind": "member"})).collect::<Vec<_>>()}]
            })
        })
        .collect();
    serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "signin-doctor check", "version": env!("CARGO_PKG_VERSION"), "rules": rules}},
            "results": results
        }]
    })
}
