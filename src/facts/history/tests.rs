//! The history: merges, caps, countries, stamps.

use super::*;

fn g<'a>(user: &'a str, time: i64, code: i64, ip: &'a str, country: &'a str) -> Glimpse<'a> {
    Glimpse { user: Some(user), time: Some(time), code: Some(code), mfa_ok_hint: true, ip: Some(ip), country: Some(country), interactive: Some(true) }
}

#[test]
fn countries_by_address_survive_a_merge_and_match_however_an_ipv6_address_is_written() -> Result<(), Box<dyn std::error::Error>> {
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
    Ok(())
}

#[test]
fn the_last_mfa_success_counts_past_the_cap_on_kept_times() -> Result<(), Box<dyn std::error::Error>> {
    let mut h = History::default();
    let t0 = 1_700_000_000;
    for i in 0..(MAX_TIMES as i64 + 10) {
        h.add(&g("ann", t0 + i * 60, 0, "203.0.113.7", "GB"));
    }
    assert_eq!(h.last_mfa_ok(Some("ANN")), Some(t0 + (MAX_TIMES as i64 + 9) * 60));
    assert!(h.user_mfa_ok(Some("ann")));
    assert!(!h.user_mfa_ok(Some("bob")));
    Ok(())
}

fn fail<'a>(user: &'a str, time: i64, ip: &'a str, country: &'a str) -> Glimpse<'a> {
    Glimpse { user: Some(user), time: Some(time), code: Some(500121), mfa_ok_hint: false, ip: Some(ip), country: Some(country), interactive: Some(true) }
}

/// What the capped lists keep does not depend on the order of the
/// records nor on how they were split between worker threads, and a late
/// burst after many earlier denials is seen.
#[test]
fn caps_keep_the_latest_whatever_the_order_and_the_split() -> Result<(), Box<dyn std::error::Error>> {
    let t0 = 1_700_000_000;
    // 2,000 denials over two weeks, then a burst of 12 within ten minutes.
    let mut events: Vec<Glimpse<'_>> = (0..2000).map(|i| fail("ann", t0 + i * 600, "203.0.113.7", "GB")).collect();
    let burst_at = t0 + 2000 * 600 + 86_400;
    events.extend((0..12).map(|i| fail("ann", burst_at + i * 50, "198.51.100.9", "NL")));
    // The address first seen (in time) from GB, though a later record says FR.
    events.push(fail("bob", t0 - 10, "192.0.2.1", "GB"));
    events.push(fail("bob", t0 + 10, "192.0.2.1", "FR"));
    let at = chrono::DateTime::from_timestamp(burst_at + 600, 0).ok_or("a time in range")?;
    let answers = |h: &History| (h.mfa_burst(Some("ann"), at).map(|b| b.failures), h.user_mfa_failures_24h(Some("ann"), at), h.country_of("192.0.2.1").map(String::from));
    let mut forward = History::default();
    events.iter().for_each(|g| forward.add(g));
    forward.finish();
    let expected = answers(&forward);
    assert_eq!(expected, (Some(12), Some(12), Some("GB".to_string())), "the burst is not hidden by the cap");
    let mut backward = History::default();
    events.iter().rev().for_each(|g| backward.add(g));
    backward.finish();
    assert_eq!(answers(&backward), expected);
    // Split as worker threads might take batches: interleaved, merged in either order.
    for first_odd in [false, true] {
        let (mut a, mut b) = (History::default(), History::default());
        for (i, g) in events.iter().enumerate() {
            if (i / 37) % 2 == usize::from(first_odd) {
                a.add(g)
            } else {
                b.add(g)
            }
        }
        a.merge(b);
        a.finish();
        assert_eq!(answers(&a), expected, "split {first_odd}");
    }
    Ok(())
}

/// Events that all share one second (times before 2000 all stamp as 0)
/// keep the lists bounded, without sorting them again at every push.
#[test]
fn ties_at_the_cut_keep_the_lists_bounded() -> Result<(), Box<dyn std::error::Error>> {
    let mut h = History::default();
    for i in 0..20_000 {
        h.add(&fail("ann", 0, if i % 2 == 0 { "203.0.113.7" } else { "198.51.100.9" }, "GB"));
    }
    let st = &h.state[0];
    assert!(st.mfa_fail.len() < 2 * MAX_TIMES, "{}", st.mfa_fail.len());
    h.finish();
    assert!(h.state[0].mfa_fail.len() < 2 * MAX_TIMES);
    Ok(())
}

#[test]
fn times_round_trip_through_the_compact_stamp() -> Result<(), Box<dyn std::error::Error>> {
    for t in [EPOCH_2000, 1_700_000_000, 4_000_000_000] {
        assert_eq!(unstamp(stamp(t)), t);
    }
    assert_eq!(stamp(0), 0, "times before 2000 clamp, they cannot be Entra sign-ins");
    Ok(())
}

/// Once the lists are sorted, each question looks only at the events in its
/// window: the answers are those of the whole lists (the records here come
/// in shuffled, and stay under the caps, so nothing is cut).
#[test]
fn sorted_lists_answer_as_the_whole_lists() -> Result<(), Box<dyn std::error::Error>> {
    let t0 = 1_700_000_000;
    let mut next = numbers(0x9e37_79b9_7f4a_7c15);
    let (users, ips) = (["ann", "bob", "cy", "dee"], ["203.0.113.7", "198.51.100.9", "192.0.2.1"]);
    let records: Vec<Glimpse<'_>> = (0..400)
        .map(|_| {
            let code = [0, 0, 500121, 50126, 50053, 50074][next(6) as usize];
            // Whole minutes, as the questions' windows are: events fall on their edges.
            let mut r = g(users[next(4) as usize], t0 + next(3 * 1440) as i64 * 60, code, ips[next(3) as usize], "GB");
            r.interactive = Some(next(2) == 0);
            r
        })
        .collect();
    let (mut whole, mut sorted) = (History::default(), History::default());
    for r in &records {
        whole.add(r);
        sorted.add(r);
    }
    sorted.finish();
    assert!(sorted.sorted && !whole.sorted);
    for _ in 0..2000 {
        let at = chrono::DateTime::from_timestamp(t0 + next(3 * 1440) as i64 * 60, 0).ok_or("a time")?;
        let (u, ip) = (Some(users[next(4) as usize]), ips[next(3) as usize]);
        assert_eq!(whole.spray(ip, at), sorted.spray(ip, at));
        assert_eq!(whole.user_mfa_failures_24h(u, at), sorted.user_mfa_failures_24h(u, at));
        let (a, b) = (whole.mfa_burst(u, at), sorted.mfa_burst(u, at));
        assert_eq!(a.map(|x| (x.failures, x.then_success)), b.map(|x| (x.failures, x.then_success)));
        assert_eq!(whole.user_bad_password_spread_24h(u, at), sorted.user_bad_password_spread_24h(u, at));
        assert_eq!(whole.ip_mfa_failed_users(u, ip, at), sorted.ip_mfa_failed_users(u, ip, at));
        assert_eq!(whole.interactive_ok_after(u, at), sorted.interactive_ok_after(u, at));
    }
    Ok(())
}

/// Repeatable pseudo-random numbers below `n` (xorshift) for the tests
/// that throw many made-up records at the history.
pub(super) fn numbers(mut seed: u64) -> impl FnMut(u64) -> u64 {
    move |n| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    }
}

#[test]
fn one_user_written_in_two_cases_by_two_workers_is_one_user_after_the_merge() {
    let t0 = 1_700_000_000;
    let mut a = History::default();
    a.add(&g("Ann@Contoso.com", t0, 500121, "203.0.113.7", "GB"));
    let mut b = History::default();
    b.add(&g("ann@contoso.com", t0 + 60, 500121, "203.0.113.7", "GB"));
    b.add(&g("ANN@CONTOSO.COM", t0 + 120, 0, "203.0.113.7", "GB"));
    a.merge(b);
    a.finish();
    let at = chrono::DateTime::from_timestamp(t0 + 600, 0).unwrap_or_default();
    assert_eq!(a.user_mfa_failures_24h(Some("aNN@contoso.com"), at), Some(2));
    assert_eq!(a.last_mfa_ok(Some("ann@contoso.com")), Some(t0 + 120));
    assert_eq!(a.state.len(), 1);
}
