//! Facts derived only when a walk reads them.
//!
//! Most of an attempt's facts come from its own records and cost little. The
//! audit log's facts and the history's (spray windows, MFA bursts, the hour's
//! other users) each look through per-user and per-address state, and most
//! walks in a batch read only a few of them. Batch triage derives the record
//! facts, walks, and when the walk read a fact of a group not derived yet
//! (it was unknown to that walk), derives the group and walks again. A walk
//! reads the same values either way, so it ends where a walk over every
//! fact ends (`tests/engines.rs` runs both over every case).

use super::Facts;

/// The audit log's facts, and whether the user ever completed MFA (which
/// reads a registration in the audit log).
pub(super) const AUDIT: u16 = 1;
/// Whether the sign-in's country is new for the user.
pub(super) const COUNTRY: u16 = 1 << 1;
/// Password spray from the address, and against the account from many.
pub(super) const SPRAY: u16 = 1 << 2;
/// The user's failed MFA prompts: in a day, in bursts, then a success.
pub(super) const MFA: u16 = 1 << 3;
/// The address: known to the user, other users failing MFA or mostly failing from it.
pub(super) const IP: u16 = 1 << 4;
/// Other users passing and failing MFA in the same hours.
pub(super) const HOUR: u16 = 1 << 5;
/// An interactive success within the hour after.
pub(super) const AFTER: u16 = 1 << 6;
/// Every group.
pub(super) const ALL: u16 = (1 << 7) - 1;
/// The groups batch triage derives before the first walk: nearly every walk
/// reads them, and a walk that lacks a group is walked again.
pub(super) const EAGER: u16 = SPRAY | COUNTRY;

/// The group a fact is derived in (0: derived with the record facts).
pub(super) fn group_of(name: &str) -> u16 {
    if name.starts_with("audit.") || name == "user.ever_completed_mfa" {
        return AUDIT;
    }
    let Some(rest) = name.strip_prefix("history.") else { return 0 };
    match rest {
        "new_country" => COUNTRY,
        "ip_failed_users" | "password_spray" | "user_failed_ips_24h" | "user_failed_countries_24h" => SPRAY,
        "user_mfa_failures_24h" | "mfa_burst_failures" | "mfa_burst" | "mfa_fatigue" => MFA,
        "user_known_ip" | "ip_mfa_failed_users" | "ip_mostly_failing" => IP,
        "others_mfa_ok_same_hour" | "others_mfa_failed_same_hour" | "others_mfa_failed_usual_place" => HOUR,
        "interactive_success_after" => AFTER,
        _ => 0,
    }
}

impl Facts {
    /// The groups not derived yet that a walk (or a filled-in text) asked
    /// for since the last call, and forget the asking.
    pub(super) fn take_wanted(&mut self) -> u16 {
        let wanted = self.wanted.swap(0, std::sync::atomic::Ordering::Relaxed) & self.pending;
        self.pending &= !wanted;
        wanted
    }

    /// Whether a read asked for a group not derived yet.
    pub(super) fn asked_pending(&self) -> bool {
        self.wanted.load(std::sync::atomic::Ordering::Relaxed) & self.pending != 0
    }

    /// Mark groups as not derived yet.
    pub(super) fn defer(&mut self, groups: u16) {
        self.pending |= groups;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::CATALOG;

    #[test]
    fn every_history_and_audit_fact_has_a_group() {
        for spec in CATALOG.iter() {
            let lazy = spec.name.starts_with("history.") || spec.name.starts_with("audit.");
            assert_eq!(group_of(spec.name) != 0, lazy || spec.name == "user.ever_completed_mfa", "{}", spec.name);
        }
    }

    /// The attempts of a log, and each again with its deciding record
    /// stripped of its time, its address or its user (the branches where a
    /// group's facts are unknown).
    fn attempts_and_variants(ev: &crate::logs::Evidence) -> Vec<crate::logs::Attempt> {
        use crate::logs::Attempt;
        let mut out = Vec::new();
        for a in ev.attempts() {
            let strip: [fn(&mut crate::logs::SignIn); 3] = [
                |r| r.created = None,
                |r| r.ip_address = None,
                |r| {
                    r.user_id = None;
                    r.user_principal_name = None;
                },
            ];
            for f in strip {
                let mut records = a.records().to_vec();
                if let Some(last) = records.last_mut() {
                    f(last);
                }
                out.push(Attempt::from_records(records));
            }
            out.push(a);
        }
        out
    }

    /// Each group derives exactly the facts `group_of` names for it, with the
    /// values the full derivation gives them, and the groups together with
    /// the record facts are the full derivation.
    #[test]
    fn each_group_derives_exactly_its_own_facts() -> crate::Result<()> {
        use crate::facts::{History, OrgSettings};
        use crate::logs::Evidence;
        let org = OrgSettings::from_file(std::path::Path::new("examples/org.ron"))?;
        let mut logs = Vec::new();
        for dir in ["tests/fixtures/declined-unfamiliar-change", "examples/stale-authenticator"] {
            logs.push(Evidence::builder().signins_file(format!("{dir}/signin.json"))?.audit_file(format!("{dir}/audit.json"))?.build());
            logs.push(Evidence::builder().signins_file(format!("{dir}/signin.json"))?.build());
        }
        logs.push(Evidence::builder().signins_file("tests/fixtures/mfa-fatigue/signin.jsonl")?.build());
        logs.push(Evidence::builder().signins_file("tests/fixtures/password-spray/signin.json")?.build());
        let mut compared = 0;
        for ev in &logs {
            let h = History::build(ev.signins());
            for attempt in attempts_and_variants(ev) {
                for org in [None, Some(&org)] {
                    let full = Facts::derive_with(&attempt, ev, &h, org);
                    let mut records = Facts::default();
                    records.derive_records(&attempt, org);
                    let mut seen = records.iter().count();
                    for g in (0..16).map(|b| 1u16 << b).filter(|g| ALL & g != 0) {
                        let mut f = records.clone();
                        f.derive_groups(g, &attempt, ev, &h, org);
                        for (name, fact) in f.iter().filter(|(n, _)| records.get(n).is_none()) {
                            assert_eq!(group_of(name), g, "{name} derived in group {g}");
                            assert_eq!(full.get(name), Some(fact), "{name}");
                            seen += 1;
                        }
                    }
                    assert_eq!(seen, full.iter().count(), "the groups and the record facts are not the full derivation");
                    compared += 1;
                }
            }
        }
        assert!(compared >= 40, "{compared}");
        Ok(())
    }

    #[test]
    fn a_read_of_a_pending_fact_asks_for_its_group_once() {
        let mut f = Facts::default();
        f.defer(SPRAY | AUDIT);
        assert_eq!(f.value("history.password_spray"), None);
        assert_eq!(f.value("signin.error_code"), None);
        assert!(f.get("history.new_country").is_none()); // not pending: not asked for
        assert_eq!(f.take_wanted(), SPRAY);
        assert_eq!(f.take_wanted(), 0);
        assert_eq!(f.value("history.ip_failed_users"), None); // derived now: nothing to ask
        assert_eq!(f.take_wanted(), 0);
        assert_eq!(f.value("audit.recent_changes"), None);
        assert_eq!(f.take_wanted(), AUDIT);
    }
}
