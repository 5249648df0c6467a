//! Questions asked of a [`History`]: each answers for one sign-in, by its
//! user, address and time. The thresholds follow Microsoft Sentinel's
//! analytics rules for Entra ID sign-ins (MFASpammingfollowedbySuccessfullogin,
//! SigninPasswordSpray); the facts' notes say which.

use super::tally::with_tally;
use super::{unstamp, Event, HashMap, HashSet, History, IpKey, UserState, NO_IP};
use chrono::{DateTime, Utc};

/// Sentinel's password-spray window: 20 minutes.
pub(crate) const SPRAY_WINDOW: i64 = 20 * 60;
/// The window an MFA burst is counted in, either side of the sign-in.
pub(crate) const BURST_WINDOW: i64 = 30 * 60;
/// Sentinel's MFA spamming rule: more than 10 denied or unanswered prompts.
pub(crate) const BURST_MIN: usize = 11;
/// How soon after the last prompt of a burst a success counts as its end.
pub(crate) const BURST_SUCCESS_WITHIN: i64 = 10 * 60;

/// Other users failing MFA in and around one clock hour.
#[derive(Debug, Default)]
pub(crate) struct Window {
    failed: HashSet<u32>,
    /// Of them, those who failed from one of their usual places (an address
    /// or country where they also signed in successfully in the log) or from
    /// one of the organisation's trusted places.
    usual: HashSet<u32>,
}

/// The windows of a log, for one organisation's settings (`org` is the
/// settings' address, 0 for none: the windows are built once per run).
#[derive(Debug)]
pub(crate) struct Windows {
    org: usize,
    by_hour: HashMap<i64, Window>,
}

fn org_key(org: Option<&crate::facts::OrgSettings>) -> usize {
    org.map_or(0, |o| o as *const _ as usize)
}

/// Other users' MFA in the hours around a sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Others {
    /// Other users who passed MFA (0, 1 or 2: enough to say "some").
    pub ok: usize,
    /// Other users who failed MFA.
    pub failed: usize,
    /// Of them, those who failed from their usual places.
    pub failed_usual: usize,
}

/// Prompts a user failed from one address around a sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Burst {
    /// Failed MFA (500121) from the same user and address within 30 minutes
    /// either side.
    pub failures: usize,
    /// Whether an MFA success from that address followed the burst's last
    /// failure within 10 minutes.
    pub then_success: bool,
}

/// Wrong passwords from one address around a sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Spray {
    /// The most distinct users with a wrong password from the address in any
    /// 20-minute window that holds the sign-in.
    pub window_users: usize,
    /// Distinct users whose password failed from the address in the log.
    pub failing_users: usize,
    /// Distinct users whose password was right from it.
    pub succeeding_users: usize,
}

fn within(t: u32, from: i64, to: i64) -> bool {
    let t = unstamp(t);
    t >= from && t <= to
}

/// The most distinct users in any window of `len` seconds that holds `at`:
/// the windows start at each event in the `len` seconds up to `at`, and at
/// `at`. The address's events near `at` (at most a few thousand: the
/// list is capped) are sorted once and a window slides over them with a
/// count per user, instead of each window being counted afresh: a spraying
/// address has thousands of events in its 20 minutes, and each of its
/// failures asks this. Users are numbered below `users`.
fn max_users_in_window(events: impl Iterator<Item = Event>, at: i64, len: i64, users: usize) -> usize {
    let mut near: Vec<(i64, u32)> = events.map(|(t, u)| (unstamp(t), u)).filter(|&(t, _)| (t - at).abs() <= len).collect();
    near.sort_unstable();
    let mut starts: Vec<i64> = near.iter().map(|&(t, _)| t).filter(|&t| t <= at && t >= at - len).chain([at]).collect();
    starts.sort_unstable();
    starts.dedup();
    with_tally(users, |in_window| {
        let (mut lo, mut hi, mut distinct, mut best) = (0, 0, 0usize, 0);
        for s in starts {
            while hi < near.len() && near[hi].0 <= s + len {
                distinct += usize::from(in_window.add(near[hi].1));
                hi += 1;
            }
            while lo < hi && near[lo].0 < s {
                distinct -= usize::from(in_window.remove(near[lo].1));
                lo += 1;
            }
            best = best.max(distinct);
        }
        best
    })
}

impl History {
    /// The events of a list with times from `from` to `to` (inclusive).
    /// Once the lists are sorted ([`History::finish`]) only that part of
    /// the list is looked at: its start found by halving, its end by
    /// galloping from the start; before, the whole list.
    fn around<'a>(&self, events: &'a [Event], from: i64, to: i64) -> impl Iterator<Item = &'a Event> {
        let part = if self.sorted {
            let lo = events.partition_point(|&(x, _)| unstamp(x) < from);
            let rest = events.get(lo..).unwrap_or_default();
            // A window is short beside a list of thousands: its end is found
            // by galloping from its start, in the memory just read.
            let mut reach = 1;
            while reach < rest.len() && unstamp(rest[reach - 1].0) <= to {
                reach *= 2;
            }
            let within_reach = rest.get(..reach.min(rest.len())).unwrap_or_default();
            within_reach.get(..within_reach.partition_point(|&(x, _)| unstamp(x) <= to)).unwrap_or_default()
        } else {
            events
        };
        part.iter().filter(move |&&(x, _)| within(x, from, to))
    }

    fn user_id(&self, user: Option<&str>) -> Option<u32> {
        self.users.get(&crate::logs::user_key(user?)).copied()
    }
    fn user(&self, user: Option<&str>) -> Option<&UserState> {
        self.user_id(user).map(|u| &self.state[u as usize])
    }
    fn ip(&self, ip: &str) -> Option<u32> {
        self.ip_ids.get(&IpKey::of(ip)).copied()
    }

    /// The user's failed MFA attempts (500121) in the 24 hours before `at`.
    pub(crate) fn user_mfa_failures_24h(&self, user: Option<&str>, at: DateTime<Utc>) -> Option<usize> {
        let st = self.user(user)?;
        let t = at.timestamp();
        Some(self.around(&st.mfa_fail, t - 86_400, t - 1).count())
    }

    /// The user's failed prompts around `at`, from any address (an attacker
    /// rotating proxies does not escape it; SigmaHQ's fatigue correlation
    /// groups by user alone), and whether an MFA success ended them
    /// (Sentinel's "MFA spamming followed by successful login").
    pub(crate) fn mfa_burst(&self, user: Option<&str>, at: DateTime<Utc>) -> Option<Burst> {
        let st = self.user(user)?;
        let t = at.timestamp();
        let fails: Vec<i64> = self.around(&st.mfa_fail, t - BURST_WINDOW, t + BURST_WINDOW).map(|&(x, _)| unstamp(x)).collect();
        let last = fails.iter().max().copied();
        let then_success = last.is_some_and(|last| self.around(&st.ok, last + 1, last + BURST_SUCCESS_WITHIN).any(|&(_, p)| p & super::OK_MFA != 0));
        Some(Burst { failures: fails.len(), then_success })
    }

    /// Other users' MFA in the clock hour of `at` and the hours either side;
    /// `None` when the log has no other user's sign-in then, or no MFA
    /// success at all (an export of failures only). `trusted` says
    /// whether an address (and its country) is one of the organisation's
    /// usual places.
    pub(crate) fn others_same_hour(&self, user: Option<&str>, at: DateTime<Utc>, org: Option<&crate::facts::OrgSettings>) -> Option<Others> {
        // Built once per log (and organisation): every query is then a lookup.
        let cached = self.windows.get_or_init(|| self.windows(org));
        let fresh;
        let windows = if cached.org == org_key(org) {
            cached
        } else {
            fresh = self.windows(org);
            &fresh
        };
        let h = at.timestamp().div_euclid(3600);
        let me = self.user_id(user);
        let near = |f: fn(&super::Hour) -> &super::Two| (h - 1..=h + 1).any(|hh| self.hours.get(&hh).is_some_and(|x| f(x).other_than(me)));
        if !near(|x| &x.seen) || !self.mfa_ok_seen {
            return None;
        }
        let ok = usize::from(near(|x| &x.ok));
        let not_me = |set: &HashSet<u32>| set.len() - usize::from(me.is_some_and(|u| set.contains(&u)));
        let (failed, failed_usual) = windows.by_hour.get(&h).map_or((0, 0), |w| (not_me(&w.failed), not_me(&w.usual)));
        Some(Others { ok, failed, failed_usual })
    }

    /// The users failing MFA in every three-hour window, and of them those
    /// failing from a usual or trusted place. Whether an address is trusted
    /// is asked once per address.
    fn windows(&self, org: Option<&crate::facts::OrgSettings>) -> Windows {
        let mut trusted: HashMap<u32, bool> = HashMap::default();
        let mut w: HashMap<i64, Window> = HashMap::default();
        for (&h, hour) in &self.hours {
            for &(u, ip) in &hour.failed {
                let st = &self.state[u as usize];
                let usual = ip != NO_IP
                    && (st.ok.iter().any(|&(_, p)| super::unpack(p) == ip)
                        || self.ips.get(ip as usize).is_some_and(|s| s.country != super::NO_COUNTRY && st.ok_countries.iter().any(|&(x, _)| x == s.country))
                        || *trusted.entry(ip).or_insert_with(|| org.is_some_and(|o| self.ip_keys[ip as usize].trusted_by(o, self.country_name(ip)))));
                for centre in h - 1..=h + 1 {
                    let win = w.entry(centre).or_default();
                    win.failed.insert(u);
                    if usual {
                        win.usual.insert(u);
                    }
                }
            }
        }
        Windows { org: org_key(org), by_hour: w }
    }

    /// Password spray from this address around `at` (Sentinel's
    /// SigninPasswordSpray: codes 50126, 50053 and 50055, 20-minute windows).
    pub(crate) fn spray(&self, ip: &str, at: DateTime<Utc>) -> Spray {
        let Some(st) = self.ip(ip).map(|i| &self.ips[i as usize]) else { return Spray { window_users: 0, failing_users: 0, succeeding_users: 0 } };
        let t = at.timestamp();
        let near = self.around(&st.bad_password, t - SPRAY_WINDOW, t + SPRAY_WINDOW);
        Spray { window_users: max_users_in_window(near.copied(), t, SPRAY_WINDOW, self.state.len()), failing_users: st.bad_users.len(), succeeding_users: st.ok_users.len() }
    }

    /// Distinct addresses, and distinct countries of them, the user's
    /// password failed from in the 24 hours up to `at`: many of both is a
    /// spray spread over addresses against one account (a phone changing
    /// mobile addresses stays in one country).
    pub(crate) fn user_bad_password_spread_24h(&self, user: Option<&str>, at: DateTime<Utc>) -> Option<(usize, usize)> {
        let st = self.user(user)?;
        let t = at.timestamp();
        let mut ips: Vec<u32> = self.around(&st.bad_password, t - 86_400, t + 60).filter(|&&(_, i)| i != NO_IP).map(|&(_, i)| i).collect();
        ips.sort_unstable();
        ips.dedup();
        let mut countries: Vec<u16> = ips.iter().map(|&i| self.ips[i as usize].country).filter(|&c| c != super::NO_COUNTRY).collect();
        countries.sort_unstable();
        countries.dedup();
        Some((ips.len(), countries.len()))
    }

    /// Other users who failed MFA from this address in the 24 hours before
    /// and after `at`: one address prompting many accounts is an attacker
    /// holding their passwords.
    pub(crate) fn ip_mfa_failed_users(&self, user: Option<&str>, ip: &str, at: DateTime<Utc>) -> usize {
        let me = self.user_id(user);
        let Some(st) = self.ip(ip).map(|i| &self.ips[i as usize]) else { return 0 };
        let t = at.timestamp();
        with_tally(self.state.len(), |seen| self.around(&st.mfa_fail, t - 86_400, t + 86_400).filter(|&&(_, u)| Some(u) != me && seen.add(u)).count())
    }

    /// Whether more users failed (a password or an MFA prompt) from this
    /// address than signed in from it successfully: an office's egress
    /// address mostly succeeds, an attacker's mostly fails. `None` when the
    /// log holds nothing from it.
    pub(crate) fn ip_mostly_failing(&self, ip: &str) -> Option<bool> {
        let i = self.ip(ip)?;
        let verdicts = self.mostly_failing.get_or_init(|| {
            // Once per log, for every address.
            self.ips
                .iter()
                .map(|st| {
                    let mut failing: Vec<u32> = st.bad_users.iter().copied().chain(st.mfa_fail.iter().map(|&(_, u)| u)).collect();
                    failing.sort_unstable();
                    failing.dedup();
                    failing.len() > st.success_users.len()
                })
                .collect()
        });
        verdicts.get(i as usize).copied()
    }

    /// Whether the user signed in successfully and interactively within an
    /// hour after `at`.
    pub(crate) fn interactive_ok_after(&self, user: Option<&str>, at: DateTime<Utc>) -> Option<bool> {
        let st = self.user(user)?;
        let t = at.timestamp();
        Some(self.around(&st.ok, t, t + 3600).any(|&(_, p)| p & super::OK_INTERACTIVE != 0))
    }

    /// Whether the user signed in successfully (interactively, or passing
    /// MFA) from this IP before `at`: an attacker's own success from a proxy
    /// after the fact does not make the address the user's.
    pub(crate) fn user_used_ip_before(&self, user: Option<&str>, ip: &str, at: DateTime<Utc>) -> Option<bool> {
        let st = self.user(user)?;
        let Some(i) = self.ip(ip) else { return Some(false) };
        let t = at.timestamp();
        Some(st.ok.iter().any(|&(x, p)| super::unpack(p) == i && unstamp(x) < t))
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
    /// sign-ins before `at` came from it (an attacker's own success after a
    /// burst of prompts does not make the country familiar). `None` when
    /// there is nothing to compare with.
    pub(crate) fn new_country(&self, user: Option<&str>, country: &str, at: Option<DateTime<Utc>>) -> Option<bool> {
        let st = self.user(user)?;
        let before = |t: u32| at.is_none_or(|at| unstamp(t) < at.timestamp());
        let known: Vec<&(u16, u32)> = st.ok_countries.iter().filter(|(_, t)| before(*t)).collect();
        (!known.is_empty()).then(|| !known.iter().any(|&&(c, _)| self.countries.get(c as usize).is_some_and(|x| x.eq_ignore_ascii_case(country))))
    }

    /// The country a sign-in from this IP showed.
    pub(crate) fn country_of(&self, ip: &str) -> Option<&str> {
        self.country_name(self.ip(ip)?)
    }

    fn country_name(&self, ip: u32) -> Option<&str> {
        let c = self.ips.get(ip as usize)?.country;
        self.countries.get(c as usize).map(|c| &**c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The window count as first written: every window counted afresh.
    fn naive(events: &[Event], at: i64, len: i64) -> usize {
        let near: Vec<(i64, u32)> = events.iter().map(|&(t, u)| (unstamp(t), u)).filter(|&(t, _)| (t - at).abs() <= len).collect();
        let starts = near.iter().map(|&(t, _)| t).filter(|&t| t <= at && t >= at - len).chain([at]);
        starts
            .map(|s| {
                let mut users: Vec<u32> = near.iter().filter(|&&(t, _)| t >= s && t <= s + len).map(|&(_, u)| u).collect();
                users.sort_unstable();
                users.dedup();
                users.len()
            })
            .max()
            .unwrap_or(0)
    }

    /// `ip_mfa_failed_users` counts as collecting the other users and
    /// removing repeats.
    #[test]
    fn other_users_failing_from_an_address_are_counted_once_each() {
        let mut next = super::super::tests::numbers(0x9e37_79b9_7f4a_7c15);
        for round in 0..40 {
            let mut h = History::default();
            let users: Vec<String> = (0..8).map(|u| format!("user{u}@contoso.com")).collect();
            let base = 1_700_000_000i64;
            for _ in 0..next(200) {
                let user = &users[next(8) as usize];
                let ip = ["203.0.113.5", "198.51.100.7"][next(2) as usize];
                let g = super::super::Glimpse { user: Some(user), time: Some(base + next(200_000) as i64), code: Some(500121), ip: Some(ip), ..Default::default() };
                h.add(&g);
            }
            h.finish();
            let at = DateTime::from_timestamp(base + next(200_000) as i64, 0).unwrap_or_default();
            let me = &users[next(8) as usize];
            for ip in ["203.0.113.5", "198.51.100.7"] {
                let mine = h.user_id(Some(me));
                let events = h.ip(ip).map_or(&[][..], |i| &h.ips[i as usize].mfa_fail[..]);
                let t = at.timestamp();
                let mut naive: Vec<u32> = events.iter().filter(|&&(x, u)| within(x, t - 86_400, t + 86_400) && Some(u) != mine).map(|&(_, u)| u).collect();
                naive.sort_unstable();
                naive.dedup();
                assert_eq!(h.ip_mfa_failed_users(Some(me), ip, at), naive.len(), "round {round}, {ip}");
            }
        }
    }

    /// On sorted lists, `around` finds the same events as a look at every event.
    #[test]
    fn a_window_of_a_sorted_list_is_every_event_in_it() {
        let mut next = super::super::tests::numbers(0x51_7cc1_b727_220a);
        let h = History { sorted: true, ..History::default() };
        for round in 0..500 {
            let base = 1_700_000_000i64;
            // Sparse lists, and dense ones where many events share a second.
            let spread = [5_000, 300, 40][round % 3];
            let mut events: Vec<Event> = (0..next(80)).map(|_| (super::super::stamp(base + next(spread) as i64), 0)).collect();
            events.sort_unstable();
            let from = base - 100 + next(spread + 200) as i64;
            let to = from + [0, 1, 60, 1_200, 10_000][round / 3 % 5];
            let naive: Vec<&Event> = events.iter().filter(|&&(x, _)| within(x, from, to)).collect();
            assert_eq!(h.around(&events, from, to).collect::<Vec<_>>(), naive, "round {round}: {from}..={to}");
        }
    }

    #[test]
    fn the_sliding_window_counts_as_every_window_counted_afresh() {
        let mut next = super::super::tests::numbers(0x2545_f491_4f6c_dd1d);
        let base = super::super::stamp(1_700_000_000);
        for round in 0..300 {
            let spread = [60, 1200, 4000][round % 3];
            let events: Vec<Event> = (0..next(60)).map(|_| (base + next(spread) as u32, next(12) as u32)).collect();
            let at = unstamp(base) + next(spread) as i64;
            assert_eq!(max_users_in_window(events.iter().copied(), at, 1200, 12), naive(&events, at, 1200), "round {round}: {events:?} at {at}");
        }
        assert_eq!(max_users_in_window(std::iter::empty(), 0, 1200, 0), 0);
        // `at` before and after every event, every event in one second, a window of no length.
        let same_second: Vec<Event> = (0..9).map(|u| (base, u % 4)).collect();
        let spread: Vec<Event> = (0..9).map(|u| (base + u * 300, u)).collect();
        for events in [&same_second, &spread] {
            for at in [unstamp(base) - 5000, unstamp(base) - 1200, unstamp(base), unstamp(base) + 2400, unstamp(base) + 9000] {
                for len in [0, 1200] {
                    assert_eq!(max_users_in_window(events.iter().copied(), at, len, 9), naive(events, at, len), "{events:?} at {at}, {len} s");
                }
            }
        }
        assert_eq!(max_users_in_window(same_second.iter().copied(), unstamp(base), 0, 4), 4);
    }
}
