//! Attempt + audit + org settings + surrounding log → facts.

use super::classify::{classify_mfa_result, is_mfa_step, mfa_step};
use super::lazy;
use super::{Facts, OrgSettings, Value};
use crate::logs::{activities as kind, Attempt, AuditEntry, AuditIndex, AuthStep, Evidence, SignIn};
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

/// Client apps that use legacy authentication and cannot do MFA
/// (entra-docs howto-customize-filter-logs; compared case-insensitively).
const LEGACY_CLIENTS: &[&str] = &[
    "authenticated smtp",
    "smtp",
    "autodiscover",
    "exchange activesync",
    "exchange online powershell",
    "exchange web services",
    "imap4",
    "imap",
    "mapi over http",
    "offline address book",
    "outlook anywhere (rpc over http)",
    "outlook service",
    "pop3",
    "pop",
    "reporting web services",
    "other clients",
];

pub(crate) fn is_legacy_client(client: &str) -> bool {
    is_in(LEGACY_CLIENTS, client)
}

/// Whether `s` starts with `prefix`, ignoring ASCII case.
fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.as_bytes().get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix.as_bytes()))
}

fn is_in(list: &[&str], s: &str) -> bool {
    let s = s.trim();
    list.iter().any(|x| x.eq_ignore_ascii_case(s))
}

pub(super) fn text(v: Option<&str>) -> Option<Value> {
    v.map(str::trim).filter(|s| !s.is_empty()).map(|s| Value::Text(s.to_string()))
}

fn days(a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
    ((b - a).num_minutes() as f64 / 1440.0 * 10.0).round() / 10.0
}

/// Label of a record for traces: `file#N`.
pub(crate) fn rec_label(s: &SignIn) -> Arc<str> {
    Arc::from(format!("{}#{}", crate::logs::short_name(&s.origin.file), s.origin.record))
}

impl Facts {
    /// Derive the facts of one attempt from it, the surrounding evidence and
    /// the organisation's settings. Nothing here fails: what the data cannot
    /// tell is recorded as unknown, with the reason. The history of the
    /// whole log (other users, other attempts) is built from `evidence`'s
    /// sign-ins, as batch triage builds it in its first pass.
    pub fn derive(attempt: &Attempt, evidence: &Evidence, org: Option<&OrgSettings>) -> Facts {
        Facts::derive_with(attempt, evidence, &super::History::build(evidence.signins()), org)
    }

    /// [`Facts::derive`] with the history of a log given apart (batch triage
    /// builds it in a streaming pass; `evidence` then holds the audit log).
    pub(crate) fn derive_with(attempt: &Attempt, evidence: &Evidence, h: &super::History, org: Option<&OrgSettings>) -> Facts {
        let mut f = Facts::with_capacity(crate::facts::CATALOG.len());
        f.derive_into(attempt, evidence, h, org);
        f
    }

    /// [`Facts::derive_with`] into this set, emptied first: batch triage
    /// derives attempt after attempt into one allocation.
    pub(crate) fn derive_into(&mut self, attempt: &Attempt, evidence: &Evidence, h: &super::History, org: Option<&OrgSettings>) {
        self.values_only = false;
        self.derive_records(attempt, org);
        self.derive_groups(lazy::ALL, attempt, evidence, h, org);
    }

    /// Batch triage: values only (notes that must be formatted are left
    /// out: the walk reads values), the facts of the attempt's own records now, with the
    /// history's groups nearly every walk reads (the triage tree asks about
    /// spray and a new country of every failure but a break-glass or risky
    /// one); the others when a walk reads them ([`Facts::derive_wanted`]).
    pub(crate) fn derive_lazily(&mut self, attempt: &Attempt, evidence: &Evidence, h: &super::History, org: Option<&OrgSettings>) {
        self.values_only = true;
        self.derive_records(attempt, org);
        self.defer(lazy::ALL & !lazy::EAGER);
        self.derive_groups(lazy::EAGER, attempt, evidence, h, org);
    }

    /// Derive the groups of facts a walk read while they were not derived;
    /// `false` when it read none (its end stands).
    pub(crate) fn derive_wanted(&mut self, attempt: &Attempt, evidence: &Evidence, h: &super::History, org: Option<&OrgSettings>) -> bool {
        let groups = self.take_wanted();
        if groups != 0 {
            self.derive_groups(groups, attempt, evidence, h, org);
        }
        groups != 0
    }

    /// The audit log's and the history's facts, of the given groups. A
    /// group's facts are worked out from the records, the history and the
    /// audit log, never from another group's facts (which may not be there
    /// yet: such a read would be noted as wanted, and is checked for here).
    pub(super) fn derive_groups(&mut self, groups: u16, attempt: &Attempt, evidence: &Evidence, h: &super::History, org: Option<&OrgSettings>) {
        let d = attempt.deciding();
        if groups & lazy::AUDIT != 0 {
            let registered = audit_facts(self, d, d.created, evidence, h, org);
            ever_completed_mfa(self, d, registered, evidence, h);
        }
        super::signals::history_facts(self, d, h, org, groups);
        debug_assert!(!self.asked_pending(), "a group of facts read another group's facts while it was derived");
    }

    /// The facts of the attempt's own records and the organisation's settings.
    pub(super) fn derive_records(&mut self, attempt: &Attempt, org: Option<&OrgSettings>) {
        self.clear();
        let f = self;
        let d = attempt.deciding();
        let rec = Some(rec_label(d));
        let put = |f: &mut Facts, name: &'static str, v: Option<Value>, field: &'static str, why: &'static str| match v {
            Some(v) => f.set(name, v, field, rec.clone()),
            None => f.unknown(name, field, why),
        };

        put(f, "signin.error_code", d.error_code().map(|c| Value::Number(c as f64)), "status.errorCode", "the record has no error code");
        let codes: Vec<String> = attempt.records().iter().filter_map(|r| r.error_code()).map(|c| c.to_string()).collect();
        f.set("signin.error_codes", Value::List(codes), "status.errorCode of each record", None);
        f.set("signin.record_count", Value::Number(attempt.records().len() as f64), "records sharing correlationId", attempt.correlation_id().map(|c| Arc::from(format!("correlation {c}"))));
        put(f, "signin.failure_reason", text(d.failure_reason()), "status.failureReason", "the record has no failure reason");
        put(f, "signin.additional_details", text(d.additional_details()), "status.additionalDetails", "the record has no additional details");
        put(f, "signin.user", text(d.user_principal_name.as_deref()), "userPrincipalName", "the record has no user principal name");
        put(f, "signin.app", text(d.app_display_name.as_deref()), "appDisplayName", "the record has no app name");
        let client = d.client_app_used.as_deref().filter(|s| !s.is_empty());
        put(f, "signin.client_app", text(client), "clientAppUsed", "the record has no client app");
        put(f, "signin.is_legacy_auth", client.map(|c| Value::Bool(is_in(LEGACY_CLIENTS, c))), "clientAppUsed", "the record has no client app");
        put(f, "signin.protocol", text(d.authentication_protocol.as_deref()), "authenticationProtocol", "only beta/Log Analytics exports carry the protocol");
        put(f, "signin.is_interactive", d.is_interactive.map(Value::Bool), "isInteractive", "the record does not say");
        put(f, "signin.ip_address", text(d.ip_address.as_deref()), "ipAddress", "the record has no IP address");
        put(f, "signin.country", text(d.country()), "location.countryOrRegion", "the record has no location");
        match (org, d.country()) {
            (None, _) => f.unknown("signin.country_trusted", "org trusted_countries", "no organisation settings were given (--org)"),
            (Some(_), None) => f.unknown("signin.country_trusted", "location.countryOrRegion", "the record has no location"),
            (Some(o), Some(c)) => match o.country_trusted(c) {
                Some(t) => f.set("signin.country_trusted", Value::Bool(t), "location.countryOrRegion + org trusted_countries", rec.clone()),
                None => f.unknown("signin.country_trusted", "org trusted_countries", "the organisation settings list no trusted countries"),
            },
        }
        match (org, d.ip_address.as_deref().filter(|s| !s.is_empty())) {
            (None, _) => f.unknown("signin.ip_trusted", "org trusted_ip_ranges", "no organisation settings were given (--org)"),
            (Some(_), None) => f.unknown("signin.ip_trusted", "ipAddress", "the record has no IP address"),
            (Some(o), Some(ip)) => match o.ip_trusted(ip) {
                Some(t) => f.set("signin.ip_trusted", Value::Bool(t), "ipAddress + org trusted_ip_ranges", rec.clone()),
                None => f.unknown("signin.ip_trusted", "org trusted_ip_ranges", "no trusted IP ranges are set, or the IP does not parse"),
            },
        }
        let risk = d.risk_level_during_sign_in.as_deref().filter(|r| !r.eq_ignore_ascii_case("hidden"));
        put(f, "signin.risk_level", text(risk), "riskLevelDuringSignIn", "not in the record, or hidden (no Entra ID P2 licence)");
        put(f, "signin.risk_state", text(d.risk_state.as_deref()), "riskState", "the record has no risk state");
        f.set("signin.risk_events", Value::List(d.risk_event_types.clone()), "riskEventTypes_v2", rec.clone());
        put(f, "signin.ca_status", text(d.conditional_access_status.as_deref()), "conditionalAccessStatus", "the record has no Conditional Access status");
        match d.conditional_access_policies.as_deref() {
            Some(pols) => {
                let failed = |p: &&crate::logs::CaPolicy| p.result.as_deref().is_some_and(|r| r.eq_ignore_ascii_case("failure"));
                let name = |p: &crate::logs::CaPolicy| p.display_name.clone().unwrap_or_else(|| "(unnamed policy)".into());
                let all: Vec<String> = pols.iter().filter(failed).map(name).collect();
                let block: Vec<String> = pols.iter().filter(failed).filter(|p| p.enforced_grant_controls.iter().any(|g| g.eq_ignore_ascii_case("block"))).map(name).collect();
                f.set("signin.ca_failed_policies", Value::List(all), "appliedConditionalAccessPolicies", rec.clone());
                f.set("signin.ca_block_policies", Value::List(block), "appliedConditionalAccessPolicies", rec.clone());
            }
            None => {
                f.unknown("signin.ca_failed_policies", "appliedConditionalAccessPolicies", "the record lists no Conditional Access policies");
                f.unknown("signin.ca_block_policies", "appliedConditionalAccessPolicies", "the record lists no Conditional Access policies");
            }
        }
        put(f, "signin.device_compliant", d.device_detail.as_ref().and_then(|x| x.is_compliant).map(Value::Bool), "deviceDetail.isCompliant", "the record does not say");
        put(f, "signin.device_os", text(d.device_detail.as_ref().and_then(|x| x.operating_system.as_deref())), "deviceDetail.operatingSystem", "the record does not say");
        let providers: Option<Vec<String>> = d.authentication_requirement_policies.as_ref().map(|v| v.iter().filter_map(|p| p.requirement_provider.clone()).collect());
        put(f, "signin.requirement_providers", providers.map(Value::List), "authenticationRequirementPolicies", "only beta/Log Analytics exports carry it");

        // Steps across the attempt: the MFA step from the latest record that has one.
        let mfa = attempt.records().iter().rev().find_map(|r| mfa_step(r).map(|st| (r, st)));
        let primary = super::signals::primary_step(attempt);
        match primary {
            Some((r, st)) => f.set("signin.password_correct", Value::Bool(st.succeeded == Some(true)), "authenticationDetails (primary step)", super::signals::label_of(r, d, &rec)),
            None if d.error_code() == Some(50126) => f.set("signin.password_correct", Value::Bool(false), "status.errorCode 50126", rec.clone()),
            None => f.unknown("signin.password_correct", "authenticationDetails", attempt.no_steps_reason()),
        }
        let req_mfa = d.authentication_requirement.as_deref().map(|r| r.eq_ignore_ascii_case("multiFactorAuthentication"));
        let code_mfa = attempt.records().iter().any(|r| matches!(r.error_code(), Some(50074 | 50076 | 500121 | 50079 | 50072)));
        let mfa_required = if mfa.is_some() || code_mfa { Some(true) } else { req_mfa };
        put(f, "signin.mfa_required", mfa_required.map(Value::Bool), "authenticationRequirement / MFA steps / error codes", "the records do not say");

        let mfa_rec = mfa.map_or(rec.clone(), |(r, _)| super::signals::label_of(r, d, &rec));
        mfa_result_facts(f, attempt, mfa, &mfa_rec);
        super::signals::method_kind_fact(f);
        super::signals::record_facts(f, attempt, &rec);
        let mfa_ok = attempt.records().iter().any(|r| r.authentication_details.iter().flatten().any(|st| is_mfa_step(st) && st.succeeded == Some(true)));
        match mfa {
            Some(_) => f.set("mfa.succeeded", Value::Bool(mfa_ok), "authenticationDetails[].succeeded", mfa_rec.clone()),
            None => f.unknown("mfa.succeeded", "authenticationDetails", "no MFA step in the records"),
        }

        org_user_facts(f, d, org, &rec);
    }
}

const AUDIT_FACTS: &[&str] = &[
    "audit.has_registered_security_info",
    "audit.registration_abandoned",
    "audit.last_registration_days",
    "audit.last_registration_method",
    "audit.recent_changes",
    "audit.recent_change",
    "audit.recent_change_days_ago",
    "audit.recent_change_by",
    "audit.recent_change_by_admin",
    "audit.recent_change_ip",
    "audit.recent_change_country",
    "audit.recent_change_unfamiliar",
    "audit.fraud_reported",
    "audit.account_disabled",
    "audit.password_changed_days_ago",
    "audit.change_after_from_ip",
    "audit.change_after_elsewhere",
];

/// The organisation's settings about the user: break-glass account, pilot group.
fn org_user_facts(f: &mut Facts, d: &SignIn, org: Option<&OrgSettings>, rec: &Option<Arc<str>>) {
    let (uid, upn) = (d.user_id.as_deref(), d.user_principal_name.as_deref());
    match org {
        Some(o) => {
            f.set("user.is_break_glass", Value::Bool(o.is_break_glass(uid, upn)), "userId/userPrincipalName + org break_glass_accounts", rec.clone());
            if o.pilot_group.is_empty() {
                f.unknown("user.in_pilot_group", "org pilot_group", "the organisation settings list no pilot group");
            } else {
                f.set("user.in_pilot_group", Value::Bool(o.in_pilot(uid, upn)), "userId/userPrincipalName + org pilot_group", rec.clone());
            }
        }
        None => {
            f.unknown("user.is_break_glass", "org break_glass_accounts", "no organisation settings were given (--org)");
            f.unknown("user.in_pilot_group", "org pilot_group", "no organisation settings were given (--org)");
        }
    }
}

/// Whether the user ever completed MFA: a succeeded MFA step in the
/// sign-ins, or a security-info registration in the audit log (`audit_reg`).
fn ever_completed_mfa(f: &mut Facts, d: &SignIn, audit_reg: bool, evidence: &Evidence, h: &super::History) {
    let who = super::history_user(d.user_id.as_deref(), d.user_principal_name.as_deref());
    let history_mfa = h.user_mfa_ok(who);
    if history_mfa || audit_reg {
        let how = if history_mfa { "a sign-in with a succeeded MFA step" } else { "a security-info registration in the audit log" };
        f.set("user.ever_completed_mfa", Value::Bool(true), "sign-in log / audit log", None);
        f.note_with("user.ever_completed_mfa", || format!("seen: {how}"));
    } else if evidence.has_audit() {
        f.set("user.ever_completed_mfa", Value::Bool(false), "sign-in log / audit log", None);
        f.note_with("user.ever_completed_mfa", || format!("not seen in {} sign-ins and {} audit events", h.records(), evidence.audit_len()));
    } else {
        f.unknown("user.ever_completed_mfa", "audit log", "no MFA success in the sign-ins and no audit log was given (--audit)");
    }
}

/// The MFA step's method, result text and its one-word outcome.
fn mfa_result_facts(f: &mut Facts, attempt: &Attempt, mfa: Option<(&SignIn, &AuthStep)>, mfa_rec: &Option<Arc<str>>) {
    let mfa_text = mfa
        .and_then(|(_, st)| st.result_detail.clone())
        .or_else(|| attempt.records().iter().rev().find_map(|r| r.additional_details().filter(|t| starts_with_ci(t, "mfa")).map(String::from)))
        .or_else(|| attempt.records().iter().rev().find_map(|r| r.mfa_detail.as_ref().and_then(|m| m.auth_detail.clone())));
    let mfa_method = mfa.and_then(|(_, st)| st.method.clone()).or_else(|| attempt.records().iter().rev().find_map(|r| r.mfa_detail.as_ref().and_then(|m| m.auth_method.clone())));
    match mfa_method.filter(|m| !m.is_empty()) {
        Some(m) => f.set("mfa.method", Value::Text(m), "authenticationDetails MFA step / mfaDetail.authMethod", mfa_rec.clone()),
        None => f.unknown("mfa.method", "authenticationDetails", "no MFA step in the records"),
    }
    match mfa_text.filter(|m| !m.is_empty()) {
        Some(t) => {
            f.set("mfa.outcome", Value::Text(classify_mfa_result(&t).into()), "classified from mfa.result", mfa_rec.clone());
            f.set("mfa.result", Value::Text(t), "authenticationStepResultDetail / status.additionalDetails", mfa_rec.clone());
        }
        None => {
            f.unknown(
                "mfa.result",
                "authenticationDetails",
                if attempt.records().iter().any(|r| r.authentication_details.as_ref().is_some_and(|s| !s.is_empty())) { "no MFA step in the records" } else { attempt.no_steps_reason() },
            );
            f.unknown("mfa.outcome", "authenticationDetails", "no MFA result in the records");
        }
    }
}

/// The audit log's facts; returns whether it holds a security-info
/// registration of the user before the sign-in.
fn audit_facts(f: &mut Facts, d: &SignIn, at: Option<DateTime<Utc>>, ev: &Evidence, hist: &super::History, org: Option<&OrgSettings>) -> bool {
    if !ev.has_audit() {
        for n in AUDIT_FACTS {
            f.unknown(*n, "audit log", "no audit log was given (--audit)");
        }
        return false;
    }
    let Some(at) = at else {
        for n in AUDIT_FACTS {
            f.unknown(*n, "createdDateTime", "the sign-in has no time to compare audit events with");
        }
        return false;
    };
    let (uid, upn) = (d.user_id.as_deref(), d.user_principal_name.as_deref());
    // The user's events up to the failure (a minute's grace for clock skew), oldest first.
    let index = ev.audit_index();
    let audit_label = |a: &AuditEntry| index.label(a);
    let all = index.for_user(uid, upn);
    let mut mine: Vec<&AuditEntry> = all.iter().copied().filter(|a| a.time.is_some_and(|t| t <= at + Duration::minutes(1))).filter(|a| a.succeeded()).collect();
    mine.sort_by_key(|a| a.time);
    let changes = |a: &&AuditEntry| a.is(kind::CHANGE);
    // Security info changed from the sign-in's own address within the hour
    // after it (Sentinel: suspicious sign-in followed by MFA modification).
    match d.ip_address.as_deref().filter(|i| !i.is_empty()) {
        Some(ip) => {
            let after: Vec<&AuditEntry> = all.iter().copied().filter(|a| a.time.is_some_and(|t| t > at - Duration::minutes(1) && t <= at + Duration::hours(1))).filter(changes).collect();
            let same = after.iter().find(|a| a.initiator_ip() == Some(ip));
            f.set("audit.change_after_from_ip", Value::Bool(same.is_some()), "audit log", same.map(|a| audit_label(a)));
            f.note_with("audit.change_after_from_ip", || format!("security-info changes from {ip} within an hour after the sign-in"));
            // From another address that is not the organisation's: the
            // session or token in use elsewhere (device-code phishing).
            let elsewhere = after.iter().find(|a| a.initiator_ip().is_some_and(|x| x != ip && !org.is_some_and(|o| o.place_trusted(x, hist.country_of(x)))));
            f.set("audit.change_after_elsewhere", Value::Bool(elsewhere.is_some()), "audit log", elsewhere.map(|a| audit_label(a)));
            f.note("audit.change_after_elsewhere", "security-info changes within an hour after the sign-in from another address outside the trusted ranges and countries");
        }
        None => {
            f.unknown("audit.change_after_from_ip", "ipAddress", "the sign-in has no IP address");
            f.unknown("audit.change_after_elsewhere", "ipAddress", "the sign-in has no IP address");
        }
    }
    let count = format!("{} audit events for this user", mine.len());

    let last_reg = mine.iter().rev().find(|a| a.is(kind::REGISTER));
    f.set("audit.has_registered_security_info", Value::Bool(last_reg.is_some()), "audit log", None);
    f.note("audit.has_registered_security_info", count.clone());
    match last_reg {
        Some(a) => {
            let t = a.time.unwrap_or(at);
            f.set("audit.last_registration_days", Value::Number(days(t, at)), "activityDateTime", Some(audit_label(a)));
            let what = a.result_reason().filter(|s| !s.is_empty()).unwrap_or_else(|| a.activity()).to_string();
            f.set("audit.last_registration_method", Value::Text(what), "resultReason", Some(audit_label(a)));
        }
        None => {
            f.unknown("audit.last_registration_days", "audit log", "no registration for this user in the audit log");
            f.unknown("audit.last_registration_method", "audit log", "no registration for this user in the audit log");
        }
    }
    let started = mine.iter().rposition(|a| a.is(kind::STARTED));
    let completed_after = started.is_some_and(|i| mine[i..].iter().any(|a| a.is(kind::REGISTER)));
    f.set("audit.registration_abandoned", Value::Bool(started.is_some() && !completed_after), "audit log", None);
    f.note("audit.registration_abandoned", count.clone());

    let window = org.map_or(14, |o| o.recent_change_days);
    let recent: Vec<&&AuditEntry> = mine.iter().filter(|a| changes(a)).filter(|a| a.time.is_some_and(|t| t >= at - Duration::days(window as i64))).collect();
    f.set("audit.recent_changes", Value::Number(recent.len() as f64), "audit log", None);
    f.note_with("audit.recent_changes", || format!("within {window} days before the failure"));
    recent_change_facts(f, &recent, (uid, upn), at, (hist, index), org);
    let fraud = mine.iter().rev().find(|a| a.is(kind::FRAUD));
    f.set("audit.fraud_reported", Value::Bool(fraud.is_some()), "audit log", fraud.map(|a| audit_label(a)));
    let disabled = mine.iter().rev().find(|a| a.is(kind::DISABLE));
    let enabled_after = disabled.is_some_and(|dis| mine.iter().any(|a| a.is(kind::ENABLE) && a.time > dis.time));
    f.set("audit.account_disabled", Value::Bool(disabled.is_some() && !enabled_after), "audit log", disabled.map(|a| audit_label(a)));
    match mine.iter().rev().find(|a| a.is(kind::PASSWORD)) {
        Some(a) => f.set("audit.password_changed_days_ago", Value::Number(days(a.time.unwrap_or(at), at)), "activityDateTime", Some(audit_label(a))),
        None => f.unknown("audit.password_changed_days_ago", "audit log", "no password change for this user in the audit log"),
    }
    last_reg.is_some()
}

/// The latest security-info change before the failure: what, when, by whom,
/// from where, and whether any recent change came from an unfamiliar place.
fn recent_change_facts(f: &mut Facts, recent: &[&&AuditEntry], (uid, upn): (Option<&str>, Option<&str>), at: DateTime<Utc>, (hist, index): (&super::History, &AuditIndex), org: Option<&OrgSettings>) {
    let who = super::history_user(uid, upn);
    let unfamiliar = |a: &AuditEntry| -> bool {
        let Some(ip) = a.initiator_ip() else { return false };
        if org.is_some_and(|o| o.place_trusted(ip, hist.country_of(ip))) {
            return false;
        }
        // Known only from successes over an hour before the change: an
        // attacker-in-the-middle's own success from a proxy minutes before
        // registering a method does not make the proxy the user's.
        if a.time.and_then(|t| hist.user_used_ip_before(who, ip, t - Duration::hours(1))) == Some(true) {
            return false;
        }
        true
    };
    match recent.last() {
        Some(a) => {
            let label = Some(index.label(a));
            let what = match a.result_reason().filter(|s| !s.is_empty()) {
                Some(r) => format!("{}: {r}", a.activity()),
                None => a.activity().to_string(),
            };
            f.set("audit.recent_change", Value::Text(what), "activityDisplayName, resultReason", label.clone());
            f.set("audit.recent_change_days_ago", Value::Number(days(a.time.unwrap_or(at), at)), "activityDateTime", label.clone());
            match a.initiator_name() {
                Some(n) => f.set("audit.recent_change_by", Value::Text(n.into()), "initiatedBy", label.clone()),
                None => f.unknown("audit.recent_change_by", "initiatedBy", "the event names no initiator"),
            }
            let by_admin = a.initiated_by_user() && !a.is_self_service(uid, upn);
            f.set("audit.recent_change_by_admin", Value::Bool(by_admin), "initiatedBy vs targetResources", label.clone());
            match a.initiator_ip() {
                Some(ip) => {
                    f.set("audit.recent_change_ip", Value::Text(ip.into()), "initiatedBy.user.ipAddress", label.clone());
                    match hist.country_of(ip) {
                        Some(c) => f.set("audit.recent_change_country", Value::Text(c.into()), "location of a sign-in from the same IP", label.clone()),
                        None => f.unknown("audit.recent_change_country", "sign-in log", "no sign-in in the log came from that IP"),
                    }
                }
                None => {
                    f.unknown("audit.recent_change_ip", "initiatedBy.user.ipAddress", "the event has no IP address");
                    f.unknown("audit.recent_change_country", "initiatedBy.user.ipAddress", "the event has no IP address");
                }
            }
            let any_unfamiliar = recent.iter().any(|a| unfamiliar(a));
            let any_ip = recent.iter().any(|a| a.initiator_ip().is_some());
            if any_ip {
                f.set("audit.recent_change_unfamiliar", Value::Bool(any_unfamiliar), "initiatedBy.user.ipAddress + org + sign-ins", label);
                f.note(
                    "audit.recent_change_unfamiliar",
                    if any_unfamiliar { "an IP outside the trusted ranges and countries, never used by the user to sign in successfully" } else { "every change came from a trusted or known IP" },
                );
            } else {
                f.unknown("audit.recent_change_unfamiliar", "initiatedBy.user.ipAddress", "the recent changes carry no IP address");
            }
        }
        None => {
            let why = "no security-info change for this user in the window";
            for n in ["audit.recent_change", "audit.recent_change_days_ago", "audit.recent_change_by", "audit.recent_change_by_admin", "audit.recent_change_ip", "audit.recent_change_country"] {
                f.unknown(n, "audit log", why);
            }
            f.set("audit.recent_change_unfamiliar", Value::Bool(false), "audit log", None);
            f.note("audit.recent_change_unfamiliar", why);
        }
    }
}
