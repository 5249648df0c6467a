//! Merging the histories that pass 1's workers built, each of part of the
//! log: users, addresses and countries renumbered into the first history.

use super::{add_country, insert_user, keep_latest, pack, unpack, Event, History, IpKey, MAX_IP_EVENTS, MAX_TIMES, NO_COUNTRY, NO_IP, OK_FLAGS};

impl History {
    /// Merge another history (built by another thread) into this one.
    pub(crate) fn merge(&mut self, other: History) {
        self.sorted = false;
        if self.records == 0 && self.users.is_empty() && self.ips.is_empty() {
            // The first worker's history: taken as it is, not copied entry by entry.
            *self = other;
            return;
        }
        // Addresses first: the other history's numbers become ours.
        let mut ip_map: Vec<u32> = vec![NO_IP; other.ips.len()];
        let mut ips: Vec<(IpKey, u32)> = other.ip_ids.into_iter().collect();
        ips.sort_by_key(|(_, i)| *i);
        for (key, oi) in ips {
            let (c, ct) = (other.ips[oi as usize].country, other.ips[oi as usize].country_time);
            let i = self.ip_id(key);
            ip_map[oi as usize] = i;
            let mine = &self.ips[i as usize];
            let theirs = other.countries.get(c as usize).map(|x| x.to_ascii_uppercase());
            let earlier = ct < mine.country_time || (ct == mine.country_time && theirs.is_some_and(|x| self.countries.get(mine.country as usize).is_some_and(|m| x < m.to_ascii_uppercase())));
            if c != NO_COUNTRY && (mine.country == NO_COUNTRY || earlier) {
                let c = self.country_index(&other.countries[c as usize]);
                let mine = &mut self.ips[i as usize];
                mine.country = c;
                mine.country_time = ct;
            }
        }
        let ipm = |i: u32| if i == NO_IP { NO_IP } else { ip_map[i as usize] };
        let mut map: Vec<u32> = vec![0; other.state.len()];
        let mut users: Vec<(u64, u32)> = other.users.into_iter().collect();
        users.sort_by_key(|(_, u)| *u);
        let mut other_state = other.state;
        for (key, ou) in users {
            let st = std::mem::take(&mut other_state[ou as usize]);
            let countries: Vec<(u16, u32)> = st.ok_countries.iter().map(|&(c, t)| (self.country_index(&other.countries[c as usize]), t)).collect();
            let u = self.user_index(key);
            map[ou as usize] = u;
            let mine = &mut self.state[u as usize];
            let remap = |v: Vec<Event>| v.into_iter().map(move |(t, i)| (t, ipm(i)));
            // Room for exactly both lists: a doubled list for each of
            // thousands of users is the merge's peak.
            for (dst, src) in [(&mut mine.mfa_fail, st.mfa_fail), (&mut mine.bad_password, st.bad_password)] {
                dst.reserve_exact(src.len());
                dst.extend(remap(src));
                keep_latest(dst, MAX_TIMES);
            }
            mine.ok.reserve_exact(st.ok.len());
            mine.ok.extend(st.ok.into_iter().map(|(t, p)| (t, pack(ipm(unpack(p))) | (p & OK_FLAGS))));
            keep_latest(&mut mine.ok, MAX_TIMES);
            mine.last_ok = mine.last_ok.max(st.last_ok);
            for (c, t) in countries {
                add_country(&mut mine.ok_countries, c, t);
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
            mine.failed.extend(hour.failed.into_iter().map(|(u, i)| (map[u as usize], ipm(i))));
        }
        for (oi, st) in other.ips.into_iter().enumerate() {
            let mine = &mut self.ips[ip_map[oi] as usize];
            for (dst, src) in [(&mut mine.bad_password, st.bad_password), (&mut mine.mfa_fail, st.mfa_fail)] {
                dst.reserve_exact(src.len());
                dst.extend(src.into_iter().map(|(t, u)| (t, map[u as usize])));
                keep_latest(dst, MAX_IP_EVENTS);
            }
            for (dst, src) in [(&mut mine.bad_users, st.bad_users), (&mut mine.ok_users, st.ok_users), (&mut mine.success_users, st.success_users)] {
                for u in src {
                    insert_user(dst, map[u as usize]);
                }
            }
        }
        self.records += other.records;
        self.mfa_ok_seen |= other.mfa_ok_seen;
    }
}
