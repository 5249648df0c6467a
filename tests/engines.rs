//! One engine, two drivers: every case file and every public sample goes
//! through `diagnose` (an attempt selected, its facts derived, the tree
//! walked with every question answered "don't know") and through batch
//! triage of the same files, and both must reach the same diagnosis from
//! the same facts. A fix made in one reader, history or walker only fails here.
//! The index that finds one caller in a large log (`guide` and `diagnose` on
//! a regular file) derives the same facts too.

use signin_doctor::authoring::{Case, Input, OrgInput};
use signin_doctor::triage::{self, AttemptResult, NoProgress, Options};
use signin_doctor::{Evidence, Facts, InputFormat, LogIndex, OrgSettings, Rules, Selector, Session};
use std::path::{Path, PathBuf};

/// What `diagnose` says when nobody answers: (diagnosis id, facts).
fn unattended(rules: &Rules, mut session: Session) -> (String, Facts) {
    loop {
        let outcome = session.outcome(rules).unwrap();
        match outcome.question() {
            Some(q) => session.answer(rules, &q.id.clone(), "dont-know").unwrap(),
            None => return (outcome.diagnosis().unwrap().id.clone(), session.facts),
        }
    }
}

/// Triage's results with every attempt's facts kept (all of them derived).
/// Triage without `keep_facts` derives the audit log's and the history's
/// facts only as a walk reads them: it must reach the same ends.
fn triage_all(rules: &Rules, signins: &[PathBuf], audit: &Evidence, org: Option<&OrgSettings>, threads: usize) -> Vec<AttemptResult> {
    let run = |keep: bool| {
        let mut opts = Options::default();
        opts.keep_facts = keep;
        opts.threads = threads;
        let mut out = Vec::new();
        triage::run(rules, signins, audit, org, &opts, &NoProgress, &mut |r| {
            out.push(r.clone());
            Ok(())
        })
        .unwrap_or_else(|e| panic!("triage of {signins:?}: {e}"));
        out
    };
    let (all, lazy) = (run(true), run(false));
    let end = |r: &AttemptResult| (r.record.clone(), r.diagnosis.id.clone(), r.diagnosis.provisional, r.needs_answer.as_ref().map(|q| (q.id.clone(), q.text.clone())));
    assert_eq!(all.iter().map(end).collect::<Vec<_>>(), lazy.iter().map(end).collect::<Vec<_>>(), "{signins:?}: facts derived as the walk reads them end elsewhere");
    assert!(lazy.iter().all(|r| r.facts.is_none()));
    all
}

/// Facts that differ between the two drivers: (name, diagnose's, triage's).
fn differences(a: &Facts, b: &Facts) -> Vec<String> {
    let mut names: Vec<&str> = a.iter().map(|(n, _)| n).chain(b.iter().map(|(n, _)| n)).collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .filter_map(|n| {
            let (x, y) = (a.get(n), b.get(n));
            let same = match (x, y) {
                (Some(x), Some(y)) => x.value == y.value && x.source.field == y.source.field,
                (None, None) => true,
                _ => false,
            };
            (!same).then(|| format!("{n}: diagnose {:?}, triage {:?}", x.map(|f| &f.value), y.map(|f| &f.value)))
        })
        .collect()
}

#[test]
fn every_case_reaches_the_same_diagnosis_from_the_same_facts_in_both_drivers() {
    let rules = Rules::embedded().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir("tests/cases").unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "ron")).collect();
    files.sort();
    let (mut compared, mut successes) = (0, 0);
    for path in &files {
        let mut case = Case::load(path).unwrap();
        if case.signins.is_empty() {
            continue;
        }
        case.answers.clear();
        let session = case.session(&rules).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let subject = session.subject.clone();
        let (diagnosis, facts) = unattended(&rules, session);
        let dir = path.parent().unwrap();
        let resolve = |i: usize, input: &Input, what: &str| -> PathBuf {
            match input {
                Input::Path(p) => dir.join(p),
                Input::Json(t) => {
                    let f = tmp.path().join(format!("{}-{what}-{i}.json", path.file_stem().unwrap().to_string_lossy()));
                    std::fs::write(&f, t).unwrap();
                    f
                }
            }
        };
        let signins: Vec<PathBuf> = case.signins.iter().enumerate().map(|(i, s)| resolve(i, s, "signins")).collect();
        let mut audit = Evidence::builder();
        for (i, a) in case.audit.iter().enumerate() {
            audit = audit.audit_file(resolve(i, a, "audit")).unwrap();
        }
        let audit = audit.build();
        let org = match &case.org {
            None => None,
            Some(OrgInput::Path(p)) => Some(OrgSettings::from_file(&dir.join(p)).unwrap()),
            Some(OrgInput::Settings(s)) => Some(s.clone()),
        };
        let results = triage_all(&rules, &signins, &audit, org.as_ref(), 2);
        let mine = results.iter().find(|r| r.correlation_id.is_some() && r.correlation_id == subject.correlation_id || r.id.as_ref().is_some_and(|id| subject.record_ids.last() == Some(id)));
        // As the readers: no error code is unknown, not success.
        let failed = subject.error_code != Some(0);
        match mine {
            None => {
                // Triage diagnoses failed attempts only; diagnose also examines a success a caller asks about.
                assert!(!failed, "{}: triage has no result for the failed attempt {:?}", path.display(), subject.correlation_id);
                successes += 1;
            }
            Some(r) => {
                assert!(failed, "{}: triage diagnosed an attempt that succeeded", path.display());
                assert_eq!(r.diagnosis.id, diagnosis, "{}: triage and diagnose disagree", path.display());
                let diff = differences(&facts, r.facts.as_ref().unwrap());
                assert!(diff.is_empty(), "{}: the drivers derived different facts:\n{}", path.display(), diff.join("\n"));
                compared += 1;
            }
        }
    }
    assert!(compared > 120, "only {compared} cases compared");
    assert!(successes < 20, "{successes} cases examined a success");
}

fn files_under(p: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())) {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_under(&p, out);
        } else if p.extension().is_some_and(|x| x == "json" || x == "jsonl" || x == "csv") {
            out.push(p);
        }
    }
}

/// Each failed attempt `diagnose` finds in `f` (read alone) is found by
/// triage too, with the same diagnosis and facts, at one and two threads.
/// Returns how many attempts were compared.
fn compare_file(rules: &Rules, f: &Path) -> usize {
    compare_files(rules, &[f.to_path_buf()])
}

/// [`compare_file`] over files read together (a CSV export and its authentication details).
fn compare_files(rules: &Rules, files: &[PathBuf]) -> usize {
    let mut b = Evidence::builder();
    for f in files {
        match b.signins_file(f) {
            Ok(next) => b = next,
            Err(_) => return 0,
        }
    }
    let ev = b.build();
    let f = files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" + ");
    let attempts: Vec<_> = ev.attempts().into_iter().filter(|a| a.failed()).collect();
    if attempts.is_empty() {
        return 0;
    }
    let empty = Evidence::builder().build();
    let one = triage_all(rules, files, &empty, None, 1);
    let two = triage_all(rules, files, &empty, None, 2);
    let key = |v: &[AttemptResult]| v.iter().map(|r| (r.id.clone(), r.diagnosis.id.clone())).collect::<Vec<_>>();
    assert_eq!(key(&one), key(&two), "{}: one and two threads differ", f);
    assert_eq!(one.len(), attempts.len(), "{}: diagnose finds {} failed attempts, triage {}", f, attempts.len(), one.len());
    // The index finds the same callers as the log loaded whole: the users
    // with failed attempts (counted by attempt, an interrupt then a success
    // not among them), each user's attempt, and the newest failure.
    let index = || LogIndex::scan(files, InputFormat::Auto).unwrap_or_else(|e| panic!("{f}: the index: {e}"));
    let users = ev.failed_users();
    assert_eq!(index().failed_users(), users, "{f}: the index lists other users");
    let place = |a: &signin_doctor::Attempt| (a.deciding().origin.file.to_string(), a.deciding().origin.record);
    for sel in std::iter::once(Selector::default()).chain(users.iter().map(|(u, _)| Selector::user(u.clone()))) {
        let whole = ev.select(&sel).map(|a| place(&a)).map_err(|e| e.to_string());
        let indexed = index().locate(&sel, Evidence::builder()).and_then(|l| l.evidence.select(&sel)).map(|a| place(&a)).map_err(|e| e.to_string());
        assert_eq!(indexed, whole, "{f}: {sel:?} picks another attempt through the index");
    }
    let mut indexed = 0;
    for a in &attempts {
        let r = one.iter().find(|r| r.correlation_id.as_deref() == a.correlation_id() && r.id == a.deciding().id).unwrap_or_else(|| panic!("{}: triage has no result for {:?}", f, a.correlation_id()));
        assert_eq!(r.record, format!("{}#{}", a.deciding().origin.file, a.deciding().origin.record), "{}: the drivers number records differently", f);
        let facts = Facts::derive(a, &ev, None);
        // The index that finds one caller in a large log derives the same facts.
        let sel = match (a.correlation_id(), &a.deciding().id) {
            (Some(c), _) => Some(Selector::correlation_id(c.to_string())),
            (None, Some(id)) => Some(Selector::id(id.clone())),
            (None, None) => None,
        };
        if let Some(sel) = sel {
            let located = LogIndex::scan(files, InputFormat::Auto).and_then(|ix| ix.locate(&sel, Evidence::builder())).unwrap_or_else(|e| panic!("{f}: the index: {e}"));
            let again = located.evidence.select(&sel).unwrap_or_else(|e| panic!("{f}: {e}"));
            let diff = differences(&facts, &located.facts(&again, None));
            assert!(diff.is_empty(), "{}: {:?}: the index derived different facts:\n{}", f, a.correlation_id(), diff.join("\n"));
            indexed += 1;
        }
        let (diagnosis, facts) = unattended(rules, Session::new(rules, facts, a));
        assert_eq!(r.diagnosis.id, diagnosis, "{}: {:?}", f, r.correlation_id);
        let diff = differences(&facts, r.facts.as_ref().unwrap());
        assert!(diff.is_empty(), "{}: {:?}: the drivers derived different facts:\n{}", f, r.correlation_id, diff.join("\n"));
    }
    assert!(indexed * 2 >= attempts.len(), "{f}: only {indexed} of {} attempts could be found by id", attempts.len());
    attempts.len()
}

/// Every sign-in sample no one here wrote.
#[test]
fn every_public_sample_is_read_alike_by_both_drivers() {
    let rules = Rules::embedded().unwrap();
    let mut files = Vec::new();
    files_under(Path::new("../shared/data/entra-samples"), &mut files);
    files.sort();
    let compared: usize = files.iter().map(|f| compare_file(&rules, f)).sum();
    assert!(compared >= 8, "only {compared} failed attempts compared over {} files", files.len());
}

/// Every fixture: the formats (BOM, envelopes, wrappers, Log Analytics rows,
/// CSV exports) and the scenario logs, each read alone.
#[test]
fn every_fixture_is_read_alike_by_both_drivers() {
    let rules = Rules::embedded().unwrap();
    let mut files = Vec::new();
    files_under(Path::new("tests/fixtures"), &mut files);
    files_under(Path::new("examples"), &mut files);
    files.sort();
    let compared: usize = files.iter().map(|f| compare_file(&rules, f)).sum();
    assert!(compared > 100, "only {compared} failed attempts compared over {} files", files.len());
}

/// Shapes at the edges of the formats: both drivers read them alike, or
/// both refuse them.
#[test]
fn edge_shapes_are_read_alike_or_refused_alike() {
    let rules = Rules::embedded().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let rec = |id: &str, corr: &str, code: i64| {
        format!(
            r#"{{"id":"{id}","createdDateTime":"2024-05-01T09:00:0{}Z","correlationId":"{corr}","userPrincipalName":"ana@contoso.com","ipAddress":"203.0.113.9","status":{{"errorCode":{code}}}}}"#,
            id.len() % 10
        )
    };
    let (a, b, c) = (rec("a", "c1", 50126), rec("bb", "c2", 500121), rec("ccc", "c2", 0));
    let env = |r: &str, cat: &str| format!(r#"{{"time":"2024-05-01T09:00:00Z","category":"{cat}","operationName":"Sign-in activity","properties":{r}}}"#);
    let audit = r#"{"id":"x","activityDisplayName":"User registered security info","activityDateTime":"2024-05-01T08:00:00Z"}"#;
    let shapes: Vec<(&str, String)> = vec![
        ("bom-jsonl", format!("\u{feff}{a}\n{b}\n{c}\n")),
        ("bom-array", format!("\u{feff}[{a},{b},{c}]")),
        ("crlf-jsonl", format!("{a}\r\n{b}\r\n{c}\r\n")),
        ("array-lines", format!("[\n{a},\n{b},\n{c}\n]\n")),
        ("array-trailing-comma", format!("[\n{a},\n{b},\n]\n")),
        ("page", format!(r#"{{"@odata.context":"x","value":[{a},{b},{c}],"@odata.nextLink":"y"}}"#)),
        ("pretty-page", format!("{{\n  \"value\": [\n    {a},\n    {b}\n  ]\n}}")),
        ("azure-monitor-mixed", format!(r#"{{"records":[{},{},{}]}}"#, env(&a, "SignInLogs"), env(audit, "AuditLogs"), env(&b, "NonInteractiveUserSignInLogs"))),
        ("azure-monitor-jsonl", format!("{}\n{}\n", env(&a, "SignInLogs"), env(&b, "SignInLogs"))),
        ("concatenated-blobs", format!("{{\"records\":[{}]}}\n{{\"records\":[{}]}}\n", env(&a, "SignInLogs"), env(&b, "SignInLogs"))),
        ("wrapped", format!("{{\"p_log_type\":\"Azure.SignIn\",\"log\":{a}}}\n{{\"log\":{b}}}\n")),
        ("empty-lines", format!("\n\n{a}\n\n{b}\n\n")),
        ("no-final-newline", format!("{a}\n{b}")),
        ("audit-in-signins", format!("{a}\n{audit}\n")),
        ("truncated", format!("{a}\n{}", &b[..b.len() / 2])),
        ("not-json", "hello world\n".to_string()),
        ("numbers", "[1, 2]".to_string()),
        ("bracket-on-last-record-line", format!("[\n{a},\n{b}]\n")),
        ("leading-commas", format!("[\n{a}\n,{b}\n]\n")),
        ("two-arrays", format!("[\n{a}\n]\n[\n{b}\n]\n")),
        ("lines-then-pretty", format!("{a}\n{{\"id\":\"p\",\n \"status\":{{\"errorCode\":50126}}}}\n")),
        ("cut-short-lines", format!("{a}\n{b}\n{{\"id\":")),
        ("numeric-texts", r#"{"id":12345,"createdDateTime":"2024-05-01T09:00:00Z","correlationId":"n1","userPrincipalName":12,"status":{"errorCode":50126}}"#.to_string()),
        // No error code is unknown, not success: both drivers diagnose it.
        ("null-error-code", format!("{a}\n{}\n", r#"{"id":"n","createdDateTime":"2024-05-01T09:00:09Z","correlationId":"cn","userPrincipalName":"bob@contoso.com","status":{"errorCode":null}}"#)),
        ("no-status", r#"{"id":"s","createdDateTime":"2024-05-01T09:00:09Z","correlationId":"cs","userPrincipalName":"bob@contoso.com","ipAddress":"203.0.113.9"}"#.to_string()),
        ("id-equals-another-correlation-id", format!("{a}\n{}\n", r#"{"id":"c1","createdDateTime":"2024-05-01T09:00:05Z","userPrincipalName":"bob@contoso.com","status":{"errorCode":50053}}"#)),
    ];
    let mut report = Vec::new();
    let csv = std::fs::read_to_string("tests/fixtures/csv/portal-signins.csv").unwrap();
    let la = std::fs::read_to_string("tests/fixtures/csv/la-signinlogs.csv").unwrap();
    let shapes: Vec<(&str, String)> = shapes.into_iter().chain([("bom-portal-csv", format!("\u{feff}{csv}")), ("crlf-la-csv", la.replace('\n', "\r\n"))]).collect();
    for (name, text) in &shapes {
        let f = tmp.path().join(format!("{name}.{}", if name.contains("csv") { "csv" } else { "json" }));
        std::fs::write(&f, text).unwrap();
        let diagnose = Evidence::builder().signins_file(&f).map(|b| b.build());
        let mut opts = Options::default();
        opts.strict = true;
        let triage = triage::run(&rules, std::slice::from_ref(&f), &Evidence::builder().build(), None, &opts, &NoProgress, &mut |_| Ok(()));
        match (&diagnose, &triage) {
            (Ok(_), Ok(_)) => {
                compare_file(&rules, &f);
            }
            (Err(_), Err(_)) => {}
            (d, t) => report.push(format!("{name}: diagnose {:?}, triage {:?}", d.as_ref().map(|_| "reads it").map_err(|e| e.to_string()), t.as_ref().map(|s| s.records).map_err(|e| e.to_string()))),
        }
    }
    assert!(report.is_empty(), "the drivers disagree:\n{}", report.join("\n"));
}

/// The admin center's sign-in CSV with its authentication-details CSV:
/// joined on Request ID alike, streamed by triage without a copy.
#[test]
fn a_csv_export_with_its_authentication_details_is_read_alike() {
    let rules = Rules::embedded().unwrap();
    let files = [PathBuf::from("tests/fixtures/csv/portal-signins.csv"), PathBuf::from("tests/fixtures/csv/portal-authdetails.csv")];
    assert!(compare_files(&rules, &files) > 0);
    let reversed = [files[1].clone(), files[0].clone()];
    assert!(compare_files(&rules, &reversed) > 0, "the order of the two files does not matter");
}

/// One correlation id shared by thousands of failed records: both drivers
/// keep the latest `Attempt::MAX_RECORDS`, reach the same diagnosis, and
/// triage says how many it left out.
#[test]
fn an_attempt_of_thousands_of_records_keeps_its_latest_in_both_drivers() {
    let rules = Rules::embedded().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("shared.jsonl");
    let n = 3000;
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!(
            r#"{{"id":"r{i}","createdDateTime":"2024-05-01T{:02}:{:02}:{:02}Z","correlationId":"same","userPrincipalName":"ana@contoso.com","ipAddress":"203.0.113.9","status":{{"errorCode":50126}}}}"#,
            9 + i / 3600,
            (i / 60) % 60,
            i % 60
        ));
        text.push('\n');
    }
    std::fs::write(&f, text).unwrap();
    let ev = Evidence::builder().signins_file(&f).unwrap().build();
    let attempt = ev.select(&Default::default()).unwrap();
    assert_eq!(attempt.records().len(), signin_doctor::Attempt::MAX_RECORDS);
    assert_eq!(attempt.records_dropped(), n - signin_doctor::Attempt::MAX_RECORDS);
    assert_eq!(attempt.records()[0].id.as_deref(), Some("r2900"), "the latest are kept");
    let results = triage_all(&rules, std::slice::from_ref(&f), &Evidence::builder().build(), None, 2);
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].records_dropped, n - signin_doctor::Attempt::MAX_RECORDS);
    assert_eq!(compare_file(&rules, &f), 1);
    // The id of a record left out says why it is not found.
    let e = ev.select(&signin_doctor::Selector::new(Some("r5".into()), None, None)).unwrap_err();
    assert!(e.to_string().contains("older than the last 100 records of its attempt"), "{e}");
}
