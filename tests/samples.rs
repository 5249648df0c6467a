//! Every public sample log in ../shared/data/entra-samples reads, as what it is.
//! (CI clones the repository with shared/ beside it; elsewhere, set
//! SIGNIN_DOCTOR_SAMPLES to the samples folder, or the test says it skipped.)

use signin_doctor::{ErrorKind, Evidence};
use std::path::PathBuf;

fn samples() -> Option<PathBuf> {
    let dir = std::env::var_os("SIGNIN_DOCTOR_SAMPLES").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/entra-samples"));
    if dir.is_dir() {
        Some(dir)
    } else if std::env::var_os("CI").is_some() {
        panic!("CI must have the sample logs at {}", dir.display());
    } else {
        eprintln!("skipped: no sample logs at {}", dir.display());
        None
    }
}

/// (file, sign-in records, audit records) as each file holds them.
const EXPECTED: &[(&str, usize, usize)] = &[
    ("MicrosoftDocs+azure-docs/azure-monitor_auditlogs_schema_examples.json", 0, 3),
    ("MicrosoftDocs+entra-docs/azure-monitor_signinlogs_example_50140.json", 1, 0),
    ("MicrosoftDocs+entra-docs/portal_download_signin_sample_repaired.json", 1, 0),
    ("OTRF+Security-Datasets/GoldenSAMLADFSMailAccess_AADAuditEvents.json", 0, 4),
    ("microsoft+msticpy/aad_logons_SigninLogs.jsonl", 86, 0),
    ("microsoftgraph+microsoft-graph-docs-contrib/beta_signin-list_2020_example1_fido2_mfa_claim.json", 1, 0),
    ("microsoftgraph+microsoft-graph-docs-contrib/beta_signin-list_example1_50126_invalid_password.json", 1, 0),
    ("microsoftgraph+microsoft-graph-docs-contrib/v1.0_directoryaudit-list_examples.json", 0, 2),
    ("panther-labs+panther-analysis/azure_signin_rule_test_events.jsonl", 26, 21),
];

#[test]
fn every_sample_reads_as_what_it_is() {
    let Some(dir) = samples() else { return };
    for (file, signins, audits) in EXPECTED {
        let path = dir.join(file);
        let s = Evidence::builder().signins_file(&path);
        match (s, *signins) {
            (Ok(b), n) => assert_eq!(b.build().signins().len(), n, "{file}: sign-in records"),
            (Err(e), 0) => assert!(matches!(e.kind(), ErrorKind::NotALog | ErrorKind::Empty), "{file}: {e}"),
            (Err(e), _) => panic!("{file}: {e}"),
        }
        let a = Evidence::builder().audit_file(&path);
        match (a, *audits) {
            (Ok(b), n) => assert_eq!(b.build().audit().len(), n, "{file}: audit records"),
            (Err(e), 0) => assert!(matches!(e.kind(), ErrorKind::NotALog | ErrorKind::Empty), "{file}: {e}"),
            (Err(e), _) => panic!("{file}: {e}"),
        }
    }
    let listed: Vec<&str> = EXPECTED.iter().map(|(f, _, _)| *f).collect();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let sub = entry.unwrap().path();
        if sub.is_dir() {
            for f in std::fs::read_dir(&sub).unwrap() {
                let f = f.unwrap().path();
                let rel = format!("{}/{}", sub.file_name().unwrap().to_string_lossy(), f.file_name().unwrap().to_string_lossy());
                assert!(listed.contains(&rel.as_str()), "a new sample {rel} has no expectation here");
            }
        }
    }
}

#[test]
fn graph_samples_keep_their_fields() {
    let Some(dir) = samples() else { return };
    let ev = Evidence::builder().signins_file(dir.join("microsoftgraph+microsoft-graph-docs-contrib/beta_signin-list_example1_50126_invalid_password.json")).unwrap().build();
    let s = &ev.signins()[0];
    assert_eq!(s.error_code(), Some(50126));
    assert_eq!(s.country(), Some("US"));
    assert_eq!(s.authentication_details.as_ref().unwrap()[0].succeeded, Some(false));
    // Log Analytics: ResultType as text, AuthenticationDetails as JSON text, Status as an object.
    let la = Evidence::builder().signins_file(dir.join("microsoft+msticpy/aad_logons_SigninLogs.jsonl")).unwrap().build();
    let failures: Vec<_> = la.signins().iter().filter(|s| s.is_failure()).collect();
    assert_eq!(failures.len(), 2);
    assert!(failures.iter().all(|s| s.error_code() == Some(90072)));
    assert!(la.signins().iter().any(|s| s.additional_details() == Some("MFA requirement satisfied by claim in the token")));
    // Azure Monitor: the 50140 record lives in properties.
    let am = Evidence::builder().signins_file(dir.join("MicrosoftDocs+entra-docs/azure-monitor_signinlogs_example_50140.json")).unwrap().build();
    assert_eq!(am.signins()[0].error_code(), Some(50140));
    // The oldest audit schema: the activity comes from the envelope.
    let old = Evidence::builder().audit_file(dir.join("MicrosoftDocs+azure-docs/azure-monitor_auditlogs_schema_examples.json")).unwrap().build();
    assert_eq!(old.audit()[0].activity.as_deref(), Some("Change password (self-service)"));
}

#[test]
fn triage_reads_every_sign_in_sample_as_the_full_reader_does() {
    use signin_doctor::triage::{run, NoProgress, Options};
    let Some(dir) = samples() else { return };
    let rules = signin_doctor::Rules::embedded().unwrap();
    let audit = Evidence::builder().build();
    for (file, signins, audits) in EXPECTED.iter().filter(|(_, s, _)| *s > 0) {
        let path = dir.join(file);
        let full = Evidence::builder().signins_file(&path).unwrap().build();
        let mut failed = 0;
        let summary = run(&rules, &[path], &audit, None, &Options::default(), &NoProgress, &mut |_| {
            failed += 1;
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!((summary.records, summary.bad_records), (*signins, 0), "{file}: sign-ins read, and none bad: {:?}", summary.bad);
        // Azure Monitor audit records in a sign-in stream are skipped, not bad.
        assert_eq!(summary.skipped, *audits, "{file}: records of other categories");
        assert_eq!(failed, full.attempts().iter().filter(|a| a.deciding().is_failure()).count(), "{file}: failed attempts");
    }
}
