//! What the surrounding log says, for facts one record cannot give: the
//! user's recent MFA failures, MFA fatigue, whether other users pass MFA in
//! the same hour, where the user usually signs in from, and password spray
//! from one address.
//!
//! The state is kept per user, per hour and per IP address, never per record,
//! so memory grows with the number of users, not with the size of the log.
//! The same structure serves `diagnose` (built from a loaded log) and
//! `triage` (built in a first streaming pass).

use crate::logs::ascii_lowercase;
use chrono::{DateTime, Utc};
use std::collections::{HashMap as StdMap, HashSet as StdSet};

/// Maps and sets with a fast hasher: the keys are the log's own user ids,
/// hours and addresses, looked up once or more per record.
pub(crate) type HashMap<K, V> = StdMap<K, V, foldhash::fast::RandomState>;
pub(crate) type HashSet<T> = StdSet<T, foldhash::fast::RandomState>;

/// Caps that bound the per-user and per-IP state.
const MAX_TIMES: usize = 512;
const MAX_IPS: usize = 64;
const MAX_COUNTRIES: usize = 16;
const MAX_SPRAY_USERS: usize = 256;

/// The few fields of one sign-in that the history needs.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Glimpse<'a> {
    pub user: Option<&'a str>,
    pub time: Option<i64>,
    pub code: Option<i64>,
    /// MFA was required or a step shows MFA succeeded.
    pub mfa_ok_hint: bool,
    pub ip: Option<&'a str>,
    pub country: Option<&'a str>,
}

impl<'a> Glimpse<'a> {
    pub(crate) fn of(s: &'a crate::logs::SignIn) -> Glimpse<'a> {
        let mfa_step_ok = s.authentication_details.iter().flatten().any(|st| st.succeeded == Some(true) && super::derive::is_mfa_step(st));
        let mfa_req = s.authentication_requirement.as_deref().is_some_and(|r| r.eq_ignore_ascii_case("multiFactorAuthentication"));
        let details_ok = s.additional_details().is_some_and(says_mfa_passed);
        Glimpse {
            user: s.user_id.as_deref().or(s.user_principal_name.as_deref()).filter(|u| !u.is_empty()),
            time: s.created.map(|t| t.timestamp()),
            code: s.error_code(),
            mfa_ok_hint: mfa_step_ok || mfa_req || details_ok,
            ip: s.ip_address.as_deref().filter(|i| !i.is_empty()),
            country: s.country(),
        }
    }
    fn mfa_ok(&self) -> bool {
        self.code == Some(0) && self.mfa_ok_hint
    }
    fn mfa_failed(&self) -> bool {
        self.code == Some(500121)
    }
    fn bad_password(&self) -> bool {
        matches!(self.code, Some(50126 | 50053))
    }
}

/// Whether `status.additionalDetails` says MFA passed: "MFA successfully
/// completed", "MFA requirement satisfied by claim in the token", ...
pub(crate) fn says_mfa_passed(details: &str) -> bool {
    details.as_bytes().get(..3).is_some_and(|p| p.eq_ignore_ascii_case(b"mfa")) && {
        let l = details.to_ascii_lowercase();
        l.contains("completed") || l.contains("satisfied")
    }
}

/// Times are kept as seconds since 2000-01-01 in a `u32` (good until 2136):
/// half the memory of `i64`, for state that grows with the number of users.
const EPOCH_2000: i64 = 946_684_800;

fn stamp(t: i64) -> u32 {
    (t - EPOCH_2000).clamp(0, u32::MAX as i64) as u32
}

fn unstamp(s: u32) -> i64 {
    s as i64 + EPOCH_2000
}

#[derive(Debug, Default)]
struct UserState {
    /// Failed MFA (500121), the first `MAX_TIMES` seen.
    mfa_fail: Vec<u32>,
    /// MFA successes, the first `MAX_TIMES` seen.
    mfa_ok: Vec<u32>,
    /// The latest MFA success, however many there were.
    last_ok: Option<u32>,
    /// Addresses of successful sign-ins, parsed: compared as numbers.
    ok_ips: Vec<IpKey>,
    ok_countries: Vec<Box<str>>,
}

/// Two distinct users: enough to tell whether anyone other than a given user
/// did something, without a set of everyone.
#[derive(Debug, Default, Clone, Copy)]
struct Two([Option<u32>; 2]);

impl Two {
    fn add(&mut self, u: u32) {
        match self.0 {
            [None, _] => self.0[0] = Some(u),
            [Some(a), None] if a != u => self.0[1] = Some(u),
            _ => {}
        }
    }
    fn other_than(&self, me: Option<u32>) -> bool {
        self.0.iter().flatten().any(|u| Some(*u) != me)
    }
}

#[derive(Debug, Default)]
struct Hour {
    seen: Two,
    ok: Two,
    /// Users who failed MFA: few, and counted.
    failed: HashSet<u32>,
}

/// The history of a log.
#[derive(Debug, Default)]
pub(crate) struct History {
    users: HashMap<Box<str>, u32>,
    state: Vec<UserState>,
    hours: HashMap<i64, Hour>,
    /// The country of each address seen: addresses parsed (a few bytes each,
    /// not a string), countries interned in `countries`.
    ip_country: HashMap<IpKey, u16>,
    countries: Vec<Box<str>>,
    ip_bad_password: HashMap<Box<str>, HashSet<u32>>,
    records: usize,
    /// Users who failed MFA in each hour and the hours either side.
    windows: std::sync::OnceLock<HashMap<i64, HashSet<u32>>>,
}

/// An IP address as a map key: parsed when it parses, else the text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum IpKey {
    Ip(std::net::IpAddr),
    Text(Box<str>),
}

impl IpKey {
    fn of(ip: &str) -> IpKey {
        ip.parse().map_or_else(|_| IpKey::Text(ip.into()), IpKey::Ip)
    }
}

fn push_capped<T: PartialEq>(v: &mut Vec<T>, x: T, cap: usize) {
    if v.len() < cap && !v.contains(&x) {
        v.push(x);
    }
}

impl History {
    pub(crate) fn build(signins: &[crate::logs::SignIn]) -> Self {
        let mut h = History::default();
        for s in signins {
            h.add(&Glimpse::of(s));
        }
        h
    }

    /// Count one record in.
    pub(crate) fn add(&mut self, g: &Glimpse<'_>) {
        self.records += 1;
        let ip_key = g.ip.map(IpKey::of);
        if let (Some(k), Some(c)) = (&ip_key, g.country) {
            if !self.ip_country.contains_key(k) {
                let c = self.country_index(c);
                self.ip_country.insert(k.clone(), c);
            }
        }
        let Some(user) = g.user else { return };
        let user = ascii_lowercase(user);
        let u = match self.users.get(&*user) {
            Some(&u) => u,
            None => {
                let u = self.state.len() as u32;
                self.users.insert(user.into(), u);
                self.state.push(UserState::default());
                u
            }
        };
        let st = &mut self.state[u as usize];
        if g.code == Some(0) {
            if let Some(k) = ip_key {
                if st.ok_ips.len() < MAX_IPS && !st.ok_ips.contains(&k) {
                    st.ok_ips.push(k);
                }
            }
            if let Some(c) = g.country {
                if !st.ok_countries.iter().any(|x| x.eq_ignore_ascii_case(c)) {
                    push_capped(&mut st.ok_countries, c.into(), MAX_COUNTRIES);
                }
            }
        }
        if let Some(t) = g.time {
            if g.mfa_failed() && st.mfa_fail.len() < MAX_TIMES {
                st.mfa_fail.push(stamp(t));
            }
            if g.mfa_ok() {
                if st.mfa_ok.len() < MAX_TIMES {
                    st.mfa_ok.push(stamp(t));
                }
                st.last_ok = st.last_ok.max(Some(stamp(t)));
            }
            let hour = self.hours.entry(t.div_euclid(3600)).or_default();
            hour.seen.add(u);
            if g.mfa_ok() {
                hour.ok.add(u);
            }
            if g.mfa_failed() {
                hour.failed.insert(u);
            }
        }
        if g.bad_password() {
            if let Some(ip) = g.ip {
                let set = self.ip_bad_password.entry(ip.into()).or_default();
                if set.len() < MAX_SPRAY_USERS {
                    set.insert(u);
                }
            }
        }
    }

    /// Merge another history (built by another thread) into this one.
    pub(crate) fn merge(&mut self, other: History) {
        let mut map: Vec<u32> = vec![0; other.state.len()];
        let mut users: Vec<(Box<str>, u32)> = other.users.into_iter().collect();
        users.sort_by_key(|(_, u)| *u);
        let mut other_state = other.state;
        for (name, ou) in users {
            let st = std::mem::take(&mut other_state[ou as usize]);
            let u = match self.users.get(&name) {
                Some(&u) => u,
                None => {
                    let u = self.state.len() as u32;
                    self.users.insert(name, u);
                    self.state.push(UserState::default());
                    u
                }
            };
            map[ou as usize] = u;
            let mine = &mut self.state[u as usize];
            mine.mfa_fail.extend(st.mfa_fail.into_iter().take(MAX_TIMES.saturating_sub(mine.mfa_fail.len())));
            mine.mfa_ok.extend(st.mfa_ok.into_iter().take(MAX_TIMES.saturating_sub(mine.mfa_ok.len())));
            mine.last_ok = mine.last_ok.max(st.last_ok);
            for ip in st.ok_ips {
                if mine.ok_ips.len() < MAX_IPS && !mine.ok_ips.contains(&ip) {
                    mine.ok_ips.push(ip);
                }
            }
            for c in st.ok_countries {
                push_capped(&mut mine.ok_countries, c, MAX_COUNTRIES);
            }
        }
        for (h, hour) in other.hours {
            let mine = self.hours.entry(h).or_default();
            for u in hour.seen.0.into_iter().flatten() {
                mine.seen.add(map[u as usize]);
            }
            for u in hour.ok.0.into_iter().flatten() {
                mine.ok.add(map[u as usize]);
            }
            mine.failed.extend(hour.failed.into_iter().map(|u| map[u as usize]));
        }
        for (ip, c) in other.ip_country {
            let c = self.country_index(&other.countries[c as usize]);
            self.ip_country.entry(ip).or_insert(c);
        }
        for (ip, set) in other.ip_bad_password {
            let mine = self.ip_bad_password.entry(ip).or_default();
            for u in set {
                if mine.len() < MAX_SPRAY_USERS {
                    mine.insert(map[u as usize]);
                }
            }
        }
        self.records += other.records;
    }

    /// How many records went in.
    pub(crate) fn records(&self) -> usize {
        self.records
    }

    fn user_id(&self, user: Option<&str>) -> Option<u32> {
        self.users.get(&*ascii_lowercase(user?)).copied()
    }
    fn user(&self, user: Option<&str>) -> Option<&UserState> {
        self.user_id(user).map(|u| &self.state[u as usize])
    }

    /// The user's failed MFA attempts (500121) in the 24 hours before `at`.
    pub(crate) fn user_mfa_failures_24h(&self, user: Option<&str>, at: DateTime<Utc>) -> Option<usize> {
        let st = self.user(user)?;
        let t = at.timestamp();
        Some(st.mfa_fail.iter().map(|&x| unstamp(x)).filter(|&x| x < t && x >= t - 86_400).count())
    }

    /// MFA fatigue: three or more failed MFA attempts within an hour of `at`,
    /// and an MFA success after the first of them within that hour.
    pub(crate) fn mfa_fatigue(&self, user: Option<&str>, at: DateTime<Utc>) -> Option<bool> {
        let st = self.user(user)?;
        let t = at.timestamp();
        let fails: Vec<i64> = st.mfa_fail.iter().map(|&x| unstamp(x)).filter(|&x| (x - t).abs() <= 3600).collect();
        let Some(&first) = fails.iter().min() else { return Some(false) };
        Some(fails.len() >= 3 && st.mfa_ok.iter().map(|&x| unstamp(x)).any(|ok| ok > first && ok - first <= 3600))
    }

    /// (other users who passed MFA, other users who failed MFA) in the clock
    /// hour of `at` and the hours either side; `None` when the log has no
    /// other user's sign-in then.
    pub(crate) fn others_same_hour(&self, user: Option<&str>, at: DateTime<Utc>) -> Option<(usize, usize)> {
        let windows = self.windows.get_or_init(|| {
            // Once per log: the users failing MFA in every three-hour window.
            let mut w: HashMap<i64, HashSet<u32>> = HashMap::default();
            for (&h, hour) in &self.hours {
                for centre in h - 1..=h + 1 {
                    w.entry(centre).or_default().extend(&hour.failed);
                }
            }
            w
        });
        let h = at.timestamp().div_euclid(3600);
        let me = self.user_id(user);
        let near = |f: fn(&Hour) -> &Two| (h - 1..=h + 1).any(|hh| self.hours.get(&hh).is_some_and(|x| f(x).other_than(me)));
        if !near(|x| &x.seen) {
            return None;
        }
        let ok = usize::from(near(|x| &x.ok));
        let failed = windows.get(&h).map_or(0, |set| set.len() - usize::from(me.is_some_and(|u| set.contains(&u))));
        Some((ok, failed))
    }

    /// Whether the user had a successful sign-in from this IP.
    pub(crate) fn user_used_ip(&self, user: Option<&str>, ip: &str) -> bool {
        self.user(user).is_some_and(|st| st.ok_ips.contains(&IpKey::of(ip)))
    }

    /// When the user last passed MFA in the log.
    pub(crate) fn last_mfa_ok(&self, user: Option<&str>) -> Option<i64> {
        self.user(user)?.last_ok.map(unstamp)
    }

    /// Whether the user passed MFA in the log.
    pub(crate) fn user_mfa_ok(&self, user: Option<&str>) -> bool {
        self.user(user).is_some_and(|st| st.last_ok.is_some())
    }

    /// Whether `country` is new for the user: none of their successful
    /// sign-ins came from it. `None` when the user has no successful sign-in.
    pub(crate) fn new_country(&self, user: Option<&str>, country: &str) -> Option<bool> {
        let st = self.user(user)?;
        (!st.ok_countries.is_empty()).then(|| !st.ok_countries.iter().any(|c| c.eq_ignore_ascii_case(country)))
    }

    /// How many distinct users had a wrong password or a lockout from this IP.
    pub(crate) fn ip_failed_users(&self, ip: &str) -> usize {
        self.ip_bad_password.get(ip).map_or(0, HashSet::len)
    }

    /// The country a sign-in from this IP showed.
    pub(crate) fn country_of(&self, ip: &str) -> Option<&str> {
        self.ip_country.get(&IpKey::of(ip)).map(|&c| &*self.countries[c as usize])
    }

    fn country_index(&mut self, c: &str) -> u16 {
        match self.countries.iter().position(|x| &**x == c) {
            Some(i) => i as u16,
            None if self.countries.len() < u16::MAX as usize => {
                self.countries.push(c.into());
                (self.countries.len() - 1) as u16
            }
            None => u16::MAX - 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g<'a>(user: &'a str, time: i64, code: i64, ip: &'a str, country: &'a str) -> Glimpse<'a> {
        Glimpse { user: Some(user), time: Some(time), code: Some(code), mfa_ok_hint: true, ip: Some(ip), country: Some(country) }
    }

    #[test]
    fn countries_by_address_survive_a_merge_and_match_however_an_ipv6_address_is_written() {
        let mut a = History::default();
        a.add(&g("ann", 1_700_000_000, 0, "203.0.113.7", "GB"));
        let mut b = History::default();
        b.add(&g("bob", 1_700_000_100, 0, "2001:db8::1", "IE"));
        b.add(&g("bob", 1_700_000_200, 0, "not an address", "FR"));
        a.merge(b);
        assert_eq!(a.country_of("203.0.113.7"), Some("GB"));
        assert_eq!(a.country_of("2001:0db8:0000:0000:0000:0000:0000:0001"), Some("IE"));
        assert_eq!(a.country_of("not an address"), Some("FR"));
        assert_eq!(a.country_of("198.51.100.1"), None);
    }

    #[test]
    fn the_last_mfa_success_counts_past_the_cap_on_kept_times() {
        let mut h = History::default();
        let t0 = 1_700_000_000;
        for i in 0..(MAX_TIMES as i64 + 10) {
            h.add(&g("ann", t0 + i * 60, 0, "203.0.113.7", "GB"));
        }
        assert_eq!(h.last_mfa_ok(Some("ANN")), Some(t0 + (MAX_TIMES as i64 + 9) * 60));
        assert!(h.user_mfa_ok(Some("ann")));
        assert!(!h.user_mfa_ok(Some("bob")));
    }

    #[test]
    fn times_round_trip_through_the_compact_stamp() {
        for t in [EPOCH_2000, 1_700_000_000, 4_000_000_000] {
            assert_eq!(unstamp(stamp(t)), t);
        }
        assert_eq!(stamp(0), 0, "times before 2000 clamp, they cannot be Entra sign-ins");
    }
}
