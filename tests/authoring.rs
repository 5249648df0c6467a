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
