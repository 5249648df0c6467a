//! The hardening review's findings, one regression test each, on the real
//! binary: outputs never destroy data, reads are capped, hostile rule files
//! end in errors, not hangs.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str]) -> Out {
    // A timeout turns a hang into a failure instead of a stuck suite.
    let o = Command::cargo_bin("signin-doctor").unwrap().current_dir(dir).timeout(Duration::from_secs(60)).args(args).output().unwrap();
    Out { code: o.status.code().unwrap_or(-1), stdout: String::from_utf8_lossy(&o.stdout).into(), stderr: String::from_utf8_lossy(&o.stderr).into() }
}

/// A scratch directory with the stale-authenticator example's log in it.
fn scratch() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for f in ["signin.json", "audit.json"] {
        std::fs::copy(root().join("examples/stale-authenticator").join(f), d.path().join(f)).unwrap();
    }
    std::fs::copy(root().join("examples/org.ron"), d.path().join("org.ron")).unwrap();
    d
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn an_output_that_is_an_input_is_refused_and_the_input_kept() {
    let d = scratch();
    let before = std::fs::read(d.path().join("signin.json")).unwrap();
    for args in [
        vec!["triage", "--signins", "signin.json", "--format", "json", "-o", "signin.json"],
        vec!["triage", "--signins", "signin.json", "--audit", "audit.json", "--report", "./audit.json"],
        vec!["triage", "--signins", "signin.json", "--org", "org.ron", "--format", "csv", "-o", "org.ron"],
        vec!["guide", "--signin", "signin.json", "--ticket", "signin.json"],
        vec!["guide", "--signin", "signin.json", "--save", "audit.json", "--audit", "audit.json"],
    ] {
        let o = run_in(d.path(), &args);
        assert_eq!(o.code, 7, "{args:?}: {}", o.stderr);
        assert!(o.stderr.contains("would overwrite the input given as"), "{args:?}: {}", o.stderr);
    }
    assert_eq!(std::fs::read(d.path().join("signin.json")).unwrap(), before);
    assert_eq!(files_in(d.path()), ["audit.json", "org.ron", "signin.json"], "nothing else written");
}

#[cfg(unix)]
#[test]
fn a_link_to_an_input_counts_as_the_input_and_a_link_output_is_replaced_not_followed() {
    let d = scratch();
    std::os::unix::fs::symlink("signin.json", d.path().join("link.json")).unwrap();
    let o = run_in(d.path(), &["triage", "--signins", "signin.json", "--format", "json", "-o", "link.json"]);
    assert_eq!(o.code, 7, "{}", o.stderr);
    // A link to some other file is replaced by the output; what it pointed to is untouched.
    std::fs::write(d.path().join("precious.txt"), "keep me").unwrap();
    std::os::unix::fs::symlink("precious.txt", d.path().join("out.jsonl")).unwrap();
    let o = run_in(d.path(), &["triage", "--signins", "signin.json", "--format", "json", "-o", "out.jsonl"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(std::fs::read_to_string(d.path().join("precious.txt")).unwrap(), "keep me");
    assert!(!std::fs::symlink_metadata(d.path().join("out.jsonl")).unwrap().file_type().is_symlink());
    assert!(std::fs::read_to_string(d.path().join("out.jsonl")).unwrap().contains("\"diagnosis\""));
}

#[test]
fn a_failed_run_keeps_the_previous_output_and_leaves_no_temporary_file() {
    let d = scratch();
    let o = run_in(d.path(), &["triage", "--signins", "signin.json", "--format", "csv", "-o", "out.csv"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let good = std::fs::read(d.path().join("out.csv")).unwrap();
    assert!(good.len() > 100);
    // The second run fails after it has started writing: a bad record with --strict.
    let mut log = String::from_utf8(std::fs::read(d.path().join("signin.json")).unwrap()).unwrap();
    log = log.replacen("\"createdDateTime\": \"", "\"createdDateTime\": \"not a time", 1);
    std::fs::write(d.path().join("broken.json"), log).unwrap();
    let o = run_in(d.path(), &["triage", "--signins", "broken.json", "--strict", "--format", "csv", "-o", "out.csv"]);
    assert_ne!(o.code, 0, "{}", o.stderr);
    assert_eq!(std::fs::read(d.path().join("out.csv")).unwrap(), good, "the previous output is intact");
    assert_eq!(files_in(d.path()), ["audit.json", "broken.json", "org.ron", "out.csv", "signin.json"], "no temporary file left");
}

#[test]
fn an_unwritable_output_says_cannot_write_before_any_work() {
    let d = scratch();
    for args in [
        vec!["triage", "--signins", "signin.json", "-o", "no/such/dir/out.csv"],
        vec!["triage", "--signins", "signin.json", "--report", "."],
        vec!["guide", "--signin", "signin.json", "--ticket", "missing/ticket.md"],
        vec!["graph", "-o", "missing/tree.svg"],
    ] {
        let o = run_in(d.path(), &args);
        assert_eq!(o.code, 7, "{args:?}: {}", o.stderr);
        assert!(o.stderr.contains("cannot write the file"), "{args:?}: {}", o.stderr);
        assert!(!o.stderr.contains("cannot read"), "{args:?}: {}", o.stderr);
        assert!(o.stdout.is_empty(), "{args:?}: no work was done: {}", o.stdout);
    }
}

#[test]
fn the_text_summary_goes_to_the_output_file_when_one_is_given() {
    let d = scratch();
    let o = run_in(d.path(), &["triage", "--signins", "signin.json", "-o", "summary.txt"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let text = std::fs::read_to_string(d.path().join("summary.txt")).unwrap();
    assert!(text.contains("failed attempt"), "{text}");
}

#[cfg(unix)]
#[test]
fn endless_inputs_end_in_a_size_error() {
    let d = scratch();
    for (args, what) in [
        (vec!["diagnose", "--signin", "/dev/zero", "--max-input-mib", "2"], "/dev/zero"),
        (vec!["diagnose", "--signin", "signin.json", "--audit", "/dev/zero", "--max-input-mib", "2"], "/dev/zero"),
        (vec!["diagnose", "--signin", "signin.json", "--org", "/dev/zero"], "/dev/zero"),
        (vec!["check", "--max-input-mib", "1", "big"], "big/x.ron"),
    ] {
        if args.contains(&"big") {
            std::fs::create_dir_all(d.path().join("big")).unwrap();
            std::fs::write(d.path().join("big/x.ron"), vec![b' '; 3 << 20]).unwrap();
        }
        let o = run_in(d.path(), &args);
        assert_eq!(o.code, 4, "{args:?}: {}", o.stderr);
        assert!(o.stderr.contains(&format!("{what}: the file is larger than the limit of")), "{args:?}: {}", o.stderr);
        assert!(o.stderr.contains("--max-input-mib"), "{args:?}: {}", o.stderr);
    }
}

#[test]
fn a_thirteen_byte_rule_file_is_a_syntax_error_not_a_hang() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("bad.ron"), "(nodes: [)])").unwrap();
    let o = run_in(d.path(), &["check", "."]);
    assert_eq!(o.code, 5, "{}", o.stderr);
    assert!(o.stderr.contains("bad.ron:1:10"), "{}", o.stderr);
}
