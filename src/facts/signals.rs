//! Facts that read one record's kind (method, guest, client, risk) and the
//! facts that the surrounding log gives ([`History`]): fatigue, spray,
//! outage, non-interactive noise.

use super::derive::text;
use super::{lazy, Facts, History, OrgSettings, Value};
use crate::logs::contains_ci;
use crate::logs::{Attempt, AuthStep, SignIn};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// The kind of an MFA or sign-in method, from its display name
/// (`authenticationMethod`, `mfaDetail.authMethod`), compared by families
/// since the portal, Graph and Log Analytics spell them differently.
pub fn method_kind(method: &str) -> &'static str {
    super::classify::first_family(
        method,
        &[
            (&["temporary access pass"], "tap"),
            (&["passkey", "fido"], "passkey"),
            (&["windows hello"], "whfb"),
            (&["certificate", "x.509", "x509"], "certificate"),
            (&["previously satisfied", "claim in", "refresh token", "satisfied by token"], "token"),
            (&["notification", "push", "phone sign-in", "authenticator app"], "push"),
            (&["text message", "sms"], "sms"),
            (&["voice", "phone call", "call to"], "voice"),
            (&["oath", "verification code", "otp", "hardware token", "software token"], "otp"),
            (&["password"], "password"),
        ],
        "other",
    )
}

/// User agents of scripts and libraries rather than a person's browser or app.
const SCRIPT_AGENTS: &[&str] = &[
    "python-requests",
    "python/",
    "aiohttp",
    "powershell",
    "curl/",
    "wget/",
    "go-http-client",
    "okhttp",
    "java/",
    "apache-httpclient",
    "axios/",
    "node-fetch",
    "postmanruntime",
    "libwww-perl",
    "azurepowershell",
    "azure-cli",
];

/// Whether a user agent is a script or an HTTP library.
pub fn is_script_agent(agent: &str) -> bool {
    // One pass over the agent for all the names at once (every failed
    // attempt in a batch asks this of a long browser string).
    static NAMES: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> = std::sync::OnceLock::new();
    match NAMES.get_or_init(|| aho_corasick::AhoCorasick::builder().ascii_case_insensitive(true).build(SCRIPT_AGENTS).ok()) {
        Some(names) => names.is_match(agent),
        None => SCRIPT_AGENTS.iter().any(|s| contains_ci(agent, s)),
    }
}

/// Requirement providers that mean Identity Protection's risk policies.
const RISK_PROVIDERS: &[&str] = &["tenantSessionRiskPolicy", "accountCompromisePolicies", "riskBasedPolicy", "mfaRegistrationRequiredByIdentityProtectionPolicy"];

/// The primary (first-factor) step of the latest record that has one: the
/// first step that is not MFA and says whether it succeeded.
pub(super) fn primary_step(attempt: &Attempt) -> Option<(&SignIn, &AuthStep)> {
    attempt.records().iter().rev().find_map(|r| r.authentication_details.as_deref()?.iter().find(|st| !crate::logs::is_mfa_step(st) && st.succeeded.is_some()).map(|st| (r, st)))
}

/// The label of `r`, one of the attempt's records: the deciding record
/// `d`'s label `rec` (always `d`'s) shared where `r` is that record (as it
/// is in most attempts), not formatted again.
pub(super) fn label_of(r: &SignIn, d: &SignIn, rec: &Option<Arc<str>>) -> Option<Arc<str>> {
    debug_assert!(rec.as_deref() == Some(&*super::derive::rec_label(d)), "`rec` is the deciding record's label");
    if std::ptr::eq(r, d) {
        rec.clone()
    } else {
        Some(super::derive::rec_label(r))
    }
}

/// Facts of the record's kind: risk, guest, client, primary method.
pub(super) fn record_facts(f: &mut Facts, attempt: &Attempt, rec: &Option<Arc<str>>) {
    let d = attempt.deciding();
    let put = |f: &mut Facts, name: &'static str, v: Option<Value>, field: &'static str, why: &'static str| match v {
        Some(v) => f.set(name, v, field, rec.clone()),
        None => f.unknown(name, field, why),
    };
    let agg = d.risk_level_aggregated.as_deref().filter(|r| !r.eq_ignore_ascii_case("hidden"));
    put(f, "signin.user_risk_level", text(agg), "riskLevelAggregated", "not in the record, or hidden (no Entra ID P2 licence)");
    let active = d.risk_state.as_deref().filter(|s| !s.is_empty()).map(|s| s.eq_ignore_ascii_case("atRisk") || s.eq_ignore_ascii_case("confirmedCompromised"));
    put(f, "signin.risk_active", active.map(Value::Bool), "riskState", "the record has no risk state");
    if active == Some(false) && d.risk_state.as_deref().is_some_and(|s| !s.eq_ignore_ascii_case("none")) {
        f.note("signin.risk_active", "the risk was dismissed, remediated or confirmed safe");
    }
    let by_provider = d.authentication_requirement_policies.iter().flatten().filter_map(|p| p.requirement_provider.as_deref()).any(|p| RISK_PROVIDERS.iter().any(|r| r.eq_ignore_ascii_case(p)));
    let by_condition = d.conditional_access_policies.iter().flatten().any(|p| {
        p.result.as_deref().is_some_and(|r| r.eq_ignore_ascii_case("failure")) && p.conditions_satisfied.as_deref().is_some_and(|c| contains_ci(c, "userrisk") || contains_ci(c, "signinrisk"))
    });
    let known = d.authentication_requirement_policies.is_some() || d.conditional_access_policies.is_some();
    put(
        f,
        "signin.risk_policy",
        known.then_some(Value::Bool(by_provider || by_condition)),
        "authenticationRequirementPolicies / appliedConditionalAccessPolicies.conditionsSatisfied",
        "the record lists neither requirement policies nor Conditional Access results",
    );
    put(f, "signin.user_type", text(d.user_type.as_deref()), "userType", "the record has no user type");
    put(f, "signin.cross_tenant_access", text(d.cross_tenant_access_type.as_deref()), "crossTenantAccessType", "the record has no cross-tenant access type");
    let tenants = match (d.home_tenant_id.as_deref().filter(|s| !s.is_empty()), d.resource_tenant_id.as_deref().filter(|s| !s.is_empty())) {
        (Some(h), Some(r)) => Some(!h.eq_ignore_ascii_case(r)),
        _ => None,
    };
    let guest_type = d.user_type.as_deref().map(|t| t.eq_ignore_ascii_case("guest"));
    let b2b = d.cross_tenant_access_type.as_deref().map(|t| t.to_ascii_lowercase().starts_with("b2b"));
    let guest = match (guest_type, b2b, tenants) {
        (None, None, None) => None,
        (g, b, t) => Some(g == Some(true) || b == Some(true) || t == Some(true)),
    };
    put(f, "signin.is_guest", guest.map(Value::Bool), "userType, crossTenantAccessType, homeTenantId vs resourceTenantId", "the record has none of userType, crossTenantAccessType or the tenant ids");
    put(f, "signin.user_agent", text(d.user_agent.as_deref()), "userAgent", "the record has no user agent");
    let ropc = d.authentication_protocol.as_deref().is_some_and(|p| p.eq_ignore_ascii_case("ropc"));
    let script = match (d.user_agent.as_deref().filter(|a| !a.is_empty()), ropc) {
        (_, true) => Some(true),
        (Some(a), false) => Some(is_script_agent(a)),
        (None, false) => None,
    };
    put(f, "signin.script_client", script.map(Value::Bool), "userAgent, authenticationProtocol", "the record has no user agent and no protocol");
    match primary_step(attempt) {
        Some((r, st)) => {
            let label = label_of(r, d, rec);
            match st.method.as_deref().filter(|m| !m.is_empty()) {
                Some(m) => f.set("signin.primary_method", Value::Text(m.into()), "authenticationDetails (primary step)", label.clone()),
                None => f.unknown("signin.primary_method", "authenticationDetails", "the primary step names no method"),
            }
            match st.result_detail.as_deref().filter(|m| !m.is_empty()) {
                Some(m) => f.set("signin.primary_result", Value::Text(m.into()), "authenticationDetails (primary step)", label),
                None => f.unknown("signin.primary_result", "authenticationDetails", "the primary step has no result text"),
            }
        }
        None => {
            f.unknown("signin.primary_method", "authenticationDetails", attempt.no_steps_reason());
            f.unknown("signin.primary_result", "authenticationDetails", attempt.no_steps_reason());
        }
    }
}

/// Set the MFA method's kind from `mfa.method`.
pub(super) fn method_kind_fact(f: &mut Facts) {
    match f.get("mfa.method").and_then(|x| x.value.clone().map(|v| (v, x.source.record.clone()))) {
        Some((Value::Text(m), rec)) => f.set("mfa.method_kind", Value::Text(method_kind(&m).into()), "classified from mfa.method", rec),
        _ => f.unknown("mfa.method_kind", "authenticationDetails", "no MFA method in the records"),
    }
}

const LOG: &str = "the given sign-in log";

/// The facts the surrounding log gives, of the given groups (`lazy`).
pub(super) fn history_facts(f: &mut Facts, d: &SignIn, h: &History, org: Option<&OrgSettings>, groups: u16) {
    // The name the history keeps the user by (an empty id is no id).
    let who = super::history_user(d.user_id.as_deref(), d.user_principal_name.as_deref());
    let ip = d.ip_address.as_deref().filter(|i| !i.is_empty());
    if groups & lazy::COUNTRY != 0 {
        new_country_fact(f, d, who, h);
    }
    let Some(at) = d.created else {
        for n in TIMED.iter().filter(|n| lazy::group_of(n) & groups != 0) {
            f.unknown(*n, "createdDateTime", "the record has no time");
        }
        return;
    };
    if groups & lazy::SPRAY != 0 {
        spray_facts(f, who, ip, at, h, org);
    }
    if groups & lazy::MFA != 0 {
        mfa_history_facts(f, who, at, h);
    }
    if groups & lazy::IP != 0 {
        ip_facts(f, who, ip, at, h);
    }
    if groups & lazy::HOUR != 0 {
        hour_facts(f, who, at, h, org);
    }
    if groups & lazy::AFTER != 0 {
        match h.interactive_ok_after(who, at) {
            Some(b) => f.set("history.interactive_success_after", Value::Bool(b), LOG, None),
            None => f.unknown("history.interactive_success_after", LOG, "the record names no user"),
        }
    }
}

fn new_country_fact(f: &mut Facts, d: &SignIn, who: Option<&str>, h: &History) {
    match d.country() {
        Some(c) => match h.new_country(who, c, d.created) {
            Some(new) => {
                f.set("history.new_country", Value::Bool(new), LOG, None);
                f.note_with("history.new_country", || format!("{c} against the countries of the user's earlier successful sign-ins"));
            }
            None => f.unknown("history.new_country", LOG, "the log has no earlier successful sign-in of this user to compare with"),
        },
        None => f.unknown("history.new_country", "location.countryOrRegion", "the record has no location"),
    }
}

fn mfa_history_facts(f: &mut Facts, who: Option<&str>, at: DateTime<Utc>, h: &History) {
    match h.user_mfa_failures_24h(who, at) {
        Some(n) => {
            f.set("history.user_mfa_failures_24h", Value::Number(n as f64), LOG, None);
            f.note_with("history.user_mfa_failures_24h", || format!("{} sign-in{} in the given log", h.records(), if h.records() == 1 { "" } else { "s" }));
        }
        None => f.unknown("history.user_mfa_failures_24h", LOG, "the record names no user"),
    }
    match h.mfa_burst(who, at) {
        Some(b) => {
            let burst = b.failures >= super::history::BURST_MIN;
            f.set("history.mfa_burst_failures", Value::Number(b.failures as f64), LOG, None);
            f.note("history.mfa_burst_failures", "failed MFA (500121) by this user, from any IP, within 30 minutes either side");
            f.set("history.mfa_burst", Value::Bool(burst), LOG, None);
            f.note("history.mfa_burst", "more than 10 failed prompts within an hour, from any IP (Microsoft Sentinel's count, grouped by user as SigmaHQ's fatigue rule does)");
            f.set("history.mfa_fatigue", Value::Bool(burst && b.then_success), LOG, None);
            f.note("history.mfa_fatigue", "more than 10 failed prompts, then an MFA success within 10 minutes (Microsoft Sentinel, MFA spamming followed by successful login)");
        }
        None => {
            for n in ["history.mfa_burst_failures", "history.mfa_burst", "history.mfa_fatigue"] {
                f.unknown(n, LOG, "the record names no user");
            }
        }
    }
}

fn ip_facts(f: &mut Facts, who: Option<&str>, ip: Option<&str>, at: DateTime<Utc>, h: &History) {
    let Some(ip) = ip else {
        for n in ["history.user_known_ip", "history.ip_mfa_failed_users", "history.ip_mostly_failing"] {
            f.unknown(n, "ipAddress", "the record has no IP address");
        }
        return;
    };
    match h.user_used_ip_before(who, ip, at) {
        Some(b) => {
            f.set("history.user_known_ip", Value::Bool(b), LOG, None);
            f.note_with("history.user_known_ip", || format!("successful sign-ins of this user from {ip} before this one"));
        }
        None => f.unknown("history.user_known_ip", LOG, "the log holds no other sign-in of this user"),
    }
    f.set("history.ip_mfa_failed_users", Value::Number(h.ip_mfa_failed_users(who, ip, at) as f64), LOG, None);
    f.note_with("history.ip_mfa_failed_users", || format!("other users who failed MFA from {ip} within 24 hours"));
    match h.ip_mostly_failing(ip) {
        Some(b) => {
            f.set("history.ip_mostly_failing", Value::Bool(b), LOG, None);
            f.note_with("history.ip_mostly_failing", || format!("users failing a password or MFA from {ip} against users signing in successfully from it"));
        }
        None => f.unknown("history.ip_mostly_failing", LOG, "the log holds nothing else from this IP"),
    }
}

fn hour_facts(f: &mut Facts, who: Option<&str>, at: DateTime<Utc>, h: &History, org: Option<&OrgSettings>) {
    match h.others_same_hour(who, at, org) {
        Some(o) => {
            f.set("history.others_mfa_ok_same_hour", Value::Bool(o.ok > 0), LOG, None);
            f.note("history.others_mfa_ok_same_hour", if o.ok > 0 { "another user passed MFA within the hour" } else { "no other user passed MFA within the hour" });
            f.set("history.others_mfa_failed_same_hour", Value::Number(o.failed as f64), LOG, None);
            f.set("history.others_mfa_failed_usual_place", Value::Number(o.failed_usual as f64), LOG, None);
            f.note("history.others_mfa_failed_usual_place", "other users failing MFA from a trusted IP or country, or one of their own successful sign-ins");
        }
        None => {
            let why = "the given log has no other user's sign-in within an hour, or no MFA success at all (an export of failures only)";
            for n in ["history.others_mfa_ok_same_hour", "history.others_mfa_failed_same_hour", "history.others_mfa_failed_usual_place"] {
                f.unknown(n, LOG, why);
            }
        }
    }
}

/// The history facts that need the sign-in's time.
const TIMED: &[&str] = &[
    "history.ip_failed_users",
    "history.password_spray",
    "history.user_failed_ips_24h",
    "history.user_failed_countries_24h",
    "history.user_mfa_failures_24h",
    "history.mfa_burst_failures",
    "history.mfa_burst",
    "history.mfa_fatigue",
    "history.ip_mfa_failed_users",
    "history.ip_mostly_failing",
    "history.user_known_ip",
    "history.others_mfa_ok_same_hour",
    "history.others_mfa_failed_same_hour",
    "history.others_mfa_failed_usual_place",
    "history.interactive_success_after",
];

fn spray_facts(f: &mut Facts, who: Option<&str>, ip: Option<&str>, at: DateTime<Utc>, h: &History, org: Option<&OrgSettings>) {
    match ip {
        Some(ip) => {
            let s = h.spray(ip, at);
            f.set("history.ip_failed_users", Value::Number(s.window_users as f64), LOG, None);
            f.note_with("history.ip_failed_users", || format!("distinct users with a wrong password, a lockout or an expired password from {ip} in a 20-minute window"));
            let trusted = org.and_then(|o| o.ip_trusted(ip)) == Some(true);
            let spray = s.window_users >= 5 && s.failing_users > s.succeeding_users && !trusted;
            f.set("history.password_spray", Value::Bool(spray), LOG, None);
            f.note_with("history.password_spray", || {
                format!(
                    "{} users in 20 minutes (5 or more needed); {} users failed and {} succeeded from this IP in the log (failures must outnumber successes){}",
                    s.window_users,
                    s.failing_users,
                    s.succeeding_users,
                    if trusted { "; the IP is in a trusted range, so not counted" } else { "" }
                )
            });
        }
        None => {
            f.unknown("history.ip_failed_users", "ipAddress", "the record has no IP address");
            f.unknown("history.password_spray", "ipAddress", "the record has no IP address");
        }
    }
    match h.user_bad_password_spread_24h(who, at) {
        Some((ips, countries)) => {
            f.set("history.user_failed_ips_24h", Value::Number(ips as f64), LOG, None);
            f.note("history.user_failed_ips_24h", "distinct IPs this user's password failed from in the 24 hours before");
            f.set("history.user_failed_countries_24h", Value::Number(countries as f64), LOG, None);
            f.note("history.user_failed_countries_24h", "distinct countries of those IPs");
        }
        None => {
            f.unknown("history.user_failed_ips_24h", LOG, "the record names no user");
            f.unknown("history.user_failed_countries_24h", LOG, "the record names no user");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record whose `userId` is empty is the UPN's, as the history keeps it.
    #[test]
    fn a_sign_in_with_an_empty_user_id_is_asked_about_by_its_upn() -> crate::Result<()> {
        let log = r#"[
          {"id": "a", "correlationId": "c1", "createdDateTime": "2026-11-20T08:00:00Z", "userId": "", "userPrincipalName": "Ann@contoso.com",
           "ipAddress": "203.0.113.7", "location": {"countryOrRegion": "GB"}, "isInteractive": true,
           "authenticationRequirement": "multiFactorAuthentication", "status": {"errorCode": 0}},
          {"id": "b", "correlationId": "c2", "createdDateTime": "2026-11-20T09:00:00Z", "userId": "", "userPrincipalName": "ann@contoso.com",
           "ipAddress": "203.0.113.7", "location": {"countryOrRegion": "GB"}, "isInteractive": true, "status": {"errorCode": 500121}}
        ]"#;
        let ev = crate::logs::Evidence::builder().signins_str("log.json", log)?.build();
        let h = History::build(ev.signins());
        let attempt = ev.select(&crate::logs::Selector::id("b"))?;
        let f = Facts::derive_with(&attempt, &ev, &h, None);
        assert_eq!(f.value("history.new_country"), Some(&Value::Bool(false)));
        assert_eq!(f.value("user.ever_completed_mfa"), Some(&Value::Bool(true)));
        assert_eq!(f.value("history.user_mfa_failures_24h"), Some(&Value::Number(0.0)));
        Ok(())
    }

    #[test]
    fn method_names_of_every_source_fall_into_their_family() {
        for (name, kind) in [
            ("Mobile app notification", "push"),
            ("Text message", "sms"),
            ("OATH verification code", "otp"),
            ("Phone call (voice)", "voice"),
            ("Temporary Access Pass", "tap"),
            ("Passkey (device-bound)", "passkey"),
            ("FIDO2 security key", "passkey"),
            ("Windows Hello for Business", "whfb"),
            ("Previously satisfied", "token"),
            ("Password", "password"),
        ] {
            assert_eq!(method_kind(name), kind, "{name}");
        }
    }

    #[test]
    fn scripts_are_told_from_browsers() {
        assert!(is_script_agent("python-requests/2.31.0"));
        assert!(is_script_agent("Mozilla/5.0 (Windows NT; Windows NT 10.0; en-GB) WindowsPowerShell/5.1.22621.2506"));
        assert!(!is_script_agent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0"));
    }
}
