//! The fact catalog and the derivation agree in both directions: every fact
//! in the catalog is derived (known, or unknown with a reason) for every
//! attempt, and nothing is derived that the catalog does not list.

use signin_doctor::CATALOG;
use signin_doctor::{Evidence, Facts, OrgSettings};
use std::collections::BTreeSet;

fn derived(signins: &str, audit: Option<&str>, org: bool) -> Vec<BTreeSet<String>> {
    let mut b = Evidence::builder().signins_file(signins).unwrap();
    if let Some(a) = audit {
        b = b.audit_file(a).unwrap();
    }
    let ev = b.build();
    let org = org.then(|| OrgSettings::from_file(std::path::Path::new("examples/org.ron")).unwrap());
    ev.attempts().iter().map(|a| Facts::derive(a, &ev, org.as_ref()).iter().map(|(k, _)| k.to_string()).collect()).collect()
}

#[test]
fn every_catalog_fact_is_derived_and_every_derived_fact_is_in_the_catalog() {
    let catalog: BTreeSet<String> = CATALOG.iter().map(|f| f.name.to_string()).collect();
    assert_eq!(catalog.len(), CATALOG.len(), "a fact is listed twice");
    let inputs = [
        ("examples/stale-authenticator/signin.json", Some("examples/stale-authenticator/audit.json"), true),
        ("examples/stale-authenticator/signin.json", None, false),
        ("tests/fixtures/graph-v1/signin.json", None, true),
        ("tests/fixtures/expert/spray-password-right.json", None, true),
        ("tests/fixtures/expert/guest-mfa.json", Some("tests/fixtures/expert/empty-audit.json"), true),
        ("tests/fixtures/samples/aad_logons_SigninLogs.jsonl", None, false),
    ];
    for (signins, audit, org) in inputs {
        for names in derived(signins, audit, org) {
            let missing: Vec<&String> = catalog.difference(&names).collect();
            let extra: Vec<&String> = names.difference(&catalog).collect();
            assert!(missing.is_empty(), "{signins}: catalog facts never derived: {missing:?}");
            assert!(extra.is_empty(), "{signins}: derived facts the catalog does not list: {extra:?}");
        }
    }
}

/// Not keeping the audit events in full (as triage does) changes no fact:
/// every attempt of every fixture with an audit log, its facts derived
/// with the events kept and with only their index.
#[test]
fn an_audit_index_alone_gives_every_fact_the_full_events_give() -> Result<(), signin_doctor::Error> {
    let org = OrgSettings::from_file(std::path::Path::new("examples/org.ron"))?;
    let mut compared = 0;
    // A fixture's audit log beside its sign-ins: `audit.json` by
    // `signin.json`, or `NAME.audit.json` by `NAME.signin.json`.
    let mut pairs = Vec::new();
    for dir in std::fs::read_dir("tests/fixtures").into_iter().flatten().flatten().map(|e| e.path()).chain(["examples/stale-authenticator".into()]) {
        for f in std::fs::read_dir(&dir).into_iter().flatten().flatten().map(|e| e.path()) {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            if let Some(stem) = name.strip_suffix("audit.json") {
                let signins = dir.join(format!("{stem}signin.json"));
                if signins.exists() {
                    pairs.push((signins, f));
                }
            }
        }
    }
    pairs.sort();
    for (signins, audit) in pairs {
        let full = Evidence::builder().signins_file(&signins)?.audit_file(&audit)?.build();
        let lean = Evidence::builder().audit_index_only(true).signins_file(&signins)?.audit_file(&audit)?.build();
        assert!(lean.audit().is_empty() && lean.audit_len() == full.audit().len(), "{}", audit.display());
        for a in full.attempts() {
            for org in [None, Some(&org)] {
                assert_eq!(Facts::derive(&a, &full, org), Facts::derive(&a, &lean, org), "{}", audit.display());
                compared += 1;
            }
        }
    }
    assert!(compared >= 30, "only {compared} attempts compared");
    Ok(())
}
