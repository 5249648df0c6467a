//! The hardening review's findings, one regression test each, on the real
//! binary: outputs never destroy data, reads are capped, hostile rule files
//! end in errors, not hangs.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn key_file() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("session.key")
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str]) -> Out {
    run_with(dir, args, "")
}

/// The binary in `dir`, with `stdin` as standard input (guide's line protocol).
fn run_with(dir: &Path, args: &[&str], stdin: &str) -> Out {
    // A timeout turns a hang into a failure instead of a stuck suite.
    let o = Command::cargo_bin("signin-doctor").unwrap().current_dir(dir).env("SIGNIN_DOCTOR_KEY_FILE", key_file()).timeout(Duration::from_secs(60)).args(args).write_stdin(stdin).output().unwrap();
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
    assert!(text.starts_with("Triage of 3 sign-in records: 2 attempts, 1 failed") && text.contains("Failures settled by the data:\n"), "{text}");
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

/// The example's log with a hostile app name (a terminal hyperlink escape,
/// a one-byte CSI, a bidi override), a display name carrying Markdown and
/// HTML, and a failure reason that is a formula behind a `;`.
fn hostile(d: &Path) {
    let log = std::fs::read_to_string(d.join("signin.json")).unwrap();
    let log = log
        .replace("\"Office 365 Exchange Online\"", "\"Office\\u001b]8;;http://evil\\u0007 365\\u009b2J\\u202eenilnO\"")
        .replace("\"Alex Wilber\"", "\"[click](http://evil) <img src=x onerror=alert(1)>\\n# Resolved\"")
        .replace("\"Authentication failed during strong authentication request.\"", "\"x;=HYPERLINK(\\\"http://evil\\\")\"");
    std::fs::write(d.join("hostile.json"), log).unwrap();
}

fn has_raw_controls(s: &str) -> bool {
    s.chars().any(|c| matches!(c, '\u{1b}' | '\u{7}' | '\u{9b}' | '\u{202e}'))
}

#[test]
fn log_text_reaches_no_terminal_raw() {
    let d = scratch();
    hostile(d.path());
    for args in [
        vec!["diagnose", "--signin", "hostile.json"],
        vec!["diagnose", "--signin", "hostile.json", "--format", "json"],
        vec!["triage", "--signins", "hostile.json"],
        vec!["triage", "--signins", "hostile.json", "--format", "json"],
        vec!["guide", "--signin", "hostile.json", "--ticket-format", "text"],
    ] {
        let o = run_in(d.path(), &args);
        assert!(!has_raw_controls(&o.stdout), "{args:?}: {:?}", o.stdout);
        assert!(!has_raw_controls(&o.stderr), "{args:?}: {:?}", o.stderr);
        if args[0] != "triage" || args.contains(&"json") {
            assert!(o.stdout.contains("\\u001b"), "{args:?}: the escape is shown, not dropped: {}", o.stdout);
        }
    }
    // JSON stays JSON and means the same: the app name decodes to the log's value.
    let o = run_in(d.path(), &["triage", "--signins", "hostile.json", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(o.stdout.lines().next().unwrap()).unwrap();
    assert!(v.to_string().contains("\u{9b}2J") || o.stdout.contains("\\u009b2J"), "{}", o.stdout);
    // A file name is log-like too: an error names it escaped.
    let o = run_in(d.path(), &["diagnose", "--signin", "no\u{1b}[31mfile.json"]);
    assert_eq!(o.code, 4);
    assert!(!has_raw_controls(&o.stderr) && o.stderr.contains("no\\u001b[31mfile.json"), "{:?}", o.stderr);
}

#[test]
fn a_markdown_ticket_quotes_log_text_inert() {
    let d = scratch();
    hostile(d.path());
    let o = run_in(d.path(), &["guide", "--signin", "hostile.json", "--ticket", "ticket.md"]);
    assert_eq!(o.code, 3, "{}", o.stderr);
    let o = run_in(d.path(), &["diagnose", "--signin", "hostile.json"]);
    assert_eq!(o.code, 3);
    let o = run_with(d.path(), &["guide", "--signin", "hostile.json", "--ticket", "ticket.md"], "no\nyes\nyes\n");
    assert_eq!(o.code, 0, "{}", o.stderr);
    let t = std::fs::read_to_string(d.path().join("ticket.md")).unwrap();
    assert!(!has_raw_controls(&t), "{t}");
    // The display name is one code span on its item line: no link, no tag, no heading.
    let name = t.lines().find(|l| l.starts_with("- **Name:**")).unwrap();
    assert_eq!(name, "- **Name:** `[click](http://evil) <img src=x onerror=alert(1)> # Resolved`");
    assert!(!t.lines().any(|l| l.starts_with("# Resolved")), "{t}");
    // Every line outside code spans and blocks is the tool's own.
    let mut in_block = false;
    for l in t.lines() {
        if l.starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block {
            continue;
        }
        let outside: String = l.split('`').step_by(2).collect();
        assert!(!outside.contains("<img") && !outside.contains("](http://evil"), "{l}");
    }
}

#[test]
fn csv_cells_are_no_formulas_behind_any_separator_and_carry_a_bom() {
    let d = scratch();
    let log = std::fs::read_to_string(d.path().join("signin.json")).unwrap();
    std::fs::write(d.path().join("hostile.json"), log.replace("\"Office 365 Exchange Online\"", "\"x;=HYPERLINK(\\\"http://evil\\\")\"")).unwrap();
    let o = run_in(d.path(), &["triage", "--signins", "hostile.json", "--format", "csv", "-o", "out.csv"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let bytes = std::fs::read(d.path().join("out.csv")).unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "a UTF-8 BOM first");
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("x;'=HYPERLINK"), "{text}");
    assert!(!text.contains(";=HYPERLINK"), "{text}");
    let o = run_in(d.path(), &["triage", "--signins", "hostile.json", "--format", "csv", "--no-bom", "-o", "plain.csv"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(std::fs::read(d.path().join("plain.csv")).unwrap().starts_with(b"id,correlation_id,"));
}

/// `errorCode: null` (or no status at all) is unknown, not success: the
/// attempt is diagnosed with its error code unknown, by diagnose and triage
/// alike (tests/engines.rs holds them equal on these shapes).
#[test]
fn a_null_error_code_is_unknown_not_success() {
    let d = scratch();
    let rec = r#"[{"id":"n1","createdDateTime":"2026-11-20T09:14:05Z","correlationId":"c1","userPrincipalName":"ana@contoso.com","ipAddress":"203.0.113.9","status":{"errorCode":null}}]"#;
    std::fs::write(d.path().join("null.json"), rec).unwrap();
    let o = run_in(d.path(), &["diagnose", "--signin", "null.json", "--format", "json"]);
    assert!(o.code == 0 || o.code == 3, "{}", o.stderr);
    assert!(!o.stderr.contains("all successful"), "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["facts"]["signin.error_code"]["value"], serde_json::Value::Null, "{v}");
    let o = run_in(d.path(), &["triage", "--signins", "null.json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("1 attempts, 1 failed"), "{}", o.stdout);
}

/// A bad audit record is listed and skipped by triage, as bad sign-in
/// records are; --strict stops at it.
#[test]
fn bad_audit_records_are_listed_and_triage_carries_on() {
    let d = scratch();
    let mut audit: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(d.path().join("audit.json")).unwrap()).unwrap();
    let list = audit["value"].as_array_mut().unwrap();
    let mut bad = list[0].clone();
    bad["activityDateTime"] = "not a time".into();
    list.insert(0, bad);
    std::fs::write(d.path().join("audit-bad.json"), serde_json::to_string_pretty(&audit).unwrap()).unwrap();
    let o = run_in(d.path(), &["triage", "--signins", "signin.json", "--audit", "audit-bad.json"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("1 bad records were skipped"), "{}", o.stdout);
    assert!(o.stdout.contains("audit-bad.json:") && o.stdout.contains("record 1: cannot read this audit event"), "{}", o.stdout);
    let o = run_in(d.path(), &["triage", "--signins", "signin.json", "--audit", "audit-bad.json", "--strict"]);
    assert_eq!(o.code, 4, "{}", o.stderr);
    assert!(o.stderr.contains("audit-bad.json:") && o.stderr.contains("record 1"), "{}", o.stderr);
}

/// Triage takes special files for what they are: a directory is walked, a
/// FIFO is read as it is written (copied aside, to be read twice), a device
/// that gives nothing is an empty input, a missing file is named.
#[cfg(unix)]
#[test]
fn special_files_are_read_for_what_they_are() {
    let d = scratch();
    std::fs::create_dir(d.path().join("logs")).unwrap();
    for (f, says) in
        [("logs", "logs: no sign-in log was found there"), ("/dev/null", "/dev/null: no sign-in records in the input"), ("missing.json", "missing.json: cannot read the file: no such file")]
    {
        let o = run_in(d.path(), &["triage", "--signins", f]);
        assert_eq!(o.code, 4, "{f}: {}", o.stderr);
        assert!(o.stderr.contains(says), "{f}: {}", o.stderr);
    }
    let fifo = d.path().join("pipe");
    if std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success()) {
        let text = std::fs::read_to_string(d.path().join("signin.json")).unwrap();
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::write(fifo, text).unwrap())
        };
        let o = run_in(d.path(), &["triage", "--signins", "pipe", "--format", "json"]);
        writer.join().unwrap();
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(o.stdout.contains("\"record\":\"pipe#"), "{}", o.stdout);
    }
}

/// A CSV export is streamed by triage, with no temporary copy anywhere:
/// the temporary directory it is given stays empty, and the export is read
/// once in place.
#[test]
fn triage_of_a_csv_export_writes_no_temporary_copy() {
    let d = tempfile::tempdir().unwrap();
    let tmp = d.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    std::fs::copy(root().join("tests/fixtures/csv/portal-signins.csv"), d.path().join("signins.csv")).unwrap();
    let o = Command::cargo_bin("signin-doctor")
        .unwrap()
        .current_dir(d.path())
        .env("TMPDIR", &tmp)
        .env("SIGNIN_DOCTOR_KEY_FILE", key_file())
        .timeout(Duration::from_secs(60))
        .args(["triage", "--signins", "signins.csv", "--format", "json", "-o", "out.jsonl"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "nothing in the temporary directory");
    assert_eq!(files_in(d.path()), ["out.jsonl", "signins.csv", "tmp"], "no copy beside the export either");
}

/// A question filled in from the log (here a script's user agent) is prose
/// in the ticket: its Markdown is escaped, and redaction still finds what it
/// redacts.
#[test]
fn a_question_quoting_the_log_is_inert_in_the_markdown_ticket() {
    let d = scratch();
    let log = std::fs::read_to_string(root().join("tests/fixtures/review/s33-ropc-attacker-single-user.signin.json")).unwrap();
    let log = log.replace("\"python-requests/2.31.0\"", "\"python-requests/2.31.0 [Reset MFA](https://evil.example) <img src=https://evil.example/t> ana@contoso.com\"");
    std::fs::write(d.path().join("script.json"), log).unwrap();
    let args = ["guide", "--signin", "script.json", "--org", "org.ron", "--ticket", "t.md", "--redact"];
    let o = run_with(d.path(), &args, "quit\n");
    assert_eq!(o.code, 3, "{}", o.stderr);
    let o = run_with(d.path(), &args, "yes\n");
    assert_eq!(o.code, 0, "{}", o.stderr);
    let t = std::fs::read_to_string(d.path().join("t.md")).unwrap();
    assert!(t.contains("python\\-requests") || t.contains("python-requests"), "{t}");
    let q = t.lines().find(|l| l.starts_with("1. A script")).expect("the script question in the ticket");
    assert!(q.contains("\\[Reset MFA\\](https://evil.example)") && q.contains("&lt;img"), "{q}");
    assert!(!t.contains("ana@contoso.com"), "redacted: {t}");
}

/// Devices and pipes as outputs are written in place, not replaced by a
/// regular file; a pipe given as input to triage is read as its writer
/// writes it, and the output beside it is written as usual.
#[cfg(unix)]
#[test]
fn devices_and_pipes_as_outputs_and_inputs() {
    let d = scratch();
    let o = run_in(d.path(), &["triage", "--signins", "signin.json", "--format", "csv", "-o", "/dev/null"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device_like());
    let fifo = d.path().join("pipe");
    if std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success()) {
        std::fs::write(d.path().join("out.csv"), "old").unwrap();
        let text = std::fs::read_to_string(d.path().join("signin.json")).unwrap();
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::write(fifo, text).unwrap())
        };
        let o = run_in(d.path(), &["triage", "--signins", "pipe", "--format", "csv", "-o", "out.csv"]);
        writer.join().unwrap();
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(std::fs::read_to_string(d.path().join("out.csv")).unwrap().contains("pipe#"), "the rows name the pipe");
    }
}

trait CharDevice {
    fn is_char_device_like(&self) -> bool;
}

#[cfg(unix)]
impl CharDevice for std::fs::FileType {
    fn is_char_device_like(&self) -> bool {
        use std::os::unix::fs::FileTypeExt;
        self.is_char_device()
    }
}

/// A `save FILE` line is checked as --save is: it cannot replace an input.
#[test]
fn a_save_line_cannot_overwrite_an_input() {
    let d = scratch();
    let before = std::fs::read(d.path().join("signin.json")).unwrap();
    let o = run_with(d.path(), &["guide", "--signin", "signin.json"], "save signin.json\n");
    assert_eq!(o.code, 7, "{}", o.stderr);
    assert_eq!(std::fs::read(d.path().join("signin.json")).unwrap(), before);
}

/// A line without end on standard input is an error, not memory without end.
#[cfg(unix)]
#[test]
fn an_endless_line_on_standard_input_is_an_error() {
    let d = scratch();
    // Straight from the device: assert_cmd's pipe_stdin would read it whole first.
    let o = std::process::Command::new(assert_cmd::cargo::cargo_bin("signin-doctor"))
        .current_dir(d.path())
        .env("SIGNIN_DOCTOR_KEY_FILE", key_file())
        .args(["guide", "--signin", "signin.json"])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(4), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("a line is longer than 64 KiB"));
}

/// With bad records skipped, a file is judged by its own records: a valid
/// empty audit log after one with a bad record is no error, and a file of
/// nothing but bad records is one, in JSON and in CSV alike.
#[test]
fn every_file_is_judged_by_its_own_records() {
    use signin_doctor::Evidence;
    let good = r#"{"id":"a1","activityDisplayName":"User registered security info","activityDateTime":"2024-05-01T08:00:00Z"}"#;
    let bad = r#"{"id":"a2","activityDisplayName":"User registered security info","activityDateTime":"not a time"}"#;
    let ev = Evidence::builder().skip_bad_records(true).audit_str("a.json", &format!("[{good},{bad}]")).unwrap().audit_str("b.json", "[]").unwrap().build();
    assert_eq!(ev.bad_records().len(), 1);
    assert_eq!(ev.audit().len(), 1);
    let e = Evidence::builder().skip_bad_records(true).audit_str("c.json", &format!("[{bad}]")).unwrap_err();
    assert!(e.to_string().starts_with("c.json:"), "{e}");
    let csv = std::fs::read_to_string(root().join("tests/fixtures/csv/la-auditlogs.csv")).unwrap();
    let broken = csv.replace(".000 PM", ".000 ZZ").replace(".000 AM", ".000 ZZ");
    assert_ne!(broken, csv);
    let e = Evidence::builder().skip_bad_records(true).audit_str("d.csv", &broken).unwrap_err();
    assert!(e.to_string().starts_with("d.csv:") && e.to_string().contains("record 1: cannot read this audit event"), "a CSV of only bad rows is an error, as JSON is: {e}");
}

/// Redaction finds the personal values the live-call review listed.
#[test]
fn redaction_covers_names_in_any_order_guests_phones_and_short_ipv6() {
    use signin_doctor::output::redact_text;
    let text = "alex wilber / WILBER, Alex / alex.wilber / alex_fabrikam.com#EXT#@contoso.onmicrosoft.com / \"alex w\"@contoso.com / \
                zoë.müller@contoso.de / registered +1 4255550100 / from 2001:db8::1 and fe80::1 / at 09:14:05 on 2026-11-20";
    let t = redact_text(text, &["Alex Wilber", "alex.wilber@contoso.com"]);
    for leak in ["wilber", "Wilber", "WILBER", "alex", "Alex", "fabrikam.com#EXT#", "alex w", "zoë.müller", "4255550100", "2001:db8::1", "fe80::1"] {
        assert!(!t.contains(leak), "{leak} leaks: {t}");
    }
    assert!(t.contains("at 09:14:05 on 2026-11-20"), "times and dates stay: {t}");
    assert!(t.contains("@contoso.onmicrosoft.com") && t.contains("[phone]") && t.contains("2001:db8::x:x"), "{t}");
}
