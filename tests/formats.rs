//! Every export format reads, is detected without help, and can be forced.

use assert_cmd::Command;
use signin_doctor::{ErrorKind, Evidence, InputFormat};
use std::path::PathBuf;

fn f(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn diagnose(args: &[&str]) -> (i32, serde_json::Value, String) {
    let o = Command::cargo_bin("signin-doctor").unwrap().current_dir(env!("CARGO_MANIFEST_DIR")).arg("diagnose").args(args).args(["--format", "json"]).output().unwrap();
    let v = serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
    (o.status.code().unwrap_or(-1), v, String::from_utf8_lossy(&o.stderr).into())
}

#[test]
fn portal_csv_with_its_authentication_details() {
    let ev = Evidence::builder().signins_file(f("csv/portal-signins.csv")).unwrap().signins_file(f("csv/portal-authdetails.csv")).unwrap().build();
    assert_eq!(ev.signins().len(), 3);
    let r2 = ev.signins().iter().find(|s| s.id.as_deref() == Some("r-2")).unwrap();
    assert_eq!(r2.error_code(), Some(500121));
    assert_eq!(r2.country(), Some("GB"));
    assert_eq!(r2.authentication_details.as_ref().map(Vec::len), Some(2), "joined on Request ID");
    assert_eq!(r2.authentication_requirement.as_deref(), Some("multiFactorAuthentication"));
    let (code, v, _) = diagnose(&["--signin", "tests/fixtures/csv/portal-signins.csv", "--signin", "tests/fixtures/csv/portal-authdetails.csv", "--id", "r-2"]);
    assert_eq!(code, 3);
    assert_eq!(v["facts"]["signin.password_correct"]["value"], true);
    assert_eq!(v["facts"]["mfa.outcome"]["value"], "no-response");
    assert_eq!(v["subject"]["records"][0], "tests/fixtures/csv/portal-signins.csv#1");
}

#[test]
fn log_analytics_csv_with_dynamic_columns() {
    let ev = Evidence::builder().signins_file(f("csv/la-signinlogs.csv")).unwrap().build();
    let s = &ev.signins()[0];
    assert_eq!(s.error_code(), Some(500121));
    assert_eq!(s.country(), Some("RU"));
    assert_eq!(s.created.unwrap().to_rfc3339(), "2026-11-20T09:14:05+00:00", "the portal's US date format");
    assert_eq!(s.authentication_details.as_ref().unwrap().len(), 2, "JSON text column");
    // With the audit log as CSV too: a phone number added from the same unfamiliar IP the night before.
    let (code, v, err) = diagnose(&["--signin", "tests/fixtures/csv/la-signinlogs.csv", "--audit", "tests/fixtures/csv/portal-audit.csv", "--org", "examples/org.ron"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["diagnosis"]["id"], "possible-compromise");
    assert_eq!(v["facts"]["audit.recent_change_unfamiliar"]["value"], true);
    let (_, v2, _) = diagnose(&["--signin", "tests/fixtures/csv/la-signinlogs.csv", "--audit", "tests/fixtures/csv/la-auditlogs.csv", "--org", "examples/org.ron"]);
    assert_eq!(v2["diagnosis"]["id"], "possible-compromise", "the Log Analytics audit CSV says the same");
}

#[test]
fn json_shapes_and_azure_monitor_records() {
    // Object, page, array, JSON Lines, Azure Monitor envelope: all read by the same reader.
    for (file, n) in [
        ("break-glass/signin.json", 2),
        ("declined/signin.json", 1),
        ("mfa-outage/signin.json", 5),
        ("mfa-fatigue/signin.jsonl", 8),
        ("samples/azure-monitor_signinlogs_example_50140.json", 1),
        ("samples/aad_logons_SigninLogs.jsonl", 86),
    ] {
        let ev = Evidence::builder().signins_file(f(file)).unwrap_or_else(|e| panic!("{file}: {e}")).build();
        assert_eq!(ev.signins().len(), n, "{file}");
    }
}

#[test]
fn forced_formats_and_unknown_formats() {
    // Forcing JSON on a CSV file: a JSON error with the place.
    let e = Evidence::builder().input_format(InputFormat::Json).signins_file(f("csv/portal-signins.csv")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Syntax);
    assert_eq!(e.line(), Some(1));
    // Forcing CSV on JSON: the header is no known export.
    let e = Evidence::builder().input_format(InputFormat::Csv).signins_file(f("declined/signin.json")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotALog);
    assert!(e.hint_text().unwrap().contains("Entra admin center's sign-in CSV"));
    // A CSV that is no known export says what was expected.
    let (code, _, err) = diagnose(&["--signin", "Cargo.lock", "--input-format", "csv"]);
    assert_eq!(code, 4);
    assert!(err.contains("this file is in no format this tool reads") && err.contains("Log Analytics export"), "{err}");
    // The audit CSV given as sign-ins, and the reverse.
    let e = Evidence::builder().signins_file(f("csv/portal-audit.csv")).unwrap_err();
    assert!(e.hint_text().unwrap().contains("--audit"));
    let e = Evidence::builder().audit_file(f("csv/la-signinlogs.csv")).unwrap_err();
    assert!(e.hint_text().unwrap().contains("--signin"));
}

#[test]
fn triage_reads_csv_exports() {
    let o = Command::cargo_bin("signin-doctor")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "triage",
            "--signins",
            "tests/fixtures/csv/portal-signins.csv",
            "tests/fixtures/csv/portal-authdetails.csv",
            "tests/fixtures/csv/la-signinlogs.csv",
            "--audit",
            "tests/fixtures/csv/la-auditlogs.csv",
            "--org",
            "examples/org.ron",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["r-2", "r-3", "la-1"], "the 50074 interrupt r-1 belongs to r-2's attempt");
    assert_eq!(rows[0]["record"], "tests/fixtures/csv/portal-signins.csv#2", "results name the original file");
    assert_eq!(rows[2]["diagnosis"]["id"], "possible-compromise");
}

/// Files are read record by record by the same splitter as triage: a bad
/// record in a one-line array is placed by line and column, and a stray
/// value outside any record is a syntax error, not an empty file.
#[test]
fn streamed_records_keep_their_place_in_the_file() {
    let ok = r#"{"id":"a","createdDateTime":"2024-01-01T00:00:00Z","status":{"errorCode":50126}}"#;
    let bad = r#"{"id":"b","createdDateTime":"yesterday","status":{"errorCode":50126}}"#;
    let text = format!("[{ok}, {bad}]");
    let e = Evidence::builder().signins_str("one-line.json", &text).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadRecord);
    assert_eq!((e.line(), e.record_number()), (Some(1), Some(2)));
    let col = e.column().unwrap();
    assert!(col > ok.len() + 2 && col <= text.len(), "column {col} is inside the second record");
    let e = Evidence::builder().signins_str("pretty.json", &format!("[\n  {ok},\n  {bad}\n]\n")).unwrap_err();
    assert_eq!((e.line(), e.record_number()), (Some(3), Some(2)));
    let e = Evidence::builder().input_format(InputFormat::Json).signins_str("strings.json", "\"a\", \"b\"\n").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Syntax);
    assert!(e.message().contains("expected a JSON object or array"), "{e}");
    // A byte-order mark does not shift the columns.
    let e = Evidence::builder().signins_str("bom.json", &format!("\u{feff}{bad}")).unwrap_err();
    assert_eq!(e.line(), Some(1));
    let e2 = Evidence::builder().signins_str("plain.json", bad).unwrap_err();
    assert_eq!(e.column(), e2.column());
}
