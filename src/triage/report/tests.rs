use super::*;

#[test]
fn a_users_values_are_sorted_distinct_capped_and_shared() {
    let mut pool = FastSet::default();
    let mut sub = Subject::default();
    for (app, client) in [("Teams", "Browser"), ("Azure Portal", "Browser"), ("Teams", "Mobile Apps and Desktop clients"), ("", "Browser")] {
        sub.see(10, intern(&mut pool, Some(app)), intern(&mut pool, Some(client)));
    }
    assert_eq!(sub.what.join(), "Azure Portal; Teams");
    assert_eq!(sub.on.join(), "Browser; Mobile Apps and Desktop clients");
    assert_eq!(sub.count, 4);
    // One copy of each text, however many users name it.
    assert_eq!(pool.len(), 4);
    let mut other = Subject::default();
    for i in 0..20 {
        other.see(20, intern(&mut pool, Some(&format!("app {i:02}"))), None);
    }
    assert_eq!(other.what.0.len(), VALUES_CAP, "capped");
    sub.merge(other);
    assert_eq!((sub.count, sub.last), (24, 20));
    assert_eq!(sub.what.0.len(), VALUES_CAP);
    assert!(sub.what.0.windows(2).all(|w| w[0] < w[1]), "sorted and distinct: {:?}", sub.what);
    assert_eq!(sub.what.0.first().map(|v| &**v), Some("Azure Portal"));
    // The same values in any order keep the same first eight.
    let (mut forward, mut backward) = (Values::default(), Values::default());
    let names: Vec<Arc<str>> = (0..20).map(|i| Arc::from(format!("app {i:02}"))).collect();
    names.iter().for_each(|n| forward.insert(n.clone()));
    names.iter().rev().for_each(|n| backward.insert(n.clone()));
    assert_eq!(forward.join(), backward.join());
    assert_eq!(forward.join(), "app 00; app 01; app 02; app 03; app 04; app 05; app 06; app 07");
    assert!(backward.0.capacity() < 2 * VALUES_CAP, "a full list grew: {}", backward.0.capacity());
}

/// The history knows a user by their id; the check lists them by UPN.
#[test]
fn a_user_asked_to_register_who_then_passed_mfa_is_not_listed() {
    use crate::facts::Glimpse;
    let t0 = 1_700_000_000;
    let record = |t: i64, code: i64, upn: &'static str, id: &'static str| Seen {
        time: Some(t),
        user: Some(id.into()),
        upn: Some(upn.into()),
        code: Some(code),
        mfa: crate::logs::MfaSays { required: code == 0, ..Default::default() },
        ..Default::default()
    };
    let mut acc = RolloutAcc::default();
    let mut h = History::default();
    for s in [record(t0, 50079, "Ann@Contoso.com", "11111111-aaaa"), record(t0 + 600, 0, "Ann@Contoso.com", "11111111-aaaa"), record(t0, 50079, "bob@contoso.com", "22222222-bbbb")] {
        acc.add(&s, None);
        h.add(&Glimpse::of_summary(&s));
    }
    h.finish();
    let checks = acc.checks(None, &h);
    let stuck = checks.iter().find(|c| c.id == "unable-to-register").map(|c| c.rows.iter().map(|r| r[0].clone()).collect::<Vec<_>>());
    assert_eq!(stuck, Some(vec!["bob@contoso.com".to_string()]));
}

/// Two registration prompts in one second, in either order and split
/// between workers either way: the same row.
#[test]
fn the_registration_kept_does_not_depend_on_the_order_of_records() {
    let h = History::default();
    let record = |code: i64| Seen { time: Some(1_700_000_000), upn: Some("ann@contoso.com".into()), code: Some(code), ..Default::default() };
    let rows = |accs: Vec<Vec<i64>>| {
        let mut all = RolloutAcc::default();
        for codes in accs {
            let mut acc = RolloutAcc::default();
            codes.into_iter().for_each(|c| acc.add(&record(c), None));
            all.merge(acc);
        }
        all.checks(None, &h).into_iter().find(|c| c.id == "unable-to-register").map(|c| c.rows)
    };
    let expected = rows(vec![vec![50072, 50079]]);
    assert_eq!(expected.as_ref().and_then(|r| r.first()).map(|r| r[2].as_str()), Some("50079"));
    for accs in [vec![vec![50079, 50072]], vec![vec![50079], vec![50072]], vec![vec![50072], vec![50079]]] {
        assert_eq!(rows(accs.clone()), expected, "{accs:?}");
    }
}

/// Past the cap, the uses listed are the earliest, however the records
/// were split between workers and in whatever order they came.
#[test]
fn the_break_glass_uses_listed_do_not_depend_on_the_workers() {
    let cap = 5;
    let use_at = |i: usize| BreakGlassUse { time: format!("2026-11-24 07:{:02}:00", (i * 37) % 60), user: format!("bg{}@contoso.com", i % 3), ..Default::default() };
    let listed = |parts: Vec<Vec<usize>>| {
        let mut all: Vec<BreakGlassUse> = Vec::new();
        for part in parts {
            let mut mine = Vec::new();
            for i in part {
                mine.push(use_at(i));
                keep_earliest(&mut mine, cap);
            }
            all.extend(mine);
            keep_earliest(&mut all, cap);
        }
        all.sort();
        all.truncate(cap);
        all
    };
    let every: Vec<usize> = (0..40).collect();
    let expected = listed(vec![every.clone()]);
    let mut sorted: Vec<BreakGlassUse> = every.iter().map(|&i| use_at(i)).collect();
    sorted.sort();
    assert_eq!(expected, sorted[..cap]);
    let backward: Vec<usize> = every.iter().rev().copied().collect();
    let odd_even = vec![every.iter().copied().filter(|i| i % 2 == 1).collect(), every.iter().copied().filter(|i| i % 2 == 0).collect()];
    for parts in [vec![backward], odd_even, every.chunks(7).map(<[usize]>::to_vec).collect()] {
        assert_eq!(listed(parts.clone()), expected, "{parts:?}");
    }
}

#[test]
fn policies_without_a_name_still_count_as_applied() {
    let raw = serde_json::value::RawValue::from_string(r#"[{"displayName":"","result":"success"},{"result":"reportOnlyFailure"},{"displayName":"MFA for admins","result":"notApplied"}]"#.to_string());
    let names = raw.ok().and_then(|r| applied_policies(Some(&r)));
    assert_eq!(names, Some(vec!["(unnamed policy)".to_string(), "(unnamed policy) (reportOnlyFailure)".to_string()]));
}
