//! Every case under tests/cases: the case passes, and its diagnosis with the
//! whole trace is snapshotted (snapshots/), so a rule change shows exactly
//! which outcomes moved (`cargo insta review`).

use signin_doctor::authoring::{Case, CaseRun, Coverage};
use signin_doctor::Rules;
use std::path::Path;

fn rules() -> Rules {
    Rules::embedded().expect("the shipped rules pass their checks")
}

fn run(path: &Path, rules: &Rules) -> CaseRun {
    let case = Case::load(path).unwrap_or_else(|e| panic!("{e}"));
    case.run(rules).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn case() {
    let rules = rules();
    insta::glob!("cases/*.ron", |path| {
        let r = run(path, &rules);
        assert!(r.passed, "{}: expected {}, got {} (path: {}; divergence: {:?})", path.display(), r.expected, r.actual, r.path.join(" → "), r.divergence);
        insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_snapshot!(r.render(&rules));
        });
    });
}

#[test]
fn the_cases_cover_every_branch_of_the_shipped_rules() {
    let rules = rules();
    let mut files: Vec<_> = std::fs::read_dir("tests/cases").unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "ron")).collect();
    files.sort();
    let runs: Vec<CaseRun> = files.iter().map(|p| run(p, &rules)).collect();
    let cov = Coverage::of(&rules, &runs);
    assert!(cov.complete(), "{}", cov.report());
    assert_eq!(cov.diagnoses.covered, cov.diagnoses.total);
}

#[test]
fn every_required_diagnosis_id_exists_and_is_reached_with_and_without_questions() {
    let rules = rules();
    let required = [
        "stale-authenticator-registration",
        "not-registered-for-mfa",
        "possible-compromise",
        "legacy-authentication",
        "break-glass-sign-in",
        "conditional-access-block",
        "wrong-password",
        "account-locked",
        "needs-escalation",
    ];
    // A lockout is only ever confirmed by asking, and so is whether a user
    // with a stale registration still has another method (without that
    // answer the walk takes the safe Temporary Access Pass bootstrap).
    let asked_only = ["account-locked", "stale-authenticator-registration"];
    let mut files: Vec<_> = std::fs::read_dir("tests/cases").unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let runs: Vec<(Case, CaseRun)> = files.iter().filter(|p| p.extension().is_some_and(|x| x == "ron")).map(|p| (Case::load(p).unwrap(), run(p, &rules))).collect();
    for id in required {
        assert!(rules.diagnosis(id).is_some(), "missing diagnosis {id}");
        let guided = runs.iter().any(|(c, r)| r.actual == id && !c.answers.is_empty());
        assert!(guided, "no guided case reaches {id}");
    }
    // The expert routes the data settles alone.
    let data_routes = ["risky-user", "password-spray", "registration-blocked-risk", "non-interactive-noise", "session-expired", "guest-mfa", "device-authentication-failed"];
    for id in data_routes {
        assert!(rules.diagnosis(id).is_some(), "missing diagnosis {id}");
    }
    for id in required.into_iter().filter(|id| !asked_only.contains(id)).chain(data_routes) {
        let data_only = runs.iter().any(|(c, r)| r.actual == id && c.answers.iter().all(|(_, v)| v == "dont-know") && !c.signins.is_empty());
        assert!(data_only, "no data-only case reaches {id}");
    }
}

/// Every walk the shipped rules allow without a log, every answer tried at
/// every question: no question or help text shows "(unknown)" (a value the
/// caller cannot have read out), and "question N of at most M" never
/// under-counts and is reached by some walk (the bound is tight).
#[test]
fn walks_without_a_log_show_no_unknown_values_and_count_their_questions_truly() {
    use signin_doctor::Session;
    let rules = rules();
    let mut open = vec![Session::without_log(&rules)];
    let (mut walks, mut deepest) = (0, 0);
    let mut first_at_most = None;
    while let Some(session) = open.pop() {
        let outcome = session.outcome(&rules).unwrap();
        let Some(q) = outcome.question() else {
            walks += 1;
            deepest = deepest.max(session.answers.len());
            continue;
        };
        let shown = format!("{} {}", q.text, q.help.as_deref().unwrap_or(""));
        assert!(!shown.contains("(unknown)"), "question `{}` without a log shows an unknown value: {shown}", q.id);
        let progress = q.progress.expect("every open question says where it stands");
        assert_eq!(progress.number, session.answers.len() + 1);
        first_at_most.get_or_insert(progress.at_most);
        for c in &q.choices {
            let mut next = session.clone();
            next.answer(&rules, &q.id, &c.id).unwrap();
            let later = next.outcome(&rules).unwrap();
            if let Some(p) = later.question().and_then(|q| q.progress) {
                assert!(p.at_most <= progress.at_most, "after `{}`={}, the bound grew from {} to {}", q.id, c.id, progress.at_most, p.at_most);
            }
            open.push(next);
        }
    }
    assert!(walks > 30, "only {walks} walks");
    assert_eq!(first_at_most, Some(deepest), "the first question's bound is the longest walk");
}
