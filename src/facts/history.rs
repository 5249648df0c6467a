//! An index over the whole sign-in log, built once, for facts that one record
//! cannot give: the user's recent MFA failures, whether other users pass MFA
//! in the same hour, where the user usually signs in from.

use super::derive::mfa_step;
use crate::logs::SignIn;
use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Copy)]
struct Mark {
    time: DateTime<Utc>,
    user: u32,
    corr: u64,
    mfa_ok: bool,
    mfa_failed: bool,
}

/// Built once per log; lookups are by binary search over time-sorted marks.
#[derive(Debug, Default)]
pub(crate) struct History {
    users: HashMap<String, u32>,
    /// Marks sorted by time.
    marks: Vec<Mark>,
    /// IPs of each user's successful sign-ins.
    ok_ips: HashMap<u32, HashSet<String>>,
    /// Country seen for each IP.
    ip_country: HashMap<String, String>,
}

pub(crate) fn user_key(s: &SignIn) -> Option<String> {
    s.user_id.as_deref().or(s.user_principal_name.as_deref()).filter(|s| !s.is_empty()).map(str::to_ascii_lowercase)
}

fn hash(s: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

impl History {
    pub(crate) fn build(signins: &[SignIn]) -> Self {
        let mut h = History::default();
        for s in signins {
            if let (Some(ip), Some(c)) = (s.ip_address.as_deref(), s.country()) {
                h.ip_country.entry(ip.to_string()).or_insert_with(|| c.to_string());
            }
            let Some(key) = user_key(s) else { continue };
            let n = h.users.len() as u32;
            let user = *h.users.entry(key).or_insert(n);
            if s.error_code() == Some(0) {
                if let Some(ip) = s.ip_address.as_deref() {
                    h.ok_ips.entry(user).or_default().insert(ip.to_string());
                }
            }
            let Some(time) = s.created else { continue };
            let step = mfa_step(s);
            let mfa_ok = step.is_some_and(|st| st.succeeded == Some(true));
            let mfa_failed = step.is_some_and(|st| st.succeeded == Some(false)) || s.error_code() == Some(500121);
            let corr = hash(s.correlation_id.as_deref().or(s.id.as_deref()).unwrap_or(""));
            h.marks.push(Mark { time, user, corr, mfa_ok, mfa_failed });
        }
        h.marks.sort_by_key(|m| m.time);
        h
    }

    fn window(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> &[Mark] {
        let a = self.marks.partition_point(|m| m.time < from);
        let b = self.marks.partition_point(|m| m.time <= to);
        &self.marks[a..b.max(a)]
    }

    fn user(&self, s: &SignIn) -> Option<u32> {
        user_key(s).and_then(|k| self.users.get(&k).copied())
    }

    /// The user's other attempts with a failed MFA step in the 24 hours before `at`.
    pub(crate) fn user_mfa_failures_24h(&self, s: &SignIn, at: DateTime<Utc>, corr: Option<&str>) -> Option<usize> {
        let user = self.user(s)?;
        let own = hash(corr.unwrap_or(""));
        let set: HashSet<u64> = self
            .window(at - Duration::hours(24), at)
            .iter()
            .filter(|m| m.user == user && m.mfa_failed && m.corr != own)
            .map(|m| m.corr)
            .collect();
        Some(set.len())
    }

    /// (other users who passed MFA, other users who failed MFA) within an hour
    /// of `at`; `None` when the log has no other user's sign-in in that hour.
    pub(crate) fn others_same_hour(&self, s: &SignIn, at: DateTime<Utc>) -> Option<(usize, usize)> {
        let me = self.user(s);
        let others: Vec<&Mark> = self.window(at - Duration::hours(1), at + Duration::hours(1)).iter().filter(|m| Some(m.user) != me).collect();
        if others.is_empty() {
            return None;
        }
        let ok: HashSet<u32> = others.iter().filter(|m| m.mfa_ok).map(|m| m.user).collect();
        let failed: HashSet<u32> = others.iter().filter(|m| m.mfa_failed).map(|m| m.user).collect();
        Some((ok.len(), failed.len()))
    }

    /// Whether the user had a successful sign-in from this IP.
    pub(crate) fn user_used_ip(&self, s: &SignIn, ip: &str) -> bool {
        self.user(s).and_then(|u| self.ok_ips.get(&u)).is_some_and(|set| set.contains(ip))
    }

    /// The country a sign-in from this IP showed.
    pub(crate) fn country_of(&self, ip: &str) -> Option<&str> {
        self.ip_country.get(ip).map(String::as_str)
    }
}
