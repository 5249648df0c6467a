//! The fact catalog: every name a rule may use, with its type and origin.

use super::FactType::{self, *};
use serde::Serialize;

/// The description of one fact.
#[derive(Debug, Clone, Copy, Serialize)]
#[non_exhaustive]
pub struct FactSpec {
    /// Dotted name used in rules, e.g. `signin.error_code`.
    pub name: &'static str,
    /// The value type rules must compare it with.
    #[serde(rename = "type")]
    pub ty: FactType,
    /// What it means.
    pub description: &'static str,
    /// Where it comes from (log fields, org settings, or derivation).
    pub source: &'static str,
}

const fn f(name: &'static str, ty: FactType, description: &'static str, source: &'static str) -> FactSpec {
    FactSpec { name, ty, description, source }
}

/// All facts, in the order `signin-doctor facts` lists them.
pub const CATALOG: &[FactSpec] = &[
    // The failing sign-in attempt.
    f("signin.error_code", Number, "The error code of the deciding record (0 = success).", "status.errorCode; LA ResultType"),
    f("signin.error_codes", List, "Every error code seen in the attempt (records sharing the correlation id), oldest first.", "status.errorCode of each record"),
    f("signin.failure_reason", Text, "The failure reason text.", "status.failureReason; LA ResultDescription"),
    f("signin.additional_details", Text, "The additional details text, which often holds the MFA result.", "status.additionalDetails"),
    f("signin.record_count", Number, "How many records make up the attempt.", "records sharing correlationId"),
    f("signin.user", Text, "The user principal name.", "userPrincipalName"),
    f("signin.app", Text, "The application signed in to.", "appDisplayName"),
    f("signin.client_app", Text, "The client app used (Browser, Mobile Apps and Desktop clients, IMAP4, ...).", "clientAppUsed"),
    f("signin.is_legacy_auth", Bool, "Whether the client app is a legacy authentication protocol that cannot do MFA.", "clientAppUsed, against the legacy client list"),
    f("signin.protocol", Text, "The authentication protocol (oAuth2, ropc, deviceCode, saml20, ...).", "authenticationProtocol (beta)"),
    f("signin.is_interactive", Bool, "Whether the sign-in was interactive.", "isInteractive"),
    f("signin.ip_address", Text, "The client IP address.", "ipAddress"),
    f("signin.country", Text, "The two-letter country or region of the sign-in.", "location.countryOrRegion; LA Location"),
    f("signin.country_trusted", Bool, "Whether the sign-in country is one of the organisation's trusted countries.", "location + org trusted_countries"),
    f("signin.ip_trusted", Bool, "Whether the sign-in IP is in one of the organisation's trusted IP ranges.", "ipAddress + org trusted_ip_ranges"),
    f("signin.risk_level", Text, "Identity Protection risk level during sign-in (none, low, medium, high); unknown when hidden.", "riskLevelDuringSignIn"),
    f("signin.risk_state", Text, "Identity Protection risk state (none, atRisk, confirmedCompromised, remediated, dismissed, ...).", "riskState"),
    f("signin.user_risk_level", Text, "Identity Protection's aggregated (user) risk level: none, low, medium, high; unknown when hidden.", "riskLevelAggregated"),
    f(
        "signin.risk_active",
        Bool,
        "Whether the risk is still open: riskState atRisk or confirmedCompromised. False when none, dismissed, remediated or confirmedSafe.",
        "riskState",
    ),
    f(
        "signin.risk_policy",
        Bool,
        "Whether a risk-based policy acted on the sign-in: a requirement from Identity Protection (tenantSessionRiskPolicy, accountCompromisePolicies, riskBasedPolicy, ...) or a failed Conditional Access policy whose satisfied conditions include userRisk or signInRisk.",
        "authenticationRequirementPolicies.requirementProvider; appliedConditionalAccessPolicies.conditionsSatisfied",
    ),
    f("signin.user_type", Text, "member or guest.", "userType"),
    f("signin.cross_tenant_access", Text, "How the sign-in crossed tenants: none, b2bCollaboration, b2bDirectConnect, microsoftSupport, serviceProvider, passthrough.", "crossTenantAccessType"),
    f("signin.is_guest", Bool, "Whether the user is a guest (B2B) here: userType guest, a b2b cross-tenant access type, or a home tenant other than the resource tenant.", "userType, crossTenantAccessType, homeTenantId, resourceTenantId"),
    f("signin.user_agent", Text, "The client's user agent.", "userAgent"),
    f("signin.script_client", Bool, "Whether the client is a script or HTTP library (python-requests, PowerShell, curl, ...) or used the password grant (ROPC): a service account or automation, not a person.", "userAgent; authenticationProtocol ropc"),
    f("signin.primary_method", Text, "The first factor's method (Password, Temporary Access Pass, Passkey, Windows Hello for Business, ...).", "authenticationDetails (primary step).authenticationMethod"),
    f("signin.primary_result", Text, "The first factor's result text (\"Correct password\", \"Invalid password\", ...).", "authenticationDetails (primary step).authenticationStepResultDetail"),
    f("signin.risk_events", List, "Risk detections on the sign-in (unfamiliarFeatures, anonymizedIPAddress, ...).", "riskEventTypes_v2"),
    f("signin.ca_status", Text, "Conditional Access outcome (success, failure, notApplied).", "conditionalAccessStatus"),
    f("signin.ca_failed_policies", List, "Conditional Access policies whose result was failure.", "appliedConditionalAccessPolicies[result=failure].displayName"),
    f("signin.ca_block_policies", List, "Failed Conditional Access policies whose grant control is Block.", "appliedConditionalAccessPolicies[result=failure, enforcedGrantControls has Block]"),
    f("signin.mfa_required", Bool, "Whether the sign-in required multifactor authentication.", "authenticationRequirement; MFA steps; error codes 50074/50076/500121"),
    f(
        "signin.requirement_providers",
        List,
        "Why MFA or registration was required (multiConditionalAccess, user, securityDefaults, mfaRegistrationRequiredBy...).",
        "authenticationRequirementPolicies.requirementProvider (beta)",
    ),
    f("signin.password_correct", Bool, "Whether the first factor (password) succeeded, as the step details show.", "authenticationDetails (primary step)"),
    f("signin.device_compliant", Bool, "Whether the device was marked compliant.", "deviceDetail.isCompliant"),
    f("signin.device_os", Text, "The device operating system.", "deviceDetail.operatingSystem"),
    // The MFA step.
    f("mfa.method", Text, "The MFA method tried (Mobile app notification, Text message, OATH verification code, ...).", "authenticationDetails MFA step; mfaDetail.authMethod"),
    f(
        "mfa.result",
        Text,
        "The MFA result text, e.g. \"MFA denied; user did not respond to mobile app notification\".",
        "authenticationDetails MFA step result; status.additionalDetails; mfaDetail.authDetail",
    ),
    f(
        "mfa.outcome",
        Text,
        "The MFA result in one word: succeeded, no-response, declined, fraud-reported, no-methods, app-notification-failed, phone-unreachable, wrong-code, blocked, service-error, in-progress, other.",
        "classified from mfa.result",
    ),
    f("mfa.method_kind", Text, "The MFA method in one word: push, sms, voice, otp, tap, passkey, whfb, certificate, token, password, other.", "classified from mfa.method"),
    f("mfa.succeeded", Bool, "Whether an MFA step succeeded in the attempt.", "authenticationDetails[].succeeded"),
    // The user and the organisation's settings.
    f("user.is_break_glass", Bool, "Whether the account is one of the organisation's break-glass (emergency access) accounts.", "userId / userPrincipalName + org break_glass_accounts"),
    f("user.in_pilot_group", Bool, "Whether the user is in the MFA pilot group.", "userId / userPrincipalName + org pilot_group"),
    f(
        "user.ever_completed_mfa",
        Bool,
        "Whether the logs show this user ever completing MFA or registering an MFA method. False means: not in the given logs.",
        "sign-ins with a succeeded MFA step; audit registrations",
    ),
    // The user's audit history.
    f(
        "audit.has_registered_security_info",
        Bool,
        "Whether the audit log shows the user registering any security info (MFA method).",
        "directoryAudit: User/Admin registered security info, Add FIDO2 security key, ...",
    ),
    f(
        "audit.registration_abandoned",
        Bool,
        "Whether the user started or cancelled security-info registration without completing it.",
        "directoryAudit: User started / canceled security info registration",
    ),
    f("audit.last_registration_days", Number, "Days from the user's last security-info registration to the failure.", "directoryAudit activityDateTime"),
    f("audit.last_registration_method", Text, "What the last registration registered (\"User registered Authenticator App with Notification and Code\").", "directoryAudit resultReason"),
    f(
        "audit.recent_changes",
        Number,
        "Security-info changes to the user's account in the org's recent_change_days before the failure.",
        "directoryAudit (Authentication Methods, Core Directory, Device Registration Service)",
    ),
    f("audit.recent_change", Text, "The latest such change: activity and reason.", "directoryAudit activityDisplayName, resultReason"),
    f("audit.recent_change_days_ago", Number, "Days from the latest such change to the failure.", "directoryAudit activityDateTime"),
    f("audit.recent_change_by", Text, "Who made the latest change (UPN or app).", "directoryAudit initiatedBy"),
    f("audit.recent_change_by_admin", Bool, "Whether someone other than the user made the latest change.", "directoryAudit initiatedBy vs targetResources"),
    f("audit.recent_change_ip", Text, "The IP address the latest change was made from.", "directoryAudit initiatedBy.user.ipAddress"),
    f("audit.recent_change_country", Text, "The country of that IP, where a sign-in from the same IP shows it.", "directoryAudit IP + sign-in location"),
    f(
        "audit.recent_change_unfamiliar",
        Bool,
        "Whether any recent change came from a place unfamiliar for the user: not a trusted range or country, and not an IP of the user's successful sign-ins.",
        "directoryAudit IPs + org + sign-ins",
    ),
    f("audit.fraud_reported", Bool, "Whether the user reported an MFA prompt as fraud or suspicious activity.", "directoryAudit: Fraud reported ..., Suspicious activity reported"),
    f("audit.account_disabled", Bool, "Whether the account was disabled before the failure.", "directoryAudit: Disable account"),
    f("audit.password_changed_days_ago", Number, "Days from the user's last password change or reset to the failure.", "directoryAudit: Reset password, Change password (self-service), ..."),
    f(
        "audit.change_after_from_ip",
        Bool,
        "Whether the user's security info was changed from the sign-in's IP within the hour after it: a method registered by whoever holds the session (Microsoft Sentinel: suspicious sign-in followed by MFA modification).",
        "directoryAudit activityDateTime, initiatedBy.user.ipAddress + the sign-in's ipAddress",
    ),
    f(
        "audit.change_after_elsewhere",
        Bool,
        "Whether the user's security info was changed within the hour after the sign-in from another address outside the trusted ranges and countries: the session in someone else's hands (device-code phishing, token theft).",
        "directoryAudit activityDateTime, initiatedBy.user.ipAddress + the sign-in's ipAddress + org",
    ),
    // The surrounding log.
    f("history.user_mfa_failures_24h", Number, "The user's other failed MFA attempts (500121) in the 24 hours before this one.", "the given sign-in log"),
    f("history.mfa_burst_failures", Number, "Failed MFA attempts (500121) by the user, from any IP, within 30 minutes either side of the sign-in.", "the given sign-in log"),
    f(
        "history.mfa_burst",
        Bool,
        "MFA spamming: more than 10 failed prompts by the user within 30 minutes either side, from one IP or rotating ones, whether or not one was approved yet (Microsoft Sentinel's count; grouped by user as SigmaHQ's fatigue rule).",
        "the given sign-in log",
    ),
    f(
        "history.mfa_fatigue",
        Bool,
        "MFA fatigue: an MFA burst (more than 10 failed prompts) then an MFA success within 10 minutes of the last (Microsoft Sentinel: MFA spamming followed by successful login).",
        "the given sign-in log",
    ),
    f("history.user_known_ip", Bool, "Whether the user signed in successfully (interactively or passing MFA) from the sign-in's IP before it.", "the given sign-in log"),
    f(
        "history.ip_mostly_failing",
        Bool,
        "Whether more users failed a password or an MFA prompt from the sign-in's IP than signed in from it successfully: an office's egress address mostly succeeds, an attacker's mostly fails.",
        "the given sign-in log",
    ),
    f("history.ip_mfa_failed_users", Number, "Other users who failed MFA (500121) from the sign-in's IP within 24 hours: one address prompting many accounts holds their passwords.", "the given sign-in log"),
    f("history.new_country", Bool, "Whether the sign-in's country is new for the user: none of their successful sign-ins before it in the log came from it.", "the given sign-in log"),
    f(
        "history.ip_failed_users",
        Number,
        "The most distinct users with a wrong password, a lockout or an expired password (50126, 50053, 50055) from the sign-in's IP in any 20-minute window that holds the sign-in.",
        "the given sign-in log",
    ),
    f(
        "history.password_spray",
        Bool,
        "Password spray from the sign-in's IP (Microsoft Sentinel's rule): 5 or more users failing in 20 minutes, more users failing than succeeding from it in the log, and the IP not in the organisation's trusted ranges.",
        "the given sign-in log + org trusted_ip_ranges",
    ),
    f("history.user_failed_ips_24h", Number, "Distinct IPs the user's password failed from (50126, 50053, 50055) in the 24 hours before.", "the given sign-in log"),
    f(
        "history.user_failed_countries_24h",
        Number,
        "Distinct countries of those IPs: many IPs in many countries is a spray spread over addresses against one account; a phone changing mobile addresses stays in one.",
        "the given sign-in log",
    ),
    f("history.interactive_success_after", Bool, "Whether the user signed in successfully and interactively within the hour after the failure.", "the given sign-in log"),
    f(
        "history.others_mfa_ok_same_hour",
        Bool,
        "Whether other users completed MFA in the clock hour of the failure or the hours either side (if so, the MFA service and policy work).",
        "the given sign-in log",
    ),
    f("history.others_mfa_failed_same_hour", Number, "How many other users failed MFA (500121) in the clock hour of the failure or the hours either side.", "the given sign-in log"),
    f(
        "history.others_mfa_failed_usual_place",
        Number,
        "Of those, how many failed from a usual place: the organisation's trusted IP ranges or countries, or an IP or country of their own successful sign-ins in the log. An outage shows there; an attack does not.",
        "the given sign-in log",
    ),
];

/// Look a fact up by name.
pub fn spec(name: &str) -> Option<&'static FactSpec> {
    CATALOG.iter().find(|s| s.name == name)
}
