//! The authoring kit: the fact list in rules/README.md matches the catalog;
//! `explain`, `graph --highlight` and `test` failures behave as documented.

use signin_doctor::authoring::{explain, Case};
use signin_doctor::Rules;
use signin_doctor::CATALOG;

#[test]
fn rules_readme_lists_every_fact() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/README.md")).unwrap();
    for f in CATALOG {
        let row = format!("| `{}` | {} |", f.name, f.ty);
        assert!(readme.contains(&row), "rules/README.md does not list the fact {} ({}); add the row", f.name, f.ty);
    }
}

#[test]
fn explain_lists_paths_as_conditions() {
    let rules = Rules::embedded().unwrap();
    let (paths, truncated) = explain(&rules, "legacy-authentication").unwrap();
    assert!(!truncated);
    assert_eq!(paths.len(), 3, "from the data (legacy client), through the agent's answer that the device is the user's, and from the no-log symptom question");
    let first = &paths[0];
    let legacy = first.iter().find(|s| s.node == "legacy").expect("the legacy check is on the path");
    assert!(legacy.condition.contains("signin.is_legacy_auth is true"));
    let at = |n: &str| first.iter().position(|s| s.node == n).unwrap();
    assert!(at("legacy-place") > at("legacy"), "where the legacy client signed in from is checked before the legacy ending");
    assert!(at("risk") < at("legacy") && at("spray") < at("legacy") && at("attack-lockout") < at("legacy"));
    assert!(paths[0].iter().any(|s| s.node == "legacy-device-there"), "an unknown address is asked about");
    assert!(paths[2].iter().any(|s| s.condition.contains("the agent asks \"What does the user see")));
    let e = explain(&rules, "no-such-diagnosis").unwrap_err();
    assert!(e.hint_text().unwrap().contains("stale-authenticator-registration"));
}

#[test]
fn a_failing_case_shows_where_the_paths_part() {
    let rules = Rules::embedded().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let case = format!(
        "Case(\n  signins: [Path(\"{root}/examples/stale-authenticator/signin.json\")],\n  audit: [Path(\"{root}/examples/stale-authenticator/audit.json\")],\n  answers: {{\"prompt-seen\": \"no\", \"new-phone\": \"no\", \"app-updated\": \"no\"}},\n  expect: (diagnosis: \"stale-authenticator-registration\"),\n)\n"
    );
    let p = dir.path().join("wrong.ron");
    std::fs::write(&p, case).unwrap();
    let run = Case::load(&p).unwrap().run(&rules).unwrap();
    assert!(!run.passed);
    assert_eq!(run.actual, "authenticator-app-issue");
    let d = run.divergence.unwrap();
    assert_eq!(d.node, "new-phone");
    assert_eq!(d.took, "no → app-updated");
    assert_eq!(d.expected, ["yes → other-method"]);
    assert!(d.location.unwrap().starts_with("rules/10-mfa.ron:"));
}

#[test]
fn a_failing_case_with_an_expected_path() {
    let rules = Rules::embedded().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.ron");
    std::fs::write(
        &p,
        "Case(answers: {\"symptom\": \"expired\"}, expect: (diagnosis: \"password-expired\", path: [\"break-glass\", \"risk\", \"spray\", \"attack-lockout\", \"legacy\", \"noise\", \"failure-kind\", \"symptom\", \"account-disabled\"]))",
    )
    .unwrap();
    let run = Case::load(&p).unwrap().run(&rules).unwrap();
    assert!(!run.passed, "the diagnosis matches but the path does not");
    let d = run.divergence.unwrap();
    assert_eq!(d.node, "symptom");
    assert_eq!(d.took, "expired → password-expired");
    assert_eq!(d.expected, ["→ account-disabled"]);
}

fn cli(args: &[&str]) -> (i32, String, String) {
    let o = assert_cmd::Command::cargo_bin("signin-doctor").unwrap().current_dir(env!("CARGO_MANIFEST_DIR")).args(args).output().unwrap();
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stdout).into(), String::from_utf8_lossy(&o.stderr).into())
}

/// Two cases, one passing and one failing with a pinned path.
fn two_cases() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good-expired.ron"), "Case(answers: {\"symptom\": \"expired\"}, expect: (diagnosis: \"password-expired\"))").unwrap();
    std::fs::write(
        dir.path().join("bad-<path>.ron"),
        "Case(answers: {\"symptom\": \"expired\"}, expect: (diagnosis: \"password-expired\", path: [\"break-glass\", \"risk\", \"spray\", \"attack-lockout\", \"legacy\", \"noise\", \"failure-kind\", \"symptom\", \"account-disabled\"]))",
    )
    .unwrap();
    dir
}

#[test]
fn test_reports_as_junit_and_filters_by_name() {
    let dir = two_cases();
    let d = dir.path().to_str().unwrap();
    let (code, xml, err) = cli(&["test", d, "--format", "junit"]);
    assert_eq!(code, 1, "{err}");
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"signin-doctor\" tests=\"2\" failures=\"1\" errors=\"0\">"), "{xml}");
    assert!(xml.contains("name=\"") && xml.contains("bad-&lt;path&gt;.ron\"") && xml.contains("<failure message=\"expected password-expired, got password-expired\""), "names escaped: {xml}");
    assert!(xml.contains("the paths part at `symptom`"), "{xml}");
    assert_eq!(xml.matches("<testcase ").count(), 2);
    let (code, xml, _) = cli(&["test", d, "--format", "junit", "--filter", "GOOD"]);
    assert_eq!(code, 0);
    assert!(xml.contains("tests=\"1\" failures=\"0\""), "{xml}");
    let (code, _, err) = cli(&["test", d, "--filter", "nothing-like-it"]);
    assert_eq!(code, 2);
    assert!(err.contains("no case file name contains"), "{err}");
}

#[test]
fn test_json_gives_the_divergence_and_coverage_as_fields() {
    let dir = two_cases();
    let (_, out, _) = cli(&["test", dir.path().to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let bad = v["cases"].as_array().unwrap().iter().find(|c| c["passed"] == false).unwrap();
    assert_eq!(bad["expected_path"].as_array().unwrap().last().unwrap(), "account-disabled");
    assert_eq!(bad["path"].as_array().unwrap().last().unwrap(), "password-expired");
    let d = &bad["divergence"];
    assert_eq!(d["node"], "symptom");
    assert_eq!(d["file"], "rules/00-triage.ron");
    assert!(d["line"].as_u64().unwrap() > 1 && d["column"].as_u64().unwrap() >= 1, "{d}");
    assert!(d["location"].as_str().unwrap().starts_with("rules/00-triage.ron:"));
    let cov = &v["coverage"];
    assert!(cov["branches"]["covered"].as_u64().unwrap() > 0 && cov["branches"]["total"].as_u64() > cov["branches"]["covered"].as_u64(), "{cov}");
    let missing = &cov["missing"][0];
    assert!(missing["file"].is_string() && missing["line"].is_u64() && missing["column"].is_u64(), "{missing}");
}

#[test]
fn check_reports_sarif_for_code_scanning() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.ron"),
        "Tree(id: \"t\", title: \"T\", entry: true, start: \"a\", nodes: [\n    Check(id: \"a\", label: \"A?\", when: Eq(\"signin.eror_code\", 1), yes: \"d\", no: \"d\", unknown: \"d\"),\n    Diagnosis(id: \"d\", title: \"D\", severity: Low, summary: \"S.\", next_steps: [\"Do it.\"]),\n])\n",
    )
    .unwrap();
    let (code, out, _) = cli(&["check", dir.path().to_str().unwrap(), "--error-format", "sarif"]);
    assert_eq!(code, 5);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "unknown-fact");
    let r = &run["results"][0];
    assert_eq!((r["ruleId"].as_str(), r["level"].as_str()), (Some("unknown-fact"), Some("error")));
    assert!(r["message"]["text"].as_str().unwrap().contains("did you mean `signin.error_code`"), "{r}");
    let loc = &r["locations"][0]["physicalLocation"];
    let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
    assert!(uri.starts_with("file:///") && uri.ends_with("/t.ron") && !uri.contains(' '), "an absolute path is a file: URI: {uri}");
    let column = "    Check(id: \"a\", label: \"A?\", when: Eq(".len() as u64 + 1;
    assert_eq!((loc["region"]["startLine"].as_u64(), loc["region"]["startColumn"].as_u64()), (Some(2), Some(column)), "at the fact's name");
    assert_eq!(r["locations"][0]["logicalLocations"][0]["name"], "a");
    let (code, out, _) = cli(&["check", "--error-format", "sarif"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["runs"][0]["results"].as_array().unwrap().len(), 0, "a clean run is a SARIF log with no results");
}

#[test]
fn check_cases_finds_what_the_rules_no_longer_have() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.ron"), "Case(\n  answers: {\"symptom\": \"expird\", \"prompt-sen\": \"no\"},\n  expect: (diagnosis: \"password-expird\", path: [\"break-glas\"]),\n)\n").unwrap();
    std::fs::write(dir.path().join("broken.ron"), "Case(answers: {\"symptom\": \"expired\"}, expect: (diagnosis: \"x\")").unwrap();
    let (code, out, err) = cli(&["check", "--cases", dir.path().to_str().unwrap(), "--error-format", "json"]);
    assert_eq!(code, 5, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let found: Vec<(String, u64, u64, String)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["code"].as_str().unwrap().to_string(), e["line"].as_u64().unwrap(), e["column"].as_u64().unwrap(), e["hint"].as_str().unwrap_or("").to_string()))
        .collect();
    let codes: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(codes, ["syntax", "unknown-choice", "unknown-question", "unknown-diagnosis", "missing-node"], "{found:?}");
    assert_eq!((found[1].1, found[1].2), (2, 24), "at the choice");
    for (f, want) in found[1..].iter().zip(["expired", "prompt-seen", "password-expired", "break-glass"]) {
        assert_eq!(f.3, format!("did you mean `{want}`?"));
    }
    // The shipped cases fit the shipped rules.
    let (code, out, err) = cli(&["check", "--cases", "tests/cases"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(" case files, no errors"), "{out}");
}

#[test]
fn case_new_from_a_real_log_runs_as_it_was_made() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("stale.ron");
    let args = [
        "case",
        "new",
        "--from-log",
        "examples/stale-authenticator/signin.json",
        "--audit",
        "examples/stale-authenticator/audit.json",
        "--org",
        "examples/org.ron",
        "--answer",
        "prompt-seen=no",
        "--answer",
        "new-phone=yes",
        "--answer",
        "other-method=yes",
        "--redact",
        "-o",
        out.to_str().unwrap(),
    ];
    let (code, _, err) = cli(&args);
    assert_eq!(code, 0, "{err}");
    let case = std::fs::read_to_string(&out).unwrap();
    assert!(case.contains("diagnosis: \"stale-authenticator-registration\"") && case.contains("Path(\"stale.signins.json\")") && case.contains("\"prompt-seen\": \"no\""), "{case}");
    for f in ["stale.ron", "stale.signins.json", "stale.audit.json"] {
        let text = std::fs::read_to_string(dir.path().join(f)).unwrap().to_lowercase();
        for personal in ["alex.wilber", "alex wilber", "megan", "svc-emergency", "534b44a1"] {
            assert!(!text.contains(personal), "{personal} left in {f}");
        }
    }
    // The address is in the organisation's trusted range (its own network): kept, as the diagnosis may rest on it.
    assert!(std::fs::read_to_string(dir.path().join("stale.signins.json")).unwrap().contains("203.0.113.24"));
    let (code, out_test, _) = cli(&["test", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{out_test}");
    assert!(out_test.contains("PASS") && out_test.contains("stale-authenticator-registration"));
    // Never over an existing case.
    let (code, _, err) = cli(&args);
    assert_eq!(code, 7, "{err}");
    assert!(err.contains("already exists"), "{err}");
    // Without --redact the records are as they were; the walk stops at the question it needs.
    let plain = dir.path().join("plain.ron");
    let (code, _, err) = cli(&["case", "new", "--from-log", "examples/stale-authenticator/signin.json", "-o", plain.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read_to_string(dir.path().join("plain.signins.json")).unwrap().contains("alex.wilber@contoso.com"));
    assert!(std::fs::read_to_string(&plain).unwrap().contains("question: \"prompt-seen\""));
    assert!(!dir.path().join("plain.audit.json").exists(), "no audit log, no audit file");
    // A diagnosis that rests on other users' records (a spray) keeps the log's records and gives what diagnose gives.
    let spray = dir.path().join("spray.ron");
    let (code, _, err) = cli(&["case", "new", "--from-log", "tests/fixtures/password-spray/signin.json", "--org", "examples/org.ron", "--redact", "-o", spray.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read_to_string(&spray).unwrap().contains("diagnosis: \"password-spray\""));
    assert_eq!(cli(&["test", spray.to_str().unwrap()]).0, 0);
}

#[test]
fn check_cases_points_at_the_value_in_its_field() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.ron"), "Case(\n  description: \"no\",\n  answers: {\"symptom\": \"no\"},\n  expect: (diagnosis: \"no\"),\n)\n").unwrap();
    let (code, out, _) = cli(&["check", "--cases", dir.path().to_str().unwrap(), "--error-format", "json"]);
    assert_eq!(code, 5);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let places: Vec<(String, u64, u64)> = v.as_array().unwrap().iter().map(|e| (e["code"].as_str().unwrap().into(), e["line"].as_u64().unwrap(), e["column"].as_u64().unwrap())).collect();
    assert_eq!(places, [("unknown-choice".to_string(), 3, 24), ("unknown-diagnosis".to_string(), 4, 23)], "not at the description's \"no\"");
}

#[test]
fn fmt_lays_out_rules_in_one_form_and_check_fails_until_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("t.ron");
    let messy = "// The tree.\nTree(id:\"t\" ,title : \"T\",\n\n\n  nodes:[ Diagnosis(id:\"d\",title:\"D\",severity:Low,summary:\"s\",next_steps:[\"a\"]), // the only one\n  ],entry:true)\n";
    std::fs::write(&f, messy).unwrap();
    let p = f.to_str().unwrap();
    let (code, out, _) = cli(&["fmt", "--check", p]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("-Tree(id:\"t\" ,title : \"T\",") && out.contains("+    title: \"T\","), "a diff: {out}");
    assert_eq!(std::fs::read_to_string(&f).unwrap(), messy, "--check changes nothing");
    let (code, out, err) = cli(&["fmt", p]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), p);
    let tidy = std::fs::read_to_string(&f).unwrap();
    assert_eq!(
        tidy,
        "// The tree.\nTree(\n    id: \"t\",\n    title: \"T\",\n\n    nodes: [\n        Diagnosis(id: \"d\", title: \"D\", severity: Low, summary: \"s\", next_steps: [\"a\"]), // the only one\n    ],\n    entry: true,\n)\n"
    );
    let (code, _, err) = cli(&["fmt", "--check", p]);
    assert_eq!(code, 0, "formatted once, it stays: {err}");
    assert!(err.contains("0 of 1 files would be reformatted"), "{err}");
    // A file that cannot be read is named at its place, and nothing is written.
    let bad = dir.path().join("bad.ron");
    std::fs::write(&bad, "Tree(\n  id: \"t,\n)\n").unwrap();
    let (code, _, err) = cli(&["fmt", bad.to_str().unwrap()]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("bad.ron:2:7: cannot format: "), "{err}");
}

#[test]
fn shipped_rules_and_cases_are_in_the_layout() {
    let (code, out, err) = cli(&["fmt", "--check", "rules", "tests/cases"]);
    assert_eq!(code, 0, "run `signin-doctor fmt rules tests/cases`:\n{out}{err}");
}

/// `graph --format svg` with Graphviz's `dot` on the PATH (a stand-in that
/// answers as dot does), and without it: the file says who laid it out.
#[cfg(unix)]
#[test]
fn svg_pictures_say_who_laid_them_out() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let dot = dir.path().join("dot");
    let script = "#!/bin/sh\nif [ \"$1\" = -V ]; then echo 'dot - graphviz version 9.9.9 (stand-in)' >&2; exit 0; fi\ncat > /dev/null\necho '<?xml version=\"1.0\"?>'\necho '<svg xmlns=\"http://www.w3.org/2000/svg\"><text>laid out</text></svg>'\n";
    std::fs::write(&dot, script).unwrap();
    std::fs::set_permissions(&dot, std::fs::Permissions::from_mode(0o755)).unwrap();
    let graph = |path: &str, args: &[&str]| {
        let o = assert_cmd::Command::cargo_bin("signin-doctor").unwrap().current_dir(env!("CARGO_MANIFEST_DIR")).env("PATH", path).arg("graph").args(args).output().unwrap();
        (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    let run = |path: &str, extra: &[&str]| graph(path, &[&["--tree", "access", "--format", "svg"][..], extra].concat());
    let with = dir.path().to_str().unwrap();
    let (code, out, err) = run(with, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("<!-- Laid out by Graphviz (graphviz version 9.9.9 (stand-in)). -->\n<svg"), "{out}");
    let (code, out, _) = run(with, &["--layout", "builtin"]);
    assert_eq!(code, 0);
    assert!(out.contains("Laid out in-process by layout-rs, as asked") && !out.contains("stand-in"), "{}", &out[..300]);
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let (code, out, _) = run(empty.to_str().unwrap(), &[]);
    assert_eq!(code, 0);
    assert!(out.contains("Graphviz dot was not found") && out.contains("<svg"), "{}", &out[..300]);
    let (code, _, err) = run(empty.to_str().unwrap(), &["--layout", "graphviz"]);
    assert_eq!(code, 4);
    assert!(err.contains("Graphviz dot is not installed"), "{err}");

    // --out-dir: every picture's SVG names its DOT by its SHA-256, whoever
    // laid it out; a file from an older layout is pointed out, not deleted.
    let rules = signin_doctor::Rules::embedded().unwrap();
    let (files, svgs) = signin_doctor::authoring::pictures(&rules);
    for (path, says) in [(with, "Laid out by Graphviz (graphviz version 9.9.9 (stand-in))."), (empty.to_str().unwrap(), "Laid out in-process by layout-rs")] {
        let out = tempfile::tempdir().unwrap();
        std::fs::write(out.path().join("triage.svg"), "old").unwrap();
        let (code, _, err) = graph(path, &["--out-dir", out.path().to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("triage.svg is not one of the pictures") && out.path().join("triage.svg").exists(), "{err}");
        for p in &svgs {
            let svg = std::fs::read_to_string(out.path().join(&p.name)).unwrap();
            assert!(p.is_current(&svg) && svg.contains(says), "{}: {}", p.name, &svg[..svg.len().min(400)]);
        }
        for (name, text) in &files {
            assert_eq!(&std::fs::read_to_string(out.path().join(name)).unwrap(), text, "{name}");
        }
    }
    // --part draws the picture that holds a node, its other parts as links.
    let (code, out, err) = graph(empty.to_str().unwrap(), &["--part", "symptom-other", "--format", "dot"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("rankdir=LR") && out.contains("part 3 of 4, from symptom") && out.contains("\"symptom-other\" [shape=box"), "{out}");
    let (code, _, err) = graph(empty.to_str().unwrap(), &["--part", "no-such-node"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("there is no node `no-such-node`"), "{err}");
}
