//! The command line's conventions: completions and man pages made from the
//! parser, examples at the end of every command's help, -q, -v, --color,
//! and a progress bar with a rate and the time left.

use assert_cmd::Command;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> (i32, String, String) {
    let o = Command::cargo_bin("signin-doctor").unwrap().current_dir(root()).env_remove("NO_COLOR").args(args).output().unwrap();
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stdout).into(), String::from_utf8_lossy(&o.stderr).into())
}

const COMMANDS: [&str; 14] = ["diagnose", "guide", "triage", "check", "facts", "test", "fmt", "graph", "explain", "serve", "case", "fetch", "completions", "man"];

#[test]
fn completions_for_every_shell_name_every_command() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (code, out, err) = run(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        for c in COMMANDS {
            assert!(out.contains(c), "{shell} completions lack {c}");
        }
        assert!(out.contains("since") && out.contains("checks-out"), "{shell}: options too");
    }
    let (code, _, err) = run(&["completions", "tcsh"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn man_pages_for_the_tool_and_each_command() {
    let (code, out, _) = run(&["man"]);
    assert_eq!(code, 0);
    assert!(out.starts_with(".ie \\n(.g .ds Aq") || out.contains(".TH signin-doctor 1"), "roff: {}", &out[..200.min(out.len())]);
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(&["man", "--out", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("wrote 15 man pages"), "{err}");
    for c in COMMANDS {
        let page = std::fs::read_to_string(dir.path().join(format!("signin-doctor-{c}.1"))).unwrap_or_else(|e| panic!("{c}: {e}"));
        assert!(page.contains(&format!(".TH \"signin-doctor {c}\" 1")), "{c}: {}", &page[..200.min(page.len())]);
        assert!(page.contains("quiet") && page.contains("color"), "{c}: the global options are on each page");
    }
    let triage = std::fs::read_to_string(dir.path().join("signin-doctor-triage.1")).unwrap();
    assert!(triage.contains("since") && triage.contains("Examples:"), "{triage}");
}

#[test]
fn every_help_ends_with_examples() {
    for c in COMMANDS {
        let (code, out, _) = run(&[c, "--help"]);
        assert_eq!(code, 0);
        let tail = out.rsplit("Examples:\n").next().unwrap_or("");
        assert!(out.contains("Examples:\n"), "{c}: {out}");
        let examples: Vec<&str> = tail.lines().filter(|l| l.starts_with("  signin-doctor ")).collect();
        assert!((2..=3).contains(&examples.len()), "{c}: {tail}");
        assert!(tail.lines().all(|l| l.len() <= 100), "{c}: examples fit the help's width: {tail}");
    }
}

#[test]
fn quiet_verbose_and_color() {
    let args = ["triage", "--signins", "examples/stale-authenticator/signin.json", "--format", "json"];
    let (code, out, err) = run(&args);
    assert_eq!(code, 0);
    assert!(err.contains("Rollout checks:") && !out.is_empty());
    let (code, out2, err) = run(&[&["-q"], &args[..]].concat());
    assert_eq!((code, out2.as_str(), err.as_str()), (0, out.as_str(), ""), "-q: the results, and nothing on standard error");
    let (_, _, err) = run(&[&args[..], &["--verbose"]].concat());
    assert!(err.contains("rules: built in") && err.contains("reading sign-ins: examples/stale-authenticator/signin.json") && err.contains("timing: survey"), "{err}");
    let (code, _, err) = run(&["-q", "-v", "facts"]);
    assert_eq!(code, 2, "-q and -v together are a usage error: {err}");

    // Rule errors in colour only when asked (standard error is a pipe here).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.ron"), "Tree(id: \"t\", title: \"T\", nodes: [ Diagnosis(id: \"d\") ])").unwrap();
    let rules = dir.path().to_str().unwrap();
    let (code, _, err) = run(&["check", rules, "--color", "always"]);
    assert_eq!(code, 5);
    assert!(err.contains("\x1b["), "--color always colours a pipe: {err}");
    for extra in [&["--color", "never"][..], &[][..]] {
        let (_, _, err) = run(&[&["check", rules], extra].concat());
        assert!(!err.contains("\x1b[") && err.contains("t.ron"), "{extra:?}: {err}");
    }
    let (code, _, err) = run(&["--color=sometimes", "facts"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn the_progress_bar_shows_a_rate_and_the_time_left() {
    use expectrl::Expect;
    let dir = tempfile::tempdir().unwrap();
    let signins = dir.path().join("s.jsonl");
    let st =
        std::process::Command::new(env!("CARGO")).args(["run", "-q", "--example", "generate", "--", "--records", "30000", "--out", signins.to_str().unwrap()]).current_dir(root()).status().unwrap();
    assert!(st.success());
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("signin-doctor"));
    cmd.args(["triage", "--signins", signins.to_str().unwrap(), "--format", "json", "-o", dir.path().join("out.jsonl").to_str().unwrap(), "--threads", "1"]).env("TERM", "xterm-256color");
    let mut p = expectrl::Session::spawn(cmd).expect("a pseudo-terminal");
    p.set_expect_timeout(Some(std::time::Duration::from_secs(60)));
    p.expect(expectrl::Regex(r"records \(\d+ records/s\), \d+s left")).expect("reading: records per second and the time left");
    p.expect(expectrl::Regex(r"\d+/\d+ failed attempts \([0-9.,]+/s\), \d+s left")).expect("diagnosing: attempts per second and the time left");
    let _ = p.expect(expectrl::Eof);
}
