use super::AuditIndex;
use crate::error::Result;
use crate::logs::{AuditEvent, Evidence};
use std::path::{Path, PathBuf};

fn index_of(events: &[AuditEvent]) -> AuditIndex {
    let mut index = AuditIndex::default();
    for e in events {
        index.push(e);
    }
    index.finish();
    index
}

/// The label the facts gave a full event before the index: `file#N (id)`.
fn old_label(e: &AuditEvent) -> String {
    let file = e.origin.file.rsplit(['/', '\\']).next().unwrap_or_default();
    match e.id.as_deref().filter(|i| !i.is_empty()) {
        Some(id) => format!("{file}#{} ({id})", e.origin.record),
        None => format!("{file}#{}", e.origin.record),
    }
}

/// The names a test asks about: every user's id and UPN an event names (as
/// target or initiator), alone, together, in other cases, and a stranger.
fn names(events: &[AuditEvent]) -> Vec<(Option<String>, Option<String>)> {
    let mut out = vec![(Some("00000000-0000-0000-0000-000000000000".to_string()), Some("nobody@example.com".to_string()))];
    for e in events {
        let targets = e.target_resources.iter().flatten().map(|t| (t.id.as_deref(), t.user_principal_name.as_deref()));
        let initiator = e.initiated_by.as_ref().and_then(|i| i.user.as_ref()).map(|u| (u.id.as_deref(), u.user_principal_name.as_deref()));
        for (id, upn) in targets.chain(initiator) {
            let (id, upn) = (id.filter(|s| !s.is_empty()).map(String::from), upn.filter(|s| !s.is_empty()).map(String::from));
            out.extend([(id.clone(), None), (None, upn.clone()), (id.clone(), upn.clone())]);
            out.push((id.map(|s| s.to_ascii_uppercase()), upn.map(|s| s.to_ascii_uppercase())));
        }
    }
    out.retain(|(a, b)| a.is_some() || b.is_some());
    out.sort();
    out.dedup();
    out
}

/// The kinds of an activity as the facts told them apart before the index,
/// from the full event's text.
fn old_kinds(e: &AuditEvent) -> u8 {
    use crate::logs::activities::*;
    let x = e.activity.as_deref().unwrap_or_default();
    let is_in = |list: &[&str]| list.iter().any(|l| l.eq_ignore_ascii_case(x.trim()));
    let flag = |yes: bool, k: u8| if yes { k } else { 0 };
    flag(is_in(REGISTER_ACTIVITIES), REGISTER)
        | flag(is_in(CHANGE_ACTIVITIES) || (x.eq_ignore_ascii_case("update user") && e.modified_property_names().any(|p| p.starts_with("StrongAuthentication"))), CHANGE)
        | flag(x.eq_ignore_ascii_case("user started security info registration") || x.eq_ignore_ascii_case("user canceled security info registration"), STARTED)
        | flag(x.to_ascii_lowercase().starts_with("fraud reported") || x.eq_ignore_ascii_case("suspicious activity reported"), FRAUD)
        | flag(x.eq_ignore_ascii_case("disable account"), DISABLE)
        | flag(x.eq_ignore_ascii_case("enable account"), ENABLE)
        | flag(is_in(PASSWORD_ACTIVITIES), PASSWORD)
}

/// Every entry says what its event says, and every user's events are the
/// ones `concerns` accepts, as the facts read them before the index.
fn check_against_events(what: &str, events: &[AuditEvent]) -> usize {
    let index = index_of(events);
    assert_eq!(index.len(), events.len(), "{what}");
    let entries: Vec<&super::AuditEntry> = index.entries.iter().collect();
    for (e, a) in events.iter().zip(&entries) {
        assert_eq!(a.time, e.time, "{what}");
        assert_eq!(a.succeeded(), e.result.as_deref().is_none_or(|r| r.eq_ignore_ascii_case("success") || r == "0"), "{what}");
        assert_eq!(a.kinds, old_kinds(e), "{what}: {:?}", e.activity);
        if a.kinds == 0 {
            // Only counted: nothing else is kept.
            assert!(a.detail.is_none() && &*index.label(a) == "audit log", "{what}");
            continue;
        }
        assert_eq!((a.activity(), a.result_reason()), (e.activity.as_deref().unwrap_or_default(), e.result_reason.as_deref()), "{what}");
        assert_eq!((a.initiator_name(), a.initiator_ip()), (e.initiator_name(), e.initiator_ip()), "{what}");
        assert_eq!(a.initiated_by_user(), e.initiated_by.as_ref().and_then(|i| i.user.as_ref()).is_some(), "{what}");
        assert_eq!(&*index.label(a), old_label(e), "{what}");
    }
    let names = names(events);
    for (id, upn) in &names {
        let (id, upn) = (id.as_deref(), upn.as_deref());
        let want: Vec<u32> = events.iter().enumerate().filter(|(_, e)| e.concerns(id, upn)).map(|(i, _)| i as u32).collect();
        assert_eq!(index.numbers_for(id, upn), want, "{what}: {id:?} {upn:?}");
        for (e, a) in events.iter().zip(&entries).filter(|(_, a)| a.kinds != 0) {
            assert_eq!(a.is_self_service(id, upn), e.is_self_service(id, upn), "{what}: {id:?} {upn:?}");
        }
    }
    names.len()
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            files_under(&p, out);
        } else if p.extension().is_some_and(|x| x == "json" || x == "jsonl" || x == "csv") {
            out.push(p);
        }
    }
}

/// Every audit log the project has (fixtures of every shape and scenario,
/// the examples, and the public samples no one here wrote): the index
/// gives the facts what the full events gave them.
#[test]
fn every_audit_log_is_indexed_as_its_events_say() -> Result<()> {
    let mut files = Vec::new();
    for dir in ["tests/fixtures", "examples", "../shared/data/entra-samples"] {
        files_under(Path::new(dir), &mut files);
    }
    files.sort();
    let (mut logs, mut asked) = (0, 0);
    for f in &files {
        // Sign-in logs are refused as audit logs: only audit logs count.
        let Ok(ev) = Evidence::builder().skip_bad_records(true).audit_file(f) else { continue };
        let ev = ev.build();
        if ev.audit().is_empty() {
            continue;
        }
        logs += 1;
        asked += check_against_events(&f.display().to_string(), ev.audit());
    }
    assert!(logs >= 15 && asked >= 100, "only {logs} audit logs and {asked} names checked over {} files", files.len());
    Ok(())
}

/// The shapes at the edges: targets with no type or of another type,
/// several user targets, an app initiator, no targets at all, empty names.
#[test]
fn entries_say_what_the_events_say_at_the_edges() -> Result<()> {
    let text = r#"[{"id": "e1", "activityDisplayName": "User registered security info", "activityDateTime": "2026-11-02T09:00:00Z", "result": "success",
         "initiatedBy": {"user": {"id": "U1", "userPrincipalName": "ana@contoso.com", "ipAddress": "203.0.113.5"}},
         "targetResources": [{"id": "u1", "userPrincipalName": "Ana@Contoso.com", "modifiedProperties": [{"displayName": "StrongAuthenticationMethod"}]}]},
        {"id": "e2", "activityDisplayName": "Reset password (by admin)", "activityDateTime": "2026-11-03T09:00:00Z",
         "initiatedBy": {"user": {"id": "admin1", "userPrincipalName": "admin@contoso.com", "ipAddress": ""}},
         "targetResources": [{"id": "u2", "type": "User", "userPrincipalName": "ben@contoso.com"}, {"id": "u4", "type": "user", "userPrincipalName": "dee@contoso.com"}, {"id": "g1", "type": "Group"}]},
        {"activityDisplayName": "Update policy", "initiatedBy": {"app": {"displayName": "Graph Explorer"}}, "targetResources": [{"id": "p1", "type": "Policy"}]},
        {"id": "e4", "activityDisplayName": "User started security info registration", "initiatedBy": {"user": {"id": "u3", "userPrincipalName": "cy@contoso.com"}}, "targetResources": []},
        {"id": "", "activityDisplayName": "Update user", "initiatedBy": {"user": {"id": "", "userPrincipalName": ""}}, "targetResources": [{"id": "", "type": "User", "userPrincipalName": "eve@contoso.com", "modifiedProperties": [{"displayName": "StrongAuthenticationPhoneAppDetail"}]}]},
        {"id": "e6", "activityDisplayName": "Update user", "targetResources": [{"id": "u1", "type": "User", "modifiedProperties": [{"displayName": "DisplayName"}]}]},
        {"id": "e7", "activityDisplayName": "Fraud reported - user is blocked for MFA", "result": "failure", "targetResources": [{"id": "u1", "type": "User"}]},
        {"id": "e8", "activityDisplayName": " Reset password (self-service) ", "targetResources": [{"id": "u1", "type": "User"}]},
        {"id": "e9", "activityDisplayName": "Add member to group", "result": "success", "targetResources": [{"id": "u1", "type": "User"}, {"id": "g1", "type": "Group"}]},
        {"id": "e10", "activityDisplayName": " Update user ", "targetResources": [{"id": "u1", "type": "User", "modifiedProperties": [{"displayName": "StrongAuthenticationMethod"}]}]},
        {"id": "e11", "activityDisplayName": "Disable account", "result": "Success", "targetResources": [{"id": "u1", "type": "User"}]},
        {"id": "e12", "activityDisplayName": " Disable account", "result": "0", "targetResources": [{"id": "u1", "type": "User"}]},
        {"id": "e13", "activityDisplayName": "enable ACCOUNT", "result": "failure", "targetResources": [{"id": "u1", "type": "User"}]}]"#;
    let events = crate::logs::read_text::<AuditEvent>(Path::new("dir/audit.json"), text)?;
    assert!(check_against_events("edges", &events) > 10);
    let index = index_of(&events);
    assert!(index.for_user(Some("p1"), None).is_empty(), "a policy target is not a user");
    assert!(index.for_user(Some(""), Some("")).is_empty(), "an empty name names no one");
    assert_eq!(index.numbers_for(Some("u4"), None), [1]);
    // Each kind told apart; an event of none only counted.
    use crate::logs::activities::*;
    let kinds: Vec<u8> = index.entries.iter().map(|a| a.kinds).collect();
    // (The facts never trimmed "update user" or "disable account"; they trim list names.)
    assert_eq!(kinds, [REGISTER | CHANGE, PASSWORD, 0, STARTED, CHANGE, 0, FRAUD, PASSWORD, 0, 0, DISABLE, 0, ENABLE]);
    assert!(index.entries.iter().map(|a| a.succeeded()).eq([true, true, true, true, true, true, false, true, true, true, true, true, false]));
    // An id is not a UPN: the same text as the other kind of name finds nothing.
    assert!(index.for_user(Some("ana@contoso.com"), Some("u1")).is_empty());
    Ok(())
}

#[test]
fn a_users_audit_events_are_found_whatever_the_case_of_their_name() -> Result<()> {
    let ev = Evidence::builder().audit_file("tests/fixtures/declined-unfamiliar-change/audit.json")?.build();
    let targets = ev.audit().iter().flat_map(|a| a.target_resources.iter().flatten());
    let name = targets.filter_map(|t| t.user_principal_name.as_deref()).map(String::from).next().unwrap_or_default();
    let found = ev.audit_for(None, Some(&name)).len();
    assert!(found > 0, "no events for {name}");
    for n in [name.to_ascii_uppercase(), name.to_ascii_lowercase()] {
        assert_eq!(ev.audit_for(None, Some(&n)).len(), found);
        assert_eq!(ev.audit_index().for_user(None, Some(&n)).len(), found);
    }
    assert!(ev.audit_for(None, Some("someone.else@contoso.com")).is_empty());
    Ok(())
}

/// Index-only switched on between two audit files: the events kept in full
/// are still found as themselves, those of the other file not at all.
#[test]
fn switching_to_index_only_between_files_keeps_the_kept_events_right() -> Result<()> {
    let (first, second) = ("tests/fixtures/declined-unfamiliar-change/audit.json", "tests/fixtures/recent-change/audit.json");
    let ev = Evidence::builder().audit_index_only(true).audit_file(first)?.audit_index_only(false).audit_file(second)?.build();
    let alone = Evidence::builder().audit_file(second)?.build();
    assert_eq!(ev.audit(), alone.audit());
    for e in alone.audit() {
        for t in e.target_resources.iter().flatten() {
            let (id, upn) = (t.id.as_deref(), t.user_principal_name.as_deref());
            assert_eq!(ev.audit_for(id, upn), alone.audit_for(id, upn), "{id:?} {upn:?}");
        }
    }
    assert!(ev.audit_len() > alone.audit_len());
    Ok(())
}
