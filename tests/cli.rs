//! The real binary: outputs, the JSON contract, exit codes, and one test per
//! class of bad input (each names the file and the place, and exits non-zero).

use assert_cmd::Command;
use std::path::{Path, PathBuf};

const EX: &str = "examples/stale-authenticator";

fn bin() -> Command {
    let mut c = Command::cargo_bin("signin-doctor").unwrap();
    c.env("SIGNIN_DOCTOR_KEY_FILE", PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("session.key"));
    c
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str]) -> Out {
    let o = bin().current_dir(dir).args(args).output().unwrap();
    Out { code: o.status.code().unwrap_or(-1), stdout: String::from_utf8_lossy(&o.stdout).into(), stderr: String::from_utf8_lossy(&o.stderr).into() }
}

fn run(args: &[&str]) -> Out {
    run_in(&root(), args)
}

fn snap(name: &str, text: &str) {
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false, omit_expression => true}, {
        insta::assert_snapshot!(name, text);
    });
}

fn example_args(extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ["diagnose", "--signin", &format!("{EX}/signin.json"), "--audit", &format!("{EX}/audit.json"), "--org", "examples/org.ron"].iter().map(|s| s.to_string()).collect();
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

fn run_example(extra: &[&str]) -> Out {
    let args = example_args(extra);
    run(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn readme_example_reaches_the_diagnosis_with_its_trace() {
    let o = run_example(&["--answer", "prompt-seen=no", "--answer", "new-phone=yes", "--answer", "other-method=yes"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("Confidence: answers (from the log data and the caller's answers)"), "{}", o.stdout);
    let steps = o.stdout.split("Next steps").nth(1).expect("next steps");
    assert!(steps.starts_with(" (these change the user's credentials: verify the caller first):\n  1. VERIFY THE CALLER FIRST"), "{steps}");
    snap("cli-diagnose-text", &o.stdout);
}

#[test]
fn without_answers_it_stops_at_the_question_with_exit_3() {
    let o = run_example(&[]);
    assert_eq!(o.code, 3);
    assert!(o.stdout.contains("Question for the caller [prompt-seen]"), "{}", o.stdout);
    assert!(o.stdout.contains("--answer prompt-seen=<choice>"));
    assert!(o.stdout.contains("dont-know = Don't know"));
}

#[test]
fn json_contract_for_a_diagnosis() {
    let o = run_example(&["--answer", "prompt-seen=no", "--answer", "new-phone=yes", "--answer", "other-method=yes", "--format", "json"]);
    assert_eq!(o.code, 0);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let d = &v["diagnosis"];
    assert_eq!(d["id"], "stale-authenticator-registration");
    assert_eq!(v["confidence"], "answers");
    assert_eq!(d["changes_credentials"], true);
    assert!(d["next_steps"][0].as_str().unwrap().starts_with("VERIFY THE CALLER FIRST"), "the verification step comes first");
    for k in ["title", "severity", "summary", "next_steps"] {
        assert!(!d[k].is_null(), "diagnosis.{k}");
    }
    assert!(d["next_steps"].as_array().unwrap().len() >= 3);
    let trace = v["trace"].as_array().unwrap();
    assert_eq!(trace[0]["node"], "break-glass");
    assert_eq!(trace[0]["kind"], "check");
    assert_eq!(trace[0]["facts"][0]["name"], "user.is_break_glass");
    assert_eq!(trace.last().unwrap()["kind"], "question");
    assert_eq!(trace.last().unwrap()["choice"], "yes");
    assert_eq!(v["facts"]["signin.error_code"]["value"], 500121.0);
    assert_eq!(v["subject"]["error_code"], 500121);
    assert!(v.get("needs_answer").is_none());
}

#[test]
fn json_contract_while_a_question_is_open() {
    let o = run_example(&["--format", "json"]);
    assert_eq!(o.code, 3);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let q = &v["needs_answer"]["question"];
    assert_eq!(q["id"], "prompt-seen");
    assert!(q["text"].as_str().unwrap().contains("Authenticator"));
    let choices: Vec<&str> = q["choices"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(choices, ["yes-late", "no", "sms-call", "not-me", "other-method-asked", "dont-know"]);
    assert!(v.get("diagnosis").is_none());
    assert!(!v["trace"].as_array().unwrap().is_empty());
}

#[test]
fn select_by_id_correlation_and_user() {
    let bg = "tests/fixtures/break-glass/signin.json";
    let o = run(&["diagnose", "--signin", bg, "--org", "examples/org.ron", "--user", "svc-emergency-alpha@contoso.com", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["diagnosis"]["id"], "break-glass-sign-in");
    // The successful sign-in, by correlation id.
    let o = run(&["diagnose", "--signin", bg, "--org", "examples/org.ron", "--correlation-id", "1f757360-ed0b-b2e2-1098-173a7fc2bb8d", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["subject"]["error_code"], 0);
    assert_eq!(v["diagnosis"]["id"], "break-glass-sign-in");
    let o = run(&["diagnose", "--signin", bg, "--id", "no-such-id"]);
    assert_eq!(o.code, 4);
    assert!(o.stderr.contains("no sign-in record has the id no-such-id"), "{}", o.stderr);
}

#[test]
fn facts_and_check_commands() {
    let o = run(&["facts", "--format", "json"]);
    assert_eq!(o.code, 0);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(v.as_array().unwrap().iter().any(|f| f["name"] == "mfa.outcome" && f["type"] == "text"));
    let o = run(&["check"]);
    assert_eq!(o.code, 0);
    assert!(o.stdout.starts_with("ok: "));
    let o = run(&["check", "rules"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
}

#[test]
fn test_command_passes_the_repository_cases() {
    let o = run(&["test", "tests/cases", "--require-full-coverage"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("coverage: branches"));
    assert!(o.stdout.lines().last().unwrap().ends_with(" passed, 0 failed"));
}

// ---- bad input: one test per class -------------------------------------------------------

fn temp_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(d.path().join(name), text).unwrap();
    }
    d
}

fn bad(files: &[(&str, &str)], args: &[&str]) -> Out {
    let d = temp_with(files);
    run_in(d.path(), args)
}

#[test]
fn malformed_json_names_line_and_column() {
    let o = bad(&[("bad.json", "[\n  {\"id\": \"a\",\n   \"status\": {\"errorCode\": 50126,}\n  }\n]\n")], &["diagnose", "--signin", "bad.json"]);
    assert_eq!(o.code, 4);
    snap("cli-error-malformed-json", &o.stderr);
}

#[test]
fn a_file_that_is_not_a_sign_in_log() {
    let audit = std::fs::read_to_string(root().join(EX).join("audit.json")).unwrap();
    let o = bad(&[("audit.json", &audit)], &["diagnose", "--signin", "audit.json"]);
    assert_eq!(o.code, 4);
    snap("cli-error-audit-given-as-signin", &o.stderr);
    let o = bad(&[("x.json", "{\"hello\": \"world\"}")], &["diagnose", "--signin", "x.json"]);
    assert_eq!(o.code, 4);
    assert!(o.stderr.contains("x.json:1:1: record 1: this object has none of the fields of a sign-in"), "{}", o.stderr);
    let o = bad(&[("n.json", "42")], &["diagnose", "--signin", "n.json"]);
    assert_eq!(o.code, 4);
    assert!(o.stderr.contains("n.json:1:1: this file is in no format this tool reads (hint: expected JSON (an object, an array"), "{}", o.stderr);
}

#[test]
fn an_empty_file_and_a_missing_file() {
    let o = bad(&[("empty.json", "  \n")], &["diagnose", "--signin", "empty.json"]);
    assert_eq!(o.code, 4);
    assert_eq!(o.stderr.trim(), "error: empty.json: the file is empty; expected a sign-in log");
    let o = bad(&[], &["diagnose", "--signin", "nope.json"]);
    assert_eq!(o.code, 4);
    assert_eq!(o.stderr.trim(), "error: nope.json: cannot read the file: no such file");
    let o = bad(&[("page.json", "{\"value\": []}")], &["diagnose", "--signin", "page.json"]);
    assert_eq!(o.code, 4);
    assert!(o.stderr.contains("holds no sign-in records"));
}

#[test]
fn a_bad_record_names_its_number_and_line() {
    let text = "{\"id\":\"ok\",\"createdDateTime\":\"2024-01-01T00:00:00Z\",\"status\":{\"errorCode\":50126}}\n{\"id\":\"bad\",\"createdDateTime\":\"yesterday\",\"status\":{\"errorCode\":50126}}\n";
    let o = bad(&[("s.jsonl", text)], &["diagnose", "--signin", "s.jsonl"]);
    assert_eq!(o.code, 4);
    snap("cli-error-bad-record", &o.stderr);
}

#[test]
fn bad_answers() {
    let o = run_example(&["--answer", "prompt-seen"]);
    assert_eq!(o.code, 6);
    assert!(o.stderr.contains("`prompt-seen` is not an answer") && o.stderr.contains("QUESTION_ID=CHOICE_ID"), "{}", o.stderr);
    let o = run_example(&["--answer", "new-fone=yes"]);
    assert_eq!(o.code, 6);
    assert!(o.stderr.contains("there is no question `new-fone`"), "{}", o.stderr);
    let o = run_example(&["--answer", "prompt-seen=maybe"]);
    assert_eq!(o.code, 6);
    snap("cli-error-bad-choice", &o.stderr);
    let o = run_example(&["--answer", "break-glass=yes"]);
    assert_eq!(o.code, 6);
    assert!(o.stderr.contains("`break-glass` is a check, not a question"), "{}", o.stderr);
}

#[test]
fn bad_org_settings() {
    let signin = root().join(EX).join("signin.json");
    let s = signin.to_str().unwrap();
    let o = bad(&[("org.ron", "(\n  trusted_countries: [\"GB\"\n)\n")], &["diagnose", "--signin", s, "--org", "org.ron"]);
    assert_eq!(o.code, 4);
    assert!(o.stderr.starts_with("error: org.ron:3:1: invalid organisation settings"), "{}", o.stderr);
    let o = bad(&[("org.ron", "(\n  trusted_ip_ranges: [\"10.0.0.0/8\", \"10.1.2\"],\n)\n")], &["diagnose", "--signin", s, "--org", "org.ron"]);
    assert_eq!(o.code, 4);
    snap("cli-error-org-bad-range", &o.stderr);
    let o = bad(&[("org.ron", "(break_glass: [\"x\"])")], &["diagnose", "--signin", s, "--org", "org.ron"]);
    assert_eq!(o.code, 4);
    assert!(o.stderr.contains("org.ron:1:2") && o.stderr.contains("break_glass"), "{}", o.stderr);
    let o = bad(&[("org.ron", "(trusted_countries: [\"England\"])")], &["diagnose", "--signin", s, "--org", "org.ron"]);
    assert_eq!(o.code, 4);
    assert!(o.stderr.contains("\"England\" is not a two-letter country code"), "{}", o.stderr);
    let o = bad(&[("org.ron", "")], &["diagnose", "--signin", s, "--org", "org.ron"]);
    assert_eq!(o.code, 4);
}

#[test]
fn nothing_to_diagnose_and_usage_errors() {
    let ok = "{\"id\":\"a\",\"createdDateTime\":\"2024-01-01T00:00:00Z\",\"status\":{\"errorCode\":0}}";
    let o = bad(&[("ok.json", ok)], &["diagnose", "--signin", "ok.json"]);
    assert_eq!(o.code, 4);
    assert!(o.stderr.contains("no failed sign-in") && o.stderr.contains("--id"), "{}", o.stderr);
}

#[test]
fn a_named_user_without_failures_gets_their_latest_success_examined() {
    // "I typed a code at microsoft.com/devicelogin": the log holds only a success.
    let f = "tests/fixtures/expert/device-code-success.json";
    for cmd in ["diagnose", "guide"] {
        let o = run(&[cmd, "--signin", f, "--org", "examples/org.ron", "--user", "diego.siciliani@contoso.com"]);
        assert_eq!(o.code, 0, "{cmd}: {}", o.stderr);
        assert!(o.stderr.contains("no failed sign-in for diego.siciliani@contoso.com; examining their latest successful sign-in to Microsoft Authentication Broker"), "{}", o.stderr);
        assert!(o.stdout.contains("[possible-compromise]"), "{cmd}: device code from an untrusted address: {}", o.stdout);
        assert!(o.stdout.contains("signin.protocol is \"deviceCode\""), "{}", o.stdout);
    }
    // Without a user, a log of successes still has nothing to diagnose.
    let o = run(&["diagnose", "--signin", f]);
    assert_eq!(o.code, 4);
    let o = run(&["diagnose"]);
    assert_eq!(o.code, 2);
    let o = run(&["diagnose", "--signin", "x", "--format", "yaml"]);
    assert_eq!(o.code, 2);
}

#[test]
fn invalid_rules_exit_5_with_every_error() {
    let rules = root().join("rules");
    let d = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(&rules).unwrap() {
        let p = e.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap();
        let text = text
            .replace("\"user.is_break_glass\"", "\"user.is_brake_glass\"")
            .replace("no: \"needs-escalation\",\n            unknown: \"needs-escalation\",", "no: \"needs-escalaton\",\n            unknown: \"needs-escalation\",");
        std::fs::write(d.path().join(p.file_name().unwrap()), text).unwrap();
    }
    let o = run_in(d.path(), &["check", "."]);
    assert_eq!(o.code, 5);
    assert!(o.stderr.contains("did you mean `user.is_break_glass`?"), "{}", o.stderr);
    assert!(o.stderr.contains("did you mean `needs-escalation`?"), "{}", o.stderr);
    let o = run_in(d.path(), &["check", ".", "--error-format", "json"]);
    assert_eq!(o.code, 5);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let codes: Vec<&str> = v.as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["unknown-fact", "missing-node"]);
    // diagnose refuses to walk broken rules.
    let o = run(&["diagnose", "--signin", &format!("{EX}/signin.json"), "--rules", d.path().to_str().unwrap()]);
    assert_eq!(o.code, 5);
}

#[test]
fn graph_formats_style_kinds_and_highlight_a_case() {
    let o = run(&["graph", "--tree", "mfa", "--format", "dot", "--highlight", "tests/cases/stale-authenticator-guided.ron"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.starts_with("digraph \"MFA failures\""));
    assert!(o.stdout.contains("\"mfa-method\" [shape=box, peripheries=2") && o.stdout.contains("style=\"filled,rounded\""), "switches and checks look different");
    assert!(o.stdout.contains("\"prompt-seen\" [shape=box, label=") && o.stdout.contains("fillcolor=\"#fff4c2\""), "questions are yellow boxes");
    // Each branch's label whole (answers joined by " / ", wrapped), tied to
    // its edge in a fan-out; the case's path in red.
    assert!(o.stdout.contains("\"prompt-seen\" -> \"new-phone\" [label=\"No, nothing arrived /\\nDon't know\", decorate=true, color=\"red\", penwidth=3]"), "{}", o.stdout);
    // A diagnosis is drawn once per node that leads to it.
    assert!(
        o.stdout.contains("\"prompt-seen\" -> \"possible-compromise~prompt-seen\" [label=\"A request arrived, but\\nthey were not signing in\\n(they denied or reported\\nit)\", decorate=true]"),
        "{}",
        o.stdout
    );
    // Only the copy the path reaches is red.
    assert!(
        o.stdout.contains("\"possible-compromise~mfa-start\" [shape=note")
            && !o.stdout.contains(
                "\"possible-compromise~mfa-start\" [shape=note, label=\"[diagnosis] possible-compromise\\nPossible account compromise\\n(in tree diagnoses)\", fillcolor=\"#f4a6a6\", color=\"red\""
            ),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("\"mfa-declined\" -> \"declined-by-user\" [label=\"yes\"]"));
    let o = run(&["graph", "--tree", "triage", "--format", "mermaid"]);
    assert!(o.stdout.starts_with("flowchart TD\n"));
    // Mermaid's own keys (n0, n1, ...): a node id may be any text.
    assert!(o.stdout.contains("  n12{{\"<b>failure-kind</b><br/>"), "a switch is a hexagon: {}", o.stdout);
    assert!(o.stdout.contains("classDef critical"));
    let o = run(&["graph", "--format", "svg", "--tree", "access"]);
    assert!(o.stdout.contains("<svg") && o.stdout.contains("</svg>"));
    let o = run(&["graph", "--tree", "nope"]);
    assert_eq!(o.code, 4);
    assert!(o.stderr.contains("there is no tree `nope` (the trees are: triage, mfa, access, diagnoses)"), "{}", o.stderr);
}

#[test]
fn explain_prints_every_path() {
    let o = run(&["explain", "break-glass-sign-in"]);
    assert_eq!(o.code, 0);
    assert!(o.stdout.starts_with("1 paths lead to `break-glass-sign-in`"), "{}", o.stdout);
    assert!(o.stdout.contains("user.is_break_glass is true"));
    let o = run(&["explain", "possible-compromise", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(v["paths"].as_array().unwrap().len() > 10);
    let o = run(&["explain", "nope"]);
    assert_eq!(o.code, 4);
}

#[test]
fn closing_the_pipe_early_is_not_an_error() {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("signin-doctor"))
        .args(["explain", "possible-compromise"])
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn test_update_writes_each_outcome_beside_its_case() {
    let d = tempfile::tempdir().unwrap();
    let case = root().join("tests/cases/no-log-expired.ron");
    std::fs::copy(&case, d.path().join("expired.ron")).unwrap();
    let o = run_in(d.path(), &["test", "--update", "expired.ron"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let written = std::fs::read_to_string(d.path().join("expired.outcome.txt")).unwrap();
    assert!(written.starts_with("case: No log: password expired\ndiagnosis: password-expired"), "{written}");
    assert!(written.contains("The agent answered: It says the password has expired."));
    // JSON for CI: the same verdict, with the path.
    let o = run_in(d.path(), &["test", "expired.ron", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["passed"], 1);
    assert_eq!(v["cases"][0]["path"][7], "symptom");
}

#[test]
fn test_update_rewrites_the_expectation_in_place_and_check_fails_until_then() {
    let d = tempfile::tempdir().unwrap();
    let case = "// Out of date on purpose.\nCase(\n    answers: {\"symptom\": \"expired\"},   // the agent's answer\n    /* an old /* nested */ note: expect: (diagnosis: \"x\") */\n    expect: (\n        question: \"prompt-seen\",\n        path: [\"break-glass\"],\n    ),\n)\n";
    std::fs::write(d.path().join("c.ron"), case).unwrap();
    let o = run_in(d.path(), &["test", "c.ron", "--check", "--format", "junit"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stdout.starts_with("<?xml"), "the format's output stays clean: {}", o.stdout);
    assert!(o.stderr.starts_with("--- c.ron\n+++ c.ron\n"), "{}", o.stderr);
    // Only the values change, where they are written.
    for line in ["\n-        question: \"prompt-seen\",\n", "\n+        diagnosis: \"password-expired\",\n", "\n+        path: [\"break-glass\", \"risk\", "] {
        assert!(o.stderr.contains(line), "{line}: {}", o.stderr);
    }
    assert_eq!(std::fs::read_to_string(d.path().join("c.ron")).unwrap(), case, "--check writes nothing");
    let o = run_in(d.path(), &["test", "c.ron", "--update"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stderr.contains("updated the expectations of 1 case file: review the diff"), "{}", o.stderr);
    let now = std::fs::read_to_string(d.path().join("c.ron")).unwrap();
    assert!(
        now.starts_with("// Out of date on purpose.\nCase(\n    answers: {\"symptom\": \"expired\"},   // the agent's answer\n    /* an old /* nested */ note: expect: (diagnosis: \"x\") */\n"),
        "comments and layout outside expect kept: {now}"
    );
    assert!(now.contains("    expect: (\n        diagnosis: \"password-expired\",\n        path: [\"break-glass\", ") && now.contains("\"symptom\", \"password-expired\"],\n    ),\n)\n"), "{now}");
    let o = run_in(d.path(), &["test", "c.ron", "--check"]);
    assert_eq!((o.code, o.stdout.contains("1 passed")), (0, true), "nothing pending after the update: {}", o.stdout);
    // A case with Some(...) and both keys reads back or is refused, never written broken.
    std::fs::write(d.path().join("s.ron"), "Case(answers: {\"symptom\": \"expired\"}, expect: (diagnosis: Some(\"x\"), path: Some([\"a\"])))\n").unwrap();
    let o = run_in(d.path(), &["test", "s.ron", "--update"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(run_in(d.path(), &["test", "s.ron"]).code, 0, "{}", std::fs::read_to_string(d.path().join("s.ron")).unwrap());
    std::fs::write(d.path().join("b.ron"), "Case(expect: (diagnosis: \"wrong-password\", question: \"symptom\"))\n").unwrap();
    let o = run_in(d.path(), &["test", "b.ron"]);
    assert!(o.code == 1 && o.stdout.contains("expects both a diagnosis and a question"), "{}", o.stdout);
}

#[test]
fn test_update_keeps_comments_inside_expect_and_the_canonical_layout() {
    let d = tempfile::tempdir().unwrap();
    let case = "Case(\n    answers: {\"symptom\": \"expired\"},\n    expect: (\n        // Was wrong-password before the symptom question.\n        diagnosis: \"wrong-password\", // see issue 9\n        path: [\"break-glass\"],\n    ),\n)\n";
    std::fs::write(d.path().join("c.ron"), case).unwrap();
    assert_eq!(run_in(d.path(), &["fmt", "--check", "c.ron"]).code, 0, "the case starts in the canonical layout");
    let o = run_in(d.path(), &["test", "c.ron", "--update"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let now = std::fs::read_to_string(d.path().join("c.ron")).unwrap();
    assert!(now.contains("        // Was wrong-password before the symptom question.\n        diagnosis: \"password-expired\", // see issue 9\n"), "{now}");
    // The longer path is broken one node a line, as fmt lays it out.
    assert!(now.contains("        path: [\n            \"break-glass\",\n"), "{now}");
    assert_eq!(run_in(d.path(), &["fmt", "--check", "c.ron"]).code, 0, "still in the canonical layout: {now}");
    assert_eq!(run_in(d.path(), &["test", "c.ron", "--check"]).code, 0);
}

#[test]
fn test_update_sets_a_question_when_the_walk_now_stops_at_one() {
    let d = tempfile::tempdir().unwrap();
    // No answers: the walk without a log stops at its first question.
    std::fs::write(d.path().join("q.ron"), "Case(expect: (diagnosis: \"password-expired\"))\n").unwrap();
    let o = run_in(d.path(), &["test", "q.ron", "--update"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let now = std::fs::read_to_string(d.path().join("q.ron")).unwrap();
    assert!(now.starts_with("Case(expect: (question: \"") && !now.contains("\"question "), "{now}");
    assert_eq!(run_in(d.path(), &["test", "q.ron", "--check"]).code, 0);
}
