//! `case new --from-log`: a case file made from a sign-in in a real export,
//! with the attempt's records and the user's audit events in files beside
//! it, the answers given, and the current outcome as its expectation.

use super::cases::{Case, Expect, Input, OrgInput, Select};
use crate::error::{Error, ErrorKind, Result};
use crate::facts::OrgSettings;
use crate::logs::{Evidence, Selector};
use crate::rules::Rules;
use serde_json::Value;
use std::collections::BTreeMap;

/// A new case: its RON text and the JSON files it reads.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct NewCase {
    /// The case file's text.
    pub case: String,
    /// The attempt's sign-in records (a JSON array), for `NAME.signins.json`.
    pub signins: String,
    /// The user's audit events (a JSON array), for `NAME.audit.json`, when there are any.
    pub audit: Option<String>,
    /// Where the walk ends: a diagnosis id, or `question ID`.
    pub outcome: String,
}

/// Make a case from the attempt `selector` picks in `evidence`: its records,
/// the audit events of its user, the organisation settings (inline), the
/// answers, and as expectation the outcome and path the rules give now.
/// `name` is the case's file stem: the case reads `NAME.signins.json` and
/// `NAME.audit.json` beside it. With `redact`, user names, display names,
/// addresses and device names are replaced everywhere (records, audit
/// events, settings) by stand-ins, consistently; the case is refused if
/// that would change its outcome.
pub fn case_from_log(rules: &Rules, evidence: &Evidence, selector: &Selector, org: Option<&OrgSettings>, answers: &BTreeMap<String, String>, name: &str, redact: bool) -> Result<NewCase> {
    let attempt = evidence.select(selector)?;
    let d = attempt.deciding();
    let json = |v: &dyn erased::Ser| v.value().map_err(|e| Error::new(ErrorKind::Io, format!("cannot write the records as JSON: {e}")));
    let mut signins = json(&attempt.records())?;
    let audit_events = evidence.audit_for(d.user_id.as_deref(), d.user_principal_name.as_deref());
    let mut audit = json(&audit_events)?;
    let mut org_value = match org {
        Some(o) => Some(json(o)?),
        None => None,
    };
    if redact {
        let map = stand_ins(&[&signins, &audit]);
        for v in [&mut signins, &mut audit].into_iter().chain(org_value.as_mut()) {
            replace(v, &map);
        }
    }
    let org: Option<OrgSettings> = match org_value {
        Some(v) => Some(serde_json::from_value(v).map_err(|e| Error::new(ErrorKind::BadOrg, format!("the settings do not survive redaction: {e}")))?),
        None => None,
    };
    let has_audit = audit.as_array().is_some_and(|a| !a.is_empty());
    let text = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
    let mut case = Case {
        description: None,
        signins: vec![Input::Json(text(&signins))],
        audit: if has_audit { vec![Input::Json(text(&audit))] } else { Vec::new() },
        org: org.map(OrgInput::Settings),
        select: d.id.clone().map(|id| Select { id: Some(id), correlation_id: None, user: None }),
        answers: answers.clone(),
        expect: Expect { diagnosis: Some(String::new()), question: None, path: None },
        path: std::path::PathBuf::from(format!("{name}.ron")),
    };
    // The outcome the rules give now, from the case as it will be read.
    let run = case.run(rules)?;
    let outcome = run.actual.clone();
    let original = original_outcome(rules, evidence, selector, org_for_check(&case), answers)?;
    if redact && original != outcome {
        return Err(Error::new(ErrorKind::BadRecord, format!("redacting the records changes the outcome ({original}, redacted: {outcome})"))
            .hint("a name or address the rules compare (a break-glass account, a trusted range) was replaced: make the case without --redact and edit it by hand"));
    }
    case.expect = match outcome.strip_prefix("question ") {
        Some(q) => Expect { diagnosis: None, question: Some(q.to_string()), path: Some(run.path.clone()) },
        None => Expect { diagnosis: Some(outcome.clone()), question: None, path: Some(run.path.clone()) },
    };
    let time = d.created.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)).unwrap_or_default();
    let code = d.error_code().map(|c| c.to_string()).unwrap_or_else(|| "none".into());
    case.description = Some(format!("From a real log: error {code} at {time}{}; expected {outcome}", if redact { " (redacted)" } else { "" }));
    case.signins = vec![Input::Path(format!("{name}.signins.json"))];
    case.audit = if has_audit { vec![Input::Path(format!("{name}.audit.json"))] } else { Vec::new() };
    // Written as the case files in tests/cases are: `Case(`, no `Some(...)`,
    // settings inline as `Settings(field: ...)`.
    let ext = ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES | ron::extensions::Extensions::IMPLICIT_SOME;
    let pretty = ron::ser::PrettyConfig::new().struct_names(false).depth_limit(3).extensions(ext);
    let body = ron::ser::to_string_pretty(&case, pretty).map_err(|e| Error::new(ErrorKind::Io, format!("cannot write the case: {e}")))?;
    let ron_text = format!("// Made by `signin-doctor case new --from-log`.\n{}\n", body.replacen("\n(", "\nCase(", 1));
    // Read back as any case file is, it must give the same outcome.
    let mut again = Case::from_str(&case.path, &ron_text)?;
    again.signins = vec![Input::Json(text(&signins))];
    again.audit = if has_audit { vec![Input::Json(text(&audit))] } else { Vec::new() };
    let check = again.run(rules)?;
    if check.actual != outcome || !check.passed {
        return Err(Error::new(ErrorKind::Io, format!("internal: the written case reads back as {}, not {outcome}", check.actual)));
    }
    Ok(NewCase { case: ron_text, signins: text(&signins) + "\n", audit: has_audit.then(|| text(&audit) + "\n"), outcome })
}

/// The settings the case carries, for walking the original records alike.
fn org_for_check(case: &Case) -> Option<OrgSettings> {
    match &case.org {
        Some(OrgInput::Settings(s)) => Some(s.clone()),
        _ => None,
    }
}

/// The outcome of the original (unredacted) attempt with the same answers.
fn original_outcome(rules: &Rules, evidence: &Evidence, selector: &Selector, org: Option<OrgSettings>, answers: &BTreeMap<String, String>) -> Result<String> {
    let attempt = evidence.select(selector)?;
    let mut s = crate::walk::Session::new(rules, crate::facts::Facts::derive(&attempt, evidence, org.as_ref()), &attempt);
    for (q, c) in answers {
        s.answer(rules, q, c)?;
    }
    let o = s.outcome(rules)?;
    Ok(match (o.diagnosis(), o.question()) {
        (Some(d), _) => d.id.clone(),
        (None, Some(q)) => format!("question {}", q.id),
        (None, None) => String::new(),
    })
}

/// Keys whose values name a person, a device or an address.
const PERSONAL: [&str; 8] = ["userprincipalname", "userdisplayname", "displayname", "ipaddress", "alternatesigninname", "signinidentifier", "homeaccountname", "devicename"];

/// Stand-ins for every personal value in the records: the same value gets
/// the same stand-in everywhere.
fn stand_ins(values: &[&Value]) -> BTreeMap<String, String> {
    let mut found: Vec<String> = Vec::new();
    for v in values {
        collect(v, &mut found);
    }
    let mut map = BTreeMap::new();
    let (mut users, mut people, mut v4, mut v6) = (0, 0, 0, 0);
    for s in found {
        if map.contains_key(&s) || s.is_empty() {
            continue;
        }
        let with = match s.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(_)) => {
                v4 += 1;
                format!("203.0.113.{}", v4 % 250 + 1)
            }
            Ok(std::net::IpAddr::V6(_)) => {
                v6 += 1;
                format!("2001:db8::{v6:x}")
            }
            Err(_) if s.contains('@') => {
                users += 1;
                format!("user{users}@example.com")
            }
            Err(_) => {
                people += 1;
                format!("Person {people}")
            }
        };
        map.insert(s, with);
    }
    map
}

fn collect(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match x {
                    Value::String(s) if PERSONAL.contains(&k.to_ascii_lowercase().as_str()) => out.push(s.clone()),
                    _ => collect(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
        _ => {}
    }
}

/// Replace every string equal to a personal value, wherever it is (an
/// audit event's target names the user too).
fn replace(v: &mut Value, map: &BTreeMap<String, String>) {
    match v {
        Value::String(s) => {
            if let Some(w) = map.get(s.as_str()).or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(s)).map(|(_, w)| w)) {
                *s = w.clone();
            }
        }
        Value::Object(m) => m.values_mut().for_each(|x| replace(x, map)),
        Value::Array(a) => a.iter_mut().for_each(|x| replace(x, map)),
        _ => {}
    }
}

/// Serialising the records and the settings through one helper.
mod erased {
    pub trait Ser {
        fn value(&self) -> serde_json::Result<serde_json::Value>;
    }
    impl<T: serde::Serialize + ?Sized> Ser for T {
        fn value(&self) -> serde_json::Result<serde_json::Value> {
            serde_json::to_value(self)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stand_ins_are_consistent_and_of_the_right_kind() {
        let v = serde_json::json!([{"userPrincipalName": "Alex@Contoso.com", "ipAddress": "198.51.100.7", "userDisplayName": "Alex Wilber", "deviceDetail": {"displayName": "ALEX-LAPTOP"}},
                                   {"userPrincipalName": "Alex@Contoso.com", "ipAddress": "2001:db8:1::5", "targetResources": [{"userPrincipalName": "sam@contoso.com"}]}]);
        let map = stand_ins(&[&v]);
        assert_eq!(map["Alex@Contoso.com"], "user1@example.com");
        assert_eq!(map["198.51.100.7"], "203.0.113.2");
        assert_eq!(map["Alex Wilber"], "Person 1");
        assert!(map["2001:db8:1::5"].starts_with("2001:db8::"));
        let mut w = v.clone();
        replace(&mut w, &map);
        let text = w.to_string();
        for gone in ["Alex", "Contoso", "198.51.100.7", "ALEX-LAPTOP", "sam@contoso.com"] {
            assert!(!text.contains(gone), "{gone} in {text}");
        }
    }
}
