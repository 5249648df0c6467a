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
/// `NAME.audit.json` beside it.
///
/// The case must give what the whole log gives: when the attempt's own
/// records do not (a spray or an outage shows only across users), the
/// case keeps every record of the log, up to [`WHOLE_LOG_MAX`].
///
/// With `redact`, user names and ids, display names of people and devices,
/// device ids, addresses outside the organisation's trusted ranges,
/// places and phone numbers are replaced everywhere (records, audit events,
/// free text, the settings' account lists) by stand-ins, the same value by
/// the same stand-in; the case is refused if that would change its outcome.
pub fn case_from_log(rules: &Rules, evidence: &Evidence, selector: &Selector, org: Option<&OrgSettings>, answers: &BTreeMap<String, String>, name: &str, redact: bool) -> Result<NewCase> {
    let attempt = evidence.select(selector)?;
    let d = attempt.deciding();
    let original = original_outcome(rules, evidence, selector, org, answers)?;
    let audit = to_json(&evidence.audit_for(d.user_id.as_deref(), d.user_principal_name.as_deref()))?;
    let mut parts = Parts { signins: to_json(&attempt.records())?, audit, org: org.map(to_json).transpose()?, select: d.id.clone() };
    let mut made = parts.case(rules, name, answers)?;
    if made.1 != original {
        // The diagnosis rests on other records of the log: keep them all.
        if evidence.signins().len() > WHOLE_LOG_MAX {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("the attempt's own records give {}, the whole log {original}: the diagnosis rests on other records, and the log has more than {WHOLE_LOG_MAX}", made.1),
            )
            .hint("export the hours around the sign-in and make the case from that"));
        }
        parts.signins = to_json(&evidence.signins())?;
        made = parts.case(rules, name, answers)?;
    }
    if redact {
        let mut map = stand_ins(&[&parts.signins, &parts.audit], org);
        for v in [&mut parts.signins, &mut parts.audit] {
            replace(v, &map);
        }
        if let Some(o) = parts.org.as_mut() {
            redact_org(o, &mut map);
        }
        parts.select = parts.select.map(|id| map.get(&id).cloned().unwrap_or(id));
        made = parts.case(rules, name, answers)?;
    }
    let (mut case, outcome, path) = made;
    if outcome != original {
        let why = if redact { "redacting the records changes it" } else { "the records do not read back alike" };
        return Err(Error::new(ErrorKind::BadRecord, format!("the log gives {original}, the case would give {outcome}: {why}"))
            .hint("make the case without --redact and edit it by hand, or report the record that does not read back"));
    }
    case.expect = match outcome.strip_prefix("question ") {
        Some(q) => Expect { diagnosis: None, question: Some(q.to_string()), path: Some(path) },
        None => Expect { diagnosis: Some(outcome.clone()), question: None, path: Some(path) },
    };
    let time = d.created.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)).unwrap_or_default();
    let code = d.error_code().map(|c| c.to_string()).unwrap_or_else(|| "none".into());
    case.description = Some(format!("From a real log: error {code} at {time}{}; expected {outcome}", if redact { " (redacted)" } else { "" }));
    let has_audit = parts.audit.as_array().is_some_and(|a| !a.is_empty());
    case.signins = vec![Input::Path(format!("{name}.signins.json"))];
    case.audit = if has_audit { vec![Input::Path(format!("{name}.audit.json"))] } else { Vec::new() };
    let ron_text = write_ron(&case)?;
    // Read back as any case file is, it must give the same outcome.
    let mut again = Case::from_str(&case.path, &ron_text)?;
    again.signins = vec![Input::Json(pretty(&parts.signins))];
    again.audit = if has_audit { vec![Input::Json(pretty(&parts.audit))] } else { Vec::new() };
    let check = again.run(rules)?;
    if check.actual != outcome || !check.passed {
        return Err(Error::new(ErrorKind::Io, format!("internal: the written case reads back as {}, not {outcome}", check.actual)));
    }
    Ok(NewCase { case: ron_text, signins: pretty(&parts.signins) + "\n", audit: has_audit.then(|| pretty(&parts.audit) + "\n"), outcome })
}

/// The most records a case copies when the diagnosis rests on the whole log.
pub const WHOLE_LOG_MAX: usize = 10_000;

/// What a case is made of, as JSON, while it is made.
struct Parts {
    signins: Value,
    audit: Value,
    org: Option<Value>,
    select: Option<String>,
}

impl Parts {
    /// The case these parts make (inputs inline), its outcome and path.
    fn case(&self, rules: &Rules, name: &str, answers: &BTreeMap<String, String>) -> Result<(Case, String, Vec<String>)> {
        let org = match &self.org {
            Some(v) => Some(OrgSettings::from_json_value(format!("{name}.ron"), v.clone())?),
            None => None,
        };
        let has_audit = self.audit.as_array().is_some_and(|a| !a.is_empty());
        let case = Case {
            description: None,
            signins: vec![Input::Json(pretty(&self.signins))],
            audit: if has_audit { vec![Input::Json(pretty(&self.audit))] } else { Vec::new() },
            org: org.map(OrgInput::Settings),
            select: self.select.clone().map(|id| Select { id: Some(id), correlation_id: None, user: None }),
            answers: answers.clone(),
            expect: Expect { diagnosis: Some(String::new()), question: None, path: None },
            path: std::path::PathBuf::from(format!("{name}.ron")),
        };
        let run = case.run(rules)?;
        Ok((case, run.actual.clone(), run.path.clone()))
    }
}

fn to_json(v: &(impl serde::Serialize + ?Sized)) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| Error::new(ErrorKind::Io, format!("cannot write the records as JSON: {e}")))
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// The case as the case files in tests/cases are written: `Case(`, no
/// `Some(...)`, settings inline as `Settings(field: ...)`.
fn write_ron(case: &Case) -> Result<String> {
    let ext = ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES | ron::extensions::Extensions::IMPLICIT_SOME;
    let config = ron::ser::PrettyConfig::new().struct_names(false).depth_limit(3).extensions(ext);
    let body = ron::ser::to_string_pretty(case, config).map_err(|e| Error::new(ErrorKind::Io, format!("cannot write the case: {e}")))?;
    Ok(format!("// Made by `signin-doctor case new --from-log`.\n{}\n", body.replacen("\n(", "\nCase(", 1)))
}

/// The outcome of the original attempt, in the whole log, with the same answers.
fn original_outcome(rules: &Rules, evidence: &Evidence, selector: &Selector, org: Option<&OrgSettings>, answers: &BTreeMap<String, String>) -> Result<String> {
    let attempt = evidence.select(selector)?;
    let mut s = crate::walk::Session::new(rules, crate::facts::Facts::derive(&attempt, evidence, org), &attempt);
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

/// Keys whose string values name a person, a device, a place or an address.
const PERSONAL: [&str; 15] = [
    "userprincipalname",
    "userdisplayname",
    "userid",
    "ipaddress",
    "alternatesigninname",
    "signinidentifier",
    "homeaccountname",
    "devicename",
    "deviceid",
    "city",
    "state",
    "phonenumber",
    "authenticationmethoddetail",
    "authdetail",
    "mail",
];

/// What a personal value is, for its stand-in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Name,
    Place,
}

/// Stand-ins for every personal value in the records: the same value gets
/// the same stand-in everywhere. Addresses in the organisation's trusted
/// ranges are its own network's, kept (the diagnosis may rest on them).
fn stand_ins(values: &[&Value], org: Option<&OrgSettings>) -> BTreeMap<String, String> {
    let mut found: Vec<(String, Kind)> = Vec::new();
    for v in values {
        collect(v, "", &mut found);
    }
    let mut map = BTreeMap::new();
    let mut n = Counters::default();
    for (s, kind) in found {
        if s.trim().is_empty() || map.contains_key(&s) {
            continue;
        }
        if s.parse::<std::net::IpAddr>().is_ok() && org.and_then(|o| o.ip_trusted(&s)) == Some(true) {
            continue;
        }
        let with = n.next(&s, kind);
        map.insert(s, with);
    }
    map
}

#[derive(Default)]
struct Counters {
    users: usize,
    people: usize,
    places: usize,
    v4: usize,
    v6: usize,
    ids: usize,
    phones: usize,
}

impl Counters {
    fn next(&mut self, s: &str, kind: Kind) -> String {
        let is_guid = s.len() == 36 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        let is_phone = s.starts_with('+') && s.chars().filter(char::is_ascii_digit).count() >= 6;
        match s.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(_)) => {
                self.v4 += 1;
                format!("192.0.2.{}", self.v4 % 250 + 1)
            }
            Ok(std::net::IpAddr::V6(_)) => {
                self.v6 += 1;
                format!("2001:db8:ffff::{:x}", self.v6)
            }
            Err(_) if s.contains('@') => {
                self.users += 1;
                format!("user{}@example.com", self.users)
            }
            Err(_) if is_guid => {
                self.ids += 1;
                format!("00000000-0000-4000-8000-{:012x}", self.ids)
            }
            Err(_) if is_phone => {
                self.phones += 1;
                format!("+1 555 01{:02}", self.phones % 100)
            }
            Err(_) if kind == Kind::Place => {
                self.places += 1;
                format!("Place {}", self.places)
            }
            Err(_) => {
                self.people += 1;
                format!("Person {}", self.people)
            }
        }
    }
}

/// The personal values of a record: by their key anywhere, and a user's or
/// a device's `id` and `displayName` (an object that has a
/// `userPrincipalName`, or a `user` or `deviceDetail` object); not the
/// display names of policies, applications or properties.
fn collect(v: &Value, parent: &str, out: &mut Vec<(String, Kind)>) {
    match v {
        Value::Object(m) => {
            let person = m.keys().any(|k| k.eq_ignore_ascii_case("userPrincipalName")) || matches!(parent, "user" | "devicedetail" | "device");
            for (k, x) in m {
                let lk = k.to_ascii_lowercase();
                match x {
                    Value::String(s) if PERSONAL.contains(&lk.as_str()) || (person && (lk == "displayname" || lk == "id")) => {
                        out.push((s.clone(), if lk == "city" || lk == "state" { Kind::Place } else { Kind::Name }));
                    }
                    _ => collect(x, &lk, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect(x, parent, out)),
        _ => {}
    }
}

/// Replace every personal value wherever it is, whole or inside free text
/// (a failure reason may name the user).
fn replace(v: &mut Value, map: &BTreeMap<String, String>) {
    match v {
        Value::String(s) => {
            if let Some(w) = map.iter().find(|(k, _)| k.eq_ignore_ascii_case(s)).map(|(_, w)| w) {
                *s = w.clone();
                return;
            }
            for (k, w) in map.iter().filter(|(k, _)| k.chars().count() >= 4) {
                *s = replace_ignoring_case(s, k, w);
            }
        }
        Value::Object(m) => m.values_mut().for_each(|x| replace(x, map)),
        Value::Array(a) => a.iter_mut().for_each(|x| replace(x, map)),
        _ => {}
    }
}

/// `s` with every occurrence of `from` (any ASCII case) replaced by `to`.
fn replace_ignoring_case(s: &str, from: &str, to: &str) -> String {
    let (hay, needle) = (s.to_ascii_lowercase(), from.to_ascii_lowercase());
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for (i, _) in hay.match_indices(&needle) {
        if i < last {
            continue;
        }
        out.push_str(&s[last..i]);
        out.push_str(to);
        last = i + needle.len();
    }
    out.push_str(&s[last..]);
    out
}

/// The settings' account lists and name redacted alike: an account in no
/// record still gets a stand-in.
fn redact_org(org: &mut Value, map: &mut BTreeMap<String, String>) {
    let mut n = Counters { users: map.values().filter(|v| v.ends_with("@example.com")).count(), ids: map.values().filter(|v| v.starts_with("00000000-")).count(), ..Counters::default() };
    if let Some(o) = org.as_object_mut() {
        if o.get("organisation").is_some_and(Value::is_string) {
            o.insert("organisation".into(), Value::String("Example organisation".into()));
        }
        for list in ["break_glass_accounts", "pilot_group"] {
            for entry in o.get_mut(list).and_then(Value::as_array_mut).into_iter().flatten() {
                if let Value::String(s) = entry {
                    let with = match map.iter().find(|(k, _)| k.eq_ignore_ascii_case(s)) {
                        Some((_, w)) => w.clone(),
                        None => {
                            let w = n.next(s, Kind::Name);
                            map.insert(s.clone(), w.clone());
                            w
                        }
                    };
                    *s = with;
                }
            }
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
        let map = stand_ins(&[&v], None);
        assert_eq!(map["Alex@Contoso.com"], "user1@example.com");
        assert_eq!(map["198.51.100.7"], "192.0.2.2");
        assert!(map["Alex Wilber"].starts_with("Person ") && map["ALEX-LAPTOP"].starts_with("Person ") && map["Alex Wilber"] != map["ALEX-LAPTOP"]);
        assert!(map["2001:db8:1::5"].starts_with("2001:db8:ffff::"));
        let mut w = v.clone();
        replace(&mut w, &map);
        let text = w.to_string();
        for gone in ["Alex", "Contoso", "198.51.100.7", "ALEX-LAPTOP", "sam@contoso.com"] {
            // (free text naming the user is replaced too: see `replace`)
            assert!(!text.contains(gone), "{gone} in {text}");
        }
    }
}
