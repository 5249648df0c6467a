//! The rollout report (the Validate step of an MFA rollout); the terminal
//! summary is in `summary_text`.

use crate::facts::FastSet;
use crate::facts::{is_legacy_client, History, OrgSettings};
use crate::logs::summary::Seen;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// The most break-glass sign-ins listed one by one (they are rare; past
/// this the check says how many more there were).
const LIST_CAP: usize = 100_000;
/// The most distinct values kept per user (client apps, systems, apps).
const VALUES_CAP: usize = 8;

/// Keep the `cap` earliest uses (by their order) once the list is twice
/// that: the earliest `cap` of a union are the earliest `cap` of its parts'
/// earliest, so which uses are listed never depends on how the records
/// reached the workers.
fn keep_earliest(v: &mut Vec<BreakGlassUse>, cap: usize) {
    if v.len() >= 2 * cap.max(1) {
        v.sort_unstable();
        v.truncate(cap);
    }
}

/// One break-glass sign-in. Ordered by its fields in turn (time first), so
/// the list reads the same whatever order the workers met them in.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct BreakGlassUse {
    time: String,
    user: String,
    ip: String,
    country: String,
    result: String,
    app: String,
}

/// A few distinct texts, sorted: the first `VALUES_CAP` in order, whatever
/// order they came in (so whatever the threads). Each is shared (interned
/// by the accumulator) and the list is sized to fit: thousands of users
/// with one or two client apps each take a few dozen bytes a user, where a
/// tree set took a node of some 300 bytes and a copy of each text.
#[derive(Debug, Clone, Default)]
struct Values(Vec<Arc<str>>);

impl Values {
    fn insert(&mut self, v: Arc<str>) {
        let Err(i) = self.0.binary_search(&v) else { return };
        if i >= VALUES_CAP {
            return;
        }
        // Full: the largest makes room, so the list never grows past its cap.
        if self.0.len() >= VALUES_CAP {
            self.0.pop();
        } else {
            self.0.reserve_exact(1);
        }
        self.0.insert(i, v);
    }
    fn join(&self) -> String {
        self.0.iter().map(|v| &**v).collect::<Vec<_>>().join("; ")
    }
}

/// One user a check lists: how many sign-ins, the last one, and what they used.
#[derive(Debug, Clone)]
struct Subject {
    count: usize,
    last: i64,
    /// e.g. the legacy client apps, or the apps signed in to with a password alone.
    what: Values,
    /// e.g. the device operating systems.
    on: Values,
    /// The Conditional Access policies that applied (single-factor successes).
    policies: Values,
}

impl Default for Subject {
    /// No sign-in yet: no last time (never 1970).
    fn default() -> Self {
        Subject { count: 0, last: i64::MIN, what: Values::default(), on: Values::default(), policies: Values::default() }
    }
}

impl Subject {
    fn see(&mut self, time: i64, what: Option<Arc<str>>, on: Option<Arc<str>>) {
        self.count += 1;
        self.last = self.last.max(time);
        for (set, v) in [(&mut self.what, what), (&mut self.on, on)] {
            if let Some(v) = v {
                set.insert(v);
            }
        }
    }
    fn merge(&mut self, o: Subject) {
        self.count += o.count;
        self.last = self.last.max(o.last);
        for (mine, theirs) in [(&mut self.what, o.what), (&mut self.on, o.on), (&mut self.policies, o.policies)] {
            for v in theirs.0 {
                mine.insert(v);
            }
        }
    }
}

/// The one shared copy of a value (an app, a client, a system, a policy
/// name: a few hundred distinct in a log), `None` for none or empty.
fn intern(pool: &mut FastSet<Arc<str>>, v: Option<&str>) -> Option<Arc<str>> {
    let v = v.filter(|v| !v.is_empty())?;
    if let Some(shared) = pool.get(v) {
        return Some(shared.clone());
    }
    let shared: Arc<str> = Arc::from(v);
    pool.insert(shared.clone());
    Some(shared)
}

/// When a user was last asked to register: the time, the code then, and
/// the name the history knows the user by (see `history_user`).
type Asked = (i64, i64, Box<str>);

/// Keep a user's latest ask: of one second the largest code, then name, so
/// the one kept does not depend on the order records (or workers) came in.
fn note_asked(m: &mut HashMap<String, Asked>, user: String, asked: Asked) {
    match m.entry(user) {
        std::collections::hash_map::Entry::Occupied(mut e) => {
            if asked > *e.get() {
                e.insert(asked);
            }
        }
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(asked);
        }
    }
}

/// Aggregates for the rollout checks, bounded by users and apps.
#[derive(Debug, Default)]
pub(crate) struct RolloutAcc {
    legacy: usize,
    legacy_users: HashMap<String, Subject>,
    legacy_clients: HashMap<String, usize>,
    legacy_devices: HashMap<String, usize>,
    break_glass: usize,
    break_glass_uses: Vec<BreakGlassUse>,
    single_factor: usize,
    single_factor_users: HashMap<String, Subject>,
    single_factor_apps: HashMap<String, usize>,
    /// Per user: when registration was last required.
    registration: HashMap<String, Asked>,
    /// The values users' lists share.
    values: FastSet<Arc<str>>,
}

/// Count one more of `k`, allocating its key only the first time.
fn bump(m: &mut HashMap<String, usize>, k: &str) {
    match m.get_mut(k) {
        Some(n) => *n += 1,
        None => {
            m.insert(k.to_string(), 1);
        }
    }
}

/// The Conditional Access policies that applied to a sign-in (results
/// other than `notApplied`, `reportOnlyNotApplied` and `notEnabled`), each
/// with its result unless it is `success` (a report-only policy that
/// would have asked for MFA shows as `reportOnlyFailure` or
/// `reportOnlyInterrupted`); `None` when the record does not say.
fn applied_policies(raw: Option<&serde_json::value::RawValue>) -> Option<Vec<String>> {
    let raw = raw?.get();
    let text: std::borrow::Cow<str> = if raw.starts_with('"') { std::borrow::Cow::Owned(serde_json::from_str::<String>(raw).ok()?) } else { std::borrow::Cow::Borrowed(raw) };
    if text.trim().is_empty() || text.trim() == "null" {
        return None;
    }
    let list: Vec<crate::logs::CaPolicy> = serde_json::from_str(&text).ok()?;
    Some(
        list.into_iter()
            .filter(|p| !p.result.as_deref().map(str::to_ascii_lowercase).is_some_and(|r| r.ends_with("notapplied") || r == "notenabled"))
            .map(|p| {
                // A policy without a name is still a policy that applied.
                let name = p.display_name.filter(|n| !n.trim().is_empty()).unwrap_or_else(|| "(unnamed policy)".into());
                match p.result.as_deref() {
                    Some(r) if !r.eq_ignore_ascii_case("success") => format!("{name} ({r})"),
                    _ => name,
                }
            })
            .collect(),
    )
}

/// A time as spreadsheets read a date and time: `2026-11-20 09:14:05` (UTC).
pub(crate) fn sheet_time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default()
}

impl RolloutAcc {
    pub(crate) fn add(&mut self, s: &Seen, org: Option<&OrgSettings>) {
        let user_of = || crate::logs::ascii_lowercase(s.upn.as_deref().or(s.user.as_deref()).unwrap_or("(unknown)"));
        let t = s.time.unwrap_or(i64::MIN);
        let legacy = s.client.as_deref().is_some_and(is_legacy_client);
        if legacy {
            self.legacy += 1;
            let u = user_of();
            if !self.legacy_users.contains_key(&*u) {
                self.legacy_users.insert(u.to_string(), Subject::default());
            }
            if let Some(sub) = self.legacy_users.get_mut(&*u) {
                sub.see(t, intern(&mut self.values, s.client.as_deref()), intern(&mut self.values, s.os.as_deref()));
            }
            bump(&mut self.legacy_clients, s.client.as_deref().unwrap_or(""));
            bump(&mut self.legacy_devices, s.os.as_deref().unwrap_or("(unknown)"));
        }
        let bg = org.is_some_and(|o| o.is_break_glass(s.user.as_deref(), s.upn.as_deref()));
        if bg {
            self.break_glass += 1;
            let time = s.time.map(sheet_time).unwrap_or_default();
            self.break_glass_uses.push(BreakGlassUse {
                time,
                user: user_of().into_owned(),
                ip: s.ip.as_deref().unwrap_or_default().to_string(),
                country: s.country.as_deref().unwrap_or_default().to_string(),
                result: match s.code {
                    Some(0) => "success".into(),
                    Some(c) => format!("error {c}"),
                    None => String::new(),
                },
                app: s.app.as_deref().unwrap_or_default().to_string(),
            });
            keep_earliest(&mut self.break_glass_uses, LIST_CAP);
        }
        if s.code == Some(0) && s.single_factor && s.interactive != Some(false) && !legacy && !bg {
            self.single_factor += 1;
            let u = user_of();
            let sub = self.single_factor_users.entry(u.into_owned()).or_default();
            sub.see(t, intern(&mut self.values, s.app.as_deref()), intern(&mut self.values, s.client.as_deref()));
            if let Some(names) = applied_policies(s.ca) {
                for n in if names.is_empty() { vec!["(none applied)".to_string()] } else { names } {
                    if let Some(n) = intern(&mut self.values, Some(&n)) {
                        sub.policies.insert(n);
                    }
                }
            }
            bump(&mut self.single_factor_apps, s.app.as_deref().unwrap_or("(unknown)"));
        }
        if let Some(code @ (50072 | 50079 | 53004 | 53010)) = s.code {
            // A record without a time still counts, as the earliest.
            let t = s.time.unwrap_or(0);
            let u = user_of();
            let known_as = crate::facts::history_user(s.user.as_deref(), s.upn.as_deref()).unwrap_or_default();
            note_asked(&mut self.registration, u.into_owned(), (t, code, known_as.into()));
        }
    }

    pub(crate) fn merge(&mut self, o: RolloutAcc) {
        self.legacy += o.legacy;
        for (k, v) in o.legacy_users {
            self.legacy_users.entry(k).or_default().merge(v);
        }
        for (k, v) in o.legacy_clients {
            *self.legacy_clients.entry(k).or_default() += v;
        }
        for (k, v) in o.legacy_devices {
            *self.legacy_devices.entry(k).or_default() += v;
        }
        self.break_glass += o.break_glass;
        self.break_glass_uses.extend(o.break_glass_uses);
        keep_earliest(&mut self.break_glass_uses, LIST_CAP);
        self.single_factor += o.single_factor;
        for (k, v) in o.single_factor_users {
            self.single_factor_users.entry(k).or_default().merge(v);
        }
        for (k, v) in o.single_factor_apps {
            *self.single_factor_apps.entry(k).or_default() += v;
        }
        for (k, asked) in o.registration {
            note_asked(&mut self.registration, k, asked);
        }
    }

    pub(crate) fn checks(&self, org: Option<&OrgSettings>, history: &History) -> Vec<RolloutCheck> {
        let top = |m: &HashMap<String, usize>, n: usize| -> Vec<Vec<String>> {
            let mut v: Vec<(&String, &usize)> = m.iter().collect();
            v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            v.into_iter().take(n).map(|(k, c)| vec![k.clone(), c.to_string()]).collect()
        };
        let mut out = Vec::new();
        // Users, the most sign-ins first: (user, sign-ins, last seen, what, on).
        let users = |m: &HashMap<String, Subject>| -> Vec<Vec<String>> {
            let mut v: Vec<(&String, &Subject)> = m.iter().collect();
            v.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
            v.into_iter().map(|(u, s)| vec![u.clone(), s.count.to_string(), sheet_time(s.last), s.what.join(), s.on.join()]).collect()
        };
        let clients = top(&self.legacy_clients, 5).into_iter().map(|r| format!("{} ({})", r[0], r[1])).collect::<Vec<_>>().join(", ");
        let devices = top(&self.legacy_devices, 5).into_iter().map(|r| format!("{} ({})", r[0], r[1])).collect::<Vec<_>>().join(", ");
        out.push(RolloutCheck {
            id: "legacy-authentication",
            title: "No legacy authentication",
            status: if self.legacy == 0 { Status::Pass } else { Status::Fail },
            count: self.legacy,
            detail: if self.legacy == 0 {
                "no sign-in used a legacy client".into()
            } else {
                format!("{} sign-ins used a legacy client, by {} users; clients: {clients}; devices: {devices}", self.legacy, self.legacy_users.len())
            },
            columns: vec!["user", "sign_ins", "last_seen_utc", "client_apps", "device_os"],
            rows: users(&self.legacy_users),
        });
        // In time order (workers meet records in no fixed order), then by
        // account and the rest of the row.
        let mut uses: Vec<&BreakGlassUse> = self.break_glass_uses.iter().collect();
        uses.sort();
        uses.truncate(LIST_CAP);
        let listed = uses.len();
        let bg_rows: Vec<Vec<String>> = uses.into_iter().map(|b| vec![b.user.clone(), b.time.clone(), b.ip.clone(), b.country.clone(), b.result.clone(), b.app.clone()]).collect();
        let configured = org.is_some_and(|o| !o.break_glass_accounts.is_empty());
        out.push(RolloutCheck {
            id: "break-glass",
            title: "Every break-glass sign-in accounted for",
            status: if !configured {
                Status::NotChecked
            } else if self.break_glass == 0 {
                Status::Pass
            } else {
                Status::Fail
            },
            count: self.break_glass,
            detail: if !configured {
                "no break-glass accounts are configured (--org)".into()
            } else if self.break_glass == 0 {
                "no sign-ins to the break-glass accounts".into()
            } else if self.break_glass > listed {
                format!("{} sign-ins to break-glass accounts (the first {listed} listed): confirm each was a planned test", self.break_glass)
            } else {
                format!("{} sign-ins to break-glass accounts: confirm each was a planned test", self.break_glass)
            },
            columns: vec!["account", "time_utc", "ip_address", "country", "result", "app"],
            rows: bg_rows,
        });
        let apps = top(&self.single_factor_apps, 5).into_iter().map(|r| format!("{} ({})", r[0], r[1])).collect::<Vec<_>>().join(", ");
        out.push(RolloutCheck {
            id: "single-factor",
            title: "No single-factor success where MFA should apply",
            status: if self.single_factor == 0 { Status::Pass } else { Status::Fail },
            count: self.single_factor,
            detail: if self.single_factor == 0 {
                "no interactive sign-in succeeded with a password alone".into()
            } else {
                format!("{} interactive sign-ins succeeded with a password alone (a policy gap), by {} users; apps: {apps}", self.single_factor, self.single_factor_users.len())
            },
            columns: vec!["user", "sign_ins", "last_seen_utc", "apps", "client_apps", "conditional_access_applied"],
            rows: {
                let mut rows = users(&self.single_factor_users);
                for r in &mut rows {
                    let policies = self.single_factor_users.get(&r[0]).map(|s| s.policies.join()).unwrap_or_default();
                    r.push(policies);
                }
                rows
            },
        });
        // The history knows a user by their id where records have one, not by the UPN listed.
        let mut stuck: Vec<(&String, &Asked)> = self.registration.iter().filter(|(_, (reg, _, known_as))| *reg != i64::MIN && history.last_mfa_ok(Some(known_as)).is_none_or(|ok| ok < *reg)).collect();
        stuck.sort_by(|a, b| a.0.cmp(b.0));
        out.push(RolloutCheck {
            id: "unable-to-register",
            title: "Every user able to register",
            status: if stuck.is_empty() { Status::Pass } else { Status::Fail },
            count: stuck.len(),
            detail: format!("{} users were asked to register for MFA and have not passed MFA since", stuck.len()),
            columns: vec!["user", "last_asked_utc", "last_error_code"],
            rows: stuck.into_iter().map(|(u, (t, code, _))| vec![u.clone(), sheet_time(*t), code.to_string()]).collect(),
        });
        out
    }
}

/// A check's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The check passed.
    Pass,
    /// It failed.
    Fail,
    /// It needs settings that were not given.
    NotChecked,
}

/// One check of the rollout report.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct RolloutCheck {
    /// Stable id.
    pub id: &'static str,
    /// What is checked.
    pub title: &'static str,
    /// Pass, fail, or not checked.
    pub status: Status,
    /// How many offending sign-ins or users.
    pub count: usize,
    /// In words.
    pub detail: String,
    /// Table columns.
    pub columns: Vec<&'static str>,
    /// Table rows (capped).
    pub rows: Vec<Vec<String>>,
}

#[cfg(test)]
mod tests;
