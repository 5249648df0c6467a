//! What the surrounding log says, for facts one record cannot give: MFA
//! fatigue by user and address, whether other users pass MFA in the same
//! hours and from where, where the user usually signs in from, and password
//! spray in 20-minute windows, from one address or against one account from
//! many.
//!
//! The state is kept per user, per hour and per IP address, never per record,
//! so memory grows with the number of users and addresses, not with the size
//! of the log. The same structure, fed by the same [`Glimpse`], serves
//! `diagnose` (built from a loaded log) and `triage` (built in a first
//! streaming pass, in parallel, then merged).

mod merge;
mod query;
mod tally;

pub(crate) use query::BURST_MIN;

use crate::logs::MfaSays;
use std::collections::{HashMap as StdMap, HashSet as StdSet};

/// Maps and sets with a fast hasher: the keys are users' 64-bit keys,
/// hours and addresses, looked up once or more per record.
pub(crate) type HashMap<K, V> = StdMap<K, V, foldhash::fast::RandomState>;
pub(crate) type HashSet<T> = StdSet<T, foldhash::fast::RandomState>;

/// Caps that bound the per-user and per-IP state.
const MAX_TIMES: usize = 512;
const MAX_COUNTRIES: usize = 16;
const MAX_IP_EVENTS: usize = 2048;

/// No address.
const NO_IP: u32 = u32::MAX;
/// No country.
const NO_COUNTRY: u16 = u16::MAX;

/// Error codes of a wrong or unusable password, as Microsoft Sentinel's
/// password-spray rule counts them: 50126 (wrong user name or password),
/// 50053 (locked, or blocked from a malicious IP), 50055 (password expired).
pub(crate) const SPRAY_CODES: [i64; 3] = [50126, 50053, 50055];

/// Codes after which the password was right, as the same rule counts
/// "succeeding principals" for an address (an MFA or policy interrupt after
/// the password means the password was right). 50055, an expired password,
/// is on both lists, as in Sentinel: a morning of expired passwords from an
/// office is not a spray.
const PASSWORD_RIGHT: [i64; 17] = [0, 50055, 50057, 50155, 50105, 50133, 50005, 50076, 50079, 50173, 50158, 50072, 50074, 53003, 53000, 53001, 50129];

/// The few fields of one sign-in that the history needs. Both readers build
/// it through [`Glimpse::new`], so `diagnose` and `triage` count alike.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Glimpse<'a> {
    pub user: Option<&'a str>,
    pub time: Option<i64>,
    pub code: Option<i64>,
    /// MFA was required, a step shows MFA succeeded, or the details say so.
    pub mfa_ok_hint: bool,
    pub ip: Option<&'a str>,
    pub country: Option<&'a str>,
    pub interactive: Option<bool>,
}

/// The name a history keeps a user by: the user id where the record has
/// one, else the UPN. Whoever asks the history about a user names them so.
pub(crate) fn history_user<'a>(user_id: Option<&'a str>, upn: Option<&'a str>) -> Option<&'a str> {
    let keep = |s: Option<&'a str>| s.filter(|s| !s.is_empty());
    keep(user_id).or(keep(upn))
}

impl<'a> Glimpse<'a> {
    /// The one constructor: every reader passes the same fields.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        user_id: Option<&'a str>,
        upn: Option<&'a str>,
        time: Option<i64>,
        code: Option<i64>,
        mfa: MfaSays,
        ip: Option<&'a str>,
        country: Option<&'a str>,
        interactive: Option<bool>,
    ) -> Self {
        let keep = |s: Option<&'a str>| s.filter(|s| !s.is_empty());
        Glimpse { user: history_user(user_id, upn), time, code, mfa_ok_hint: mfa.hint(), ip: keep(ip), country: keep(country), interactive }
    }

    /// A record read in full (`diagnose`).
    pub(crate) fn of(s: &'a crate::logs::SignIn) -> Glimpse<'a> {
        Glimpse::new(s.user_id.as_deref(), s.user_principal_name.as_deref(), s.created.map(|t| t.timestamp()), s.error_code(), s.mfa_says(), s.ip_address.as_deref(), s.country(), s.is_interactive)
    }

    /// A record's summary (batch triage's first pass): the same fields.
    pub(crate) fn of_summary(s: &'a crate::logs::summary::Seen<'_>) -> Glimpse<'a> {
        Glimpse::new(s.user.as_deref(), s.upn.as_deref(), s.time, s.code, s.mfa, s.ip.as_deref(), s.country.as_deref(), s.interactive)
    }
    fn mfa_ok(&self) -> bool {
        self.code == Some(0) && self.mfa_ok_hint
    }
    fn mfa_failed(&self) -> bool {
        self.code == Some(500121)
    }
    fn bad_password(&self) -> bool {
        self.code.is_some_and(|c| SPRAY_CODES.contains(&c))
    }
    fn password_right(&self) -> bool {
        self.code.is_some_and(|c| PASSWORD_RIGHT.contains(&c))
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

/// A time and an address id (or a user id, in per-address lists).
type Event = (u32, u32);

/// Flags of a success in `UserState::ok`, above a 30-bit address id.
const OK_MFA: u32 = 1 << 31;
const OK_INTERACTIVE: u32 = 1 << 30;
const OK_FLAGS: u32 = OK_MFA | OK_INTERACTIVE;
/// No address, packed.
const NO_IP_PACKED: u32 = !OK_FLAGS;

fn pack(ip: u32) -> u32 {
    if ip == NO_IP || ip >= NO_IP_PACKED {
        NO_IP_PACKED
    } else {
        ip
    }
}

fn unpack(p: u32) -> u32 {
    match p & !OK_FLAGS {
        NO_IP_PACKED => NO_IP,
        ip => ip,
    }
}

#[derive(Debug, Default)]
struct UserState {
    /// Failed MFA (500121), the first `MAX_TIMES` seen, with the address.
    mfa_fail: Vec<Event>,
    /// Successful sign-ins that passed MFA or were interactive, the first
    /// `MAX_TIMES` seen: the time, and the address id with the two flags in
    /// its top bits (one list, half the memory of two).
    ok: Vec<Event>,
    /// The latest MFA success, however many there were.
    last_ok: Option<u32>,
    /// Wrong or unusable passwords (the spray codes), with the address.
    bad_password: Vec<Event>,
    /// Countries of successful sign-ins, with the first time seen.
    ok_countries: Vec<(u16, u32)>,
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
    /// Users who failed MFA, with the address they failed from.
    failed: HashSet<(u32, u32)>,
}

/// What the log holds for one address.
#[derive(Debug, Default)]
struct IpState {
    /// The country of the address's earliest record that names one.
    country: u16,
    /// That record's time (`u32::MAX` when it had none).
    country_time: u32,
    /// Wrong passwords from it: (time, user), the first `MAX_IP_EVENTS`.
    bad_password: Vec<Event>,
    /// Distinct users whose password failed from it.
    bad_users: HashSet<u32>,
    /// Distinct users whose password was right from it.
    ok_users: HashSet<u32>,
    /// Distinct users who signed in successfully from it.
    success_users: HashSet<u32>,
    /// Failed MFA from it: (time, user).
    mfa_fail: Vec<Event>,
}

/// The history of a log.
#[derive(Debug, Default)]
pub(crate) struct History {
    /// Users by their key ([`crate::logs::user_key`]): eight bytes a user,
    /// found without reading a name back (a cache miss per record).
    users: HashMap<u64, u32>,
    state: Vec<UserState>,
    hours: HashMap<i64, Hour>,
    /// Addresses, parsed (a few bytes each), numbered.
    ip_ids: HashMap<IpKey, u32>,
    /// The address of each number.
    ip_keys: Vec<IpKey>,
    ips: Vec<IpState>,
    countries: Vec<Box<str>>,
    records: usize,
    /// Whether any record of the log passed MFA: a failures-only export
    /// cannot say that nobody passed.
    mfa_ok_seen: bool,
    /// Per hour: the other users failing MFA in it and the hours either
    /// side, and which of them failed from a place usual for them.
    windows: std::sync::OnceLock<query::Windows>,
    /// Per address, once the log is in: whether it mostly fails.
    mostly_failing: std::sync::OnceLock<Vec<bool>>,
    /// Every event list is sorted by time ([`History::finish`]; nothing
    /// added since), so a question looks only at the events in its window.
    sorted: bool,
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
    /// Whether the address is one of the organisation's places (its range, or the country it showed).
    fn trusted_by(&self, org: &crate::facts::OrgSettings, country: Option<&str>) -> bool {
        let ip = match self {
            IpKey::Ip(a) => org.addr_trusted(a),
            IpKey::Text(t) => org.ip_trusted(t),
        };
        ip == Some(true) || country.is_some_and(|c| org.country_trusted(c) == Some(true))
    }
}

impl std::fmt::Display for IpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IpKey::Ip(a) => write!(f, "{a}"),
            IpKey::Text(t) => f.write_str(t),
        }
    }
}

/// Count a country in, keeping its earliest time.
/// A country (by its number in the history's table) where the user
/// succeeded, with the first time.
/// Past `MAX_COUNTRIES`, the countries first seen earliest are kept, so the
/// kept set does not depend on the order records came in.
fn add_country(v: &mut Vec<(u16, u32)>, c: u16, t: u32) {
    if let Some((_, first)) = v.iter_mut().find(|(x, _)| *x == c) {
        *first = (*first).min(t);
    } else if v.len() < MAX_COUNTRIES {
        v.push((c, t));
    } else if let Some(latest) = v.iter_mut().max_by_key(|(_, first)| *first).filter(|(_, first)| t < *first) {
        *latest = (c, t);
    }
}

/// Keep an event. A list past twice its cap is cut to its latest `cap`
/// (see [`keep_latest`]), so what is kept never depends on the order the
/// records came in, nor on how batches reached the worker threads, and a
/// late burst is never hidden behind many earlier events.
fn push_event(v: &mut Vec<Event>, e: Event, cap: usize) {
    v.push(e);
    if v.len() >= 2 * cap {
        keep_latest(v, cap);
    }
}

/// Cut a list to its latest `cap` events by time, keeping every event at
/// the cut's own second (so the kept set is the same whatever the order):
/// the latest `cap` of a union is the latest `cap` of its parts' latest.
fn keep_latest(v: &mut Vec<Event>, cap: usize) {
    if v.len() <= cap || cap == 0 {
        return;
    }
    let mut times: Vec<u32> = v.iter().map(|e| e.0).collect();
    let (_, &mut cut, _) = times.select_nth_unstable_by(cap - 1, |a, b| b.cmp(a));
    v.retain(|e| e.0 >= cut);
    if v.len() >= 2 * cap {
        // Thousands of events in the cut's one second (or times before 2000,
        // which all stamp as 0): cut by the whole event, so the list stays
        // bounded and each push does not sort it again.
        v.sort_unstable_by(|a, b| b.cmp(a));
        v.truncate(cap);
    }
}

/// Users of an address are kept whole (one entry per distinct user, so
/// bounded by the records): a capped set kept whichever users came first,
/// which depended on the order of input and on threads.
fn insert_user(set: &mut HashSet<u32>, u: u32) {
    set.insert(u);
}

impl History {
    pub(crate) fn build(signins: &[crate::logs::SignIn]) -> Self {
        let mut h = History::default();
        for s in signins {
            h.add(&Glimpse::of(s));
        }
        h.finish();
        h
    }

    fn ip_id(&mut self, key: IpKey) -> u32 {
        if let Some(&i) = self.ip_ids.get(&key) {
            return i;
        }
        let i = self.ips.len() as u32;
        self.ip_keys.push(key.clone());
        self.ip_ids.insert(key, i);
        self.ips.push(IpState { country: NO_COUNTRY, country_time: u32::MAX, ..Default::default() });
        i
    }

    fn user_index(&mut self, key: u64) -> u32 {
        let next = self.state.len() as u32;
        let u = *self.users.entry(key).or_insert(next);
        if u == next {
            self.state.push(UserState::default());
        }
        u
    }

    /// Count one record in.
    pub(crate) fn add(&mut self, g: &Glimpse<'_>) {
        self.records += 1;
        self.sorted = false;
        let ip = g.ip.map_or(NO_IP, |ip| self.ip_id(IpKey::of(ip)));
        if let (true, Some(c)) = (ip != NO_IP, g.country) {
            // The earliest record's country, whatever order the records came in.
            let t = g.time.map_or(u32::MAX, stamp);
            let st = &self.ips[ip as usize];
            let earlier = t < st.country_time || (t == st.country_time && self.countries.get(st.country as usize).is_some_and(|x| c.to_ascii_uppercase() < x.to_ascii_uppercase()));
            if st.country == NO_COUNTRY || earlier {
                let c = self.country_index(c);
                let st = &mut self.ips[ip as usize];
                st.country = c;
                st.country_time = t;
            }
        }
        let Some(user) = g.user else { return };
        let u = self.user_index(crate::logs::user_key(user));
        let country = match (g.code, g.country) {
            // Most often the address's country, just looked up: no search.
            (Some(0), Some(c)) => match self.ips.get(ip as usize).map(|s| s.country) {
                Some(ic) if ic != NO_COUNTRY && self.countries.get(ic as usize).is_some_and(|x| x.eq_ignore_ascii_case(c)) => Some(ic),
                _ => Some(self.country_index(c)),
            },
            _ => None,
        };
        let st = &mut self.state[u as usize];
        if let Some(c) = country {
            add_country(&mut st.ok_countries, c, g.time.map_or(u32::MAX, stamp));
        }
        if let Some(t) = g.time {
            let t = stamp(t);
            if g.mfa_failed() {
                push_event(&mut st.mfa_fail, (t, ip), MAX_TIMES);
            }
            let interactive = g.code == Some(0) && g.interactive != Some(false);
            if g.mfa_ok() || interactive {
                let flags = if g.mfa_ok() { OK_MFA } else { 0 } | if interactive { OK_INTERACTIVE } else { 0 };
                push_event(&mut st.ok, (t, pack(ip) | flags), MAX_TIMES);
            }
            if g.mfa_ok() {
                st.last_ok = st.last_ok.max(Some(t));
                self.mfa_ok_seen = true;
            }
            if g.bad_password() {
                push_event(&mut st.bad_password, (t, ip), MAX_TIMES);
            }
            let hour = self.hours.entry(unstamp(t).div_euclid(3600)).or_default();
            hour.seen.add(u);
            if g.mfa_ok() {
                hour.ok.add(u);
            }
            if g.mfa_failed() {
                hour.failed.insert((u, ip));
            }
            if ip != NO_IP {
                let st = &mut self.ips[ip as usize];
                if g.bad_password() {
                    push_event(&mut st.bad_password, (t, u), MAX_IP_EVENTS);
                }
                if g.mfa_failed() {
                    push_event(&mut st.mfa_fail, (t, u), MAX_IP_EVENTS);
                }
            }
        }
        if ip != NO_IP {
            let st = &mut self.ips[ip as usize];
            if g.bad_password() {
                insert_user(&mut st.bad_users, u);
            }
            if g.password_right() {
                insert_user(&mut st.ok_users, u);
            }
            if g.code == Some(0) {
                insert_user(&mut st.success_users, u);
            }
        }
    }

    /// Cut every kept list to its cap, once all records are in: what the
    /// queries see is then the latest events, whatever the order of input.
    pub(crate) fn finish(&mut self) {
        for st in &mut self.state {
            for v in [&mut st.mfa_fail, &mut st.ok, &mut st.bad_password] {
                keep_latest(v, MAX_TIMES);
                v.sort_unstable();
            }
        }
        for st in &mut self.ips {
            for v in [&mut st.bad_password, &mut st.mfa_fail] {
                keep_latest(v, MAX_IP_EVENTS);
                v.sort_unstable();
            }
        }
        self.sorted = true;
    }

    /// How many records went in.
    pub(crate) fn records(&self) -> usize {
        self.records
    }

    /// The country's number in the table (names compared ignoring case).
    fn country_index(&mut self, c: &str) -> u16 {
        match self.countries.iter().position(|x| x.eq_ignore_ascii_case(c)) {
            Some(i) => i as u16,
            None if self.countries.len() < (NO_COUNTRY - 1) as usize => {
                self.countries.push(c.into());
                (self.countries.len() - 1) as u16
            }
            None => NO_COUNTRY - 1,
        }
    }
}

#[cfg(test)]
mod tests;
