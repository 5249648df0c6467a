//! Normalized sign-in and audit records.
//!
//! One struct reads the Graph `signIn` (v1.0 and beta, camelCase), the portal
//! JSON download (Graph-beta shaped) and Log Analytics `SigninLogs` rows
//! (PascalCase, `dynamic` columns as objects or JSON text). Only the fields
//! the fact catalog needs are kept; every other field is skipped unparsed.

use super::flex;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// One sign-in event, as far as the facts need it. Absent fields are `None`:
/// an unknown, never an error.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[non_exhaustive]
pub struct SignIn {
    /// Where the record was read from.
    #[serde(skip)]
    pub origin: Origin,
    /// Request id ("Request ID" in the portal).
    #[serde(rename = "id", alias = "Id", default, deserialize_with = "flex::text")]
    pub id: Option<String>,
    /// `createdDateTime` (Log Analytics `CreatedDateTime`).
    #[serde(rename = "createdDateTime", alias = "CreatedDateTime", default, deserialize_with = "flex::time")]
    pub created: Option<DateTime<Utc>>,
    /// `correlationId` (Log Analytics `CorrelationId`).
    #[serde(rename = "correlationId", alias = "CorrelationId", default, deserialize_with = "flex::text")]
    pub correlation_id: Option<String>,
    /// `userId` (Log Analytics `UserId`).
    #[serde(rename = "userId", alias = "UserId", default, deserialize_with = "flex::text")]
    pub user_id: Option<String>,
    /// `userPrincipalName` (Log Analytics `UserPrincipalName`).
    #[serde(rename = "userPrincipalName", alias = "UserPrincipalName", default, deserialize_with = "flex::text")]
    pub user_principal_name: Option<String>,
    /// `userDisplayName` (Log Analytics `UserDisplayName`).
    #[serde(rename = "userDisplayName", alias = "UserDisplayName", default, deserialize_with = "flex::text")]
    pub user_display_name: Option<String>,
    /// `appDisplayName` (Log Analytics `AppDisplayName`).
    #[serde(rename = "appDisplayName", alias = "AppDisplayName", default, deserialize_with = "flex::text")]
    pub app_display_name: Option<String>,
    /// `clientAppUsed` (Log Analytics `ClientAppUsed`).
    #[serde(rename = "clientAppUsed", alias = "ClientAppUsed", default, deserialize_with = "flex::text")]
    pub client_app_used: Option<String>,
    /// `ipAddress` (Log Analytics `IPAddress`).
    #[serde(rename = "ipAddress", alias = "IPAddress", default, deserialize_with = "flex::text")]
    pub ip_address: Option<String>,
    /// `userAgent` (Log Analytics `UserAgent`).
    #[serde(rename = "userAgent", alias = "UserAgent", default, deserialize_with = "flex::text")]
    pub user_agent: Option<String>,
    /// `isInteractive` (Log Analytics `IsInteractive`).
    #[serde(rename = "isInteractive", alias = "IsInteractive", default, deserialize_with = "flex::boolean")]
    pub is_interactive: Option<bool>,
    /// `status` (Log Analytics `Status`).
    #[serde(rename = "status", alias = "Status", default, deserialize_with = "flex::nested")]
    pub status: Option<Status>,
    /// Log Analytics `ResultType`: the error code as text.
    #[serde(rename = "ResultType", default, deserialize_with = "flex::int", skip_serializing)]
    pub result_type: Option<i64>,
    /// Log Analytics `ResultDescription`: the failure reason.
    #[serde(rename = "ResultDescription", default, deserialize_with = "flex::text", skip_serializing)]
    pub result_description: Option<String>,
    /// `conditionalAccessStatus` (Log Analytics `ConditionalAccessStatus`).
    #[serde(rename = "conditionalAccessStatus", alias = "ConditionalAccessStatus", default, deserialize_with = "flex::text")]
    pub conditional_access_status: Option<String>,
    /// `appliedConditionalAccessPolicies` (Log Analytics `ConditionalAccessPolicies`).
    #[serde(rename = "appliedConditionalAccessPolicies", alias = "ConditionalAccessPolicies", default, deserialize_with = "flex::nested")]
    pub conditional_access_policies: Option<Vec<CaPolicy>>,
    /// `location` (Log Analytics `LocationDetails`).
    #[serde(rename = "location", alias = "LocationDetails", default, deserialize_with = "flex::nested")]
    pub location: Option<Location>,
    /// Log Analytics `Location`: the two-letter country code only.
    #[serde(rename = "Location", default, deserialize_with = "flex::text", skip_serializing)]
    pub la_country: Option<String>,
    /// `deviceDetail` (Log Analytics `DeviceDetail`).
    #[serde(rename = "deviceDetail", alias = "DeviceDetail", default, deserialize_with = "flex::nested")]
    pub device_detail: Option<DeviceDetail>,
    /// `riskLevelDuringSignIn` (Log Analytics `RiskLevelDuringSignIn`).
    #[serde(rename = "riskLevelDuringSignIn", alias = "RiskLevelDuringSignIn", default, deserialize_with = "flex::text")]
    pub risk_level_during_sign_in: Option<String>,
    /// `riskLevelAggregated` (Log Analytics `RiskLevelAggregated`).
    #[serde(rename = "riskLevelAggregated", alias = "RiskLevelAggregated", default, deserialize_with = "flex::text")]
    pub risk_level_aggregated: Option<String>,
    /// `riskState` (Log Analytics `RiskState`).
    #[serde(rename = "riskState", alias = "RiskState", default, deserialize_with = "flex::text")]
    pub risk_state: Option<String>,
    /// `riskEventTypes_v2` (Log Analytics `RiskEventTypes_V2`).
    #[serde(rename = "riskEventTypes_v2", alias = "RiskEventTypes_V2", default, deserialize_with = "flex::list")]
    pub risk_event_types: Vec<String>,
    /// `authenticationRequirement` (Log Analytics `AuthenticationRequirement`).
    #[serde(rename = "authenticationRequirement", alias = "AuthenticationRequirement", default, deserialize_with = "flex::text")]
    pub authentication_requirement: Option<String>,
    /// `authenticationRequirementPolicies` (Log Analytics `AuthenticationRequirementPolicies`).
    #[serde(rename = "authenticationRequirementPolicies", alias = "AuthenticationRequirementPolicies", default, deserialize_with = "flex::nested")]
    pub authentication_requirement_policies: Option<Vec<RequirementPolicy>>,
    /// A Log Analytics row (it has the `TimeGenerated` column every Log
    /// Analytics table adds): what the record lacks is told in its terms.
    #[serde(rename = "TimeGenerated", default, deserialize_with = "flex::present", skip_serializing)]
    pub log_analytics: bool,
    /// Per-step authentication results (beta, Log Analytics, portal). `None`
    /// when the export has no such field (Graph v1.0): the MFA step is unknown.
    #[serde(rename = "authenticationDetails", alias = "AuthenticationDetails", default, deserialize_with = "flex::nested")]
    pub authentication_details: Option<Vec<AuthStep>>,
    /// `mfaDetail` (Log Analytics `MfaDetail`).
    #[serde(rename = "mfaDetail", alias = "MfaDetail", default, deserialize_with = "flex::nested")]
    pub mfa_detail: Option<MfaDetail>,
    /// `userType`: `member` or `guest` (Log Analytics `UserType`).
    #[serde(rename = "userType", alias = "UserType", default, deserialize_with = "flex::text")]
    pub user_type: Option<String>,
    /// `crossTenantAccessType`: `none`, `b2bCollaboration`, `b2bDirectConnect`, ... (Log Analytics `CrossTenantAccessType`).
    #[serde(rename = "crossTenantAccessType", alias = "CrossTenantAccessType", default, deserialize_with = "flex::text")]
    pub cross_tenant_access_type: Option<String>,
    /// `homeTenantId`: the tenant that owns the account (Log Analytics `HomeTenantId`).
    #[serde(rename = "homeTenantId", alias = "HomeTenantId", default, deserialize_with = "flex::text")]
    pub home_tenant_id: Option<String>,
    /// `resourceTenantId`: the tenant that owns the resource (Log Analytics `ResourceTenantId`).
    #[serde(rename = "resourceTenantId", alias = "ResourceTenantId", default, deserialize_with = "flex::text")]
    pub resource_tenant_id: Option<String>,
    /// `authenticationProtocol` (Log Analytics `AuthenticationProtocol`).
    #[serde(rename = "authenticationProtocol", alias = "AuthenticationProtocol", default, deserialize_with = "flex::text")]
    pub authentication_protocol: Option<String>,
    /// Present only on audit records: used to tell a user who passed the wrong file.
    #[serde(rename = "activityDisplayName", alias = "ActivityDisplayName", default, deserialize_with = "flex::text", skip_serializing)]
    pub(crate) activity_display_name: Option<String>,
}

/// Where a record came from: file, record number and line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// The file name as given.
    pub file: Arc<str>,
    /// 1-based record number in the file.
    pub record: usize,
    /// 1-based line where the record starts.
    pub line: usize,
}

impl Default for Origin {
    fn default() -> Self {
        Origin { file: Arc::from(""), record: 0, line: 0 }
    }
}

/// `signInStatus`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[non_exhaustive]
pub struct Status {
    /// `errorCode`.
    #[serde(rename = "errorCode", default, deserialize_with = "flex::int")]
    pub error_code: Option<i64>,
    /// `failureReason`.
    #[serde(rename = "failureReason", default, deserialize_with = "flex::text")]
    pub failure_reason: Option<String>,
    /// `additionalDetails`.
    #[serde(rename = "additionalDetails", default, deserialize_with = "flex::text")]
    pub additional_details: Option<String>,
}

/// `appliedConditionalAccessPolicy`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[non_exhaustive]
pub struct CaPolicy {
    /// `displayName`.
    #[serde(rename = "displayName", default, deserialize_with = "flex::text")]
    pub display_name: Option<String>,
    /// `result`.
    #[serde(default, deserialize_with = "flex::text")]
    pub result: Option<String>,
    /// `enforcedGrantControls`.
    #[serde(rename = "enforcedGrantControls", default, deserialize_with = "flex::list")]
    pub enforced_grant_controls: Vec<String>,
    /// `conditionsSatisfied`: which conditions matched (`application,users,userRisk`, ...).
    #[serde(rename = "conditionsSatisfied", default, deserialize_with = "flex::text")]
    pub conditions_satisfied: Option<String>,
}

/// `signInLocation`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[non_exhaustive]
pub struct Location {
    /// `city`.
    #[serde(default, deserialize_with = "flex::text")]
    pub city: Option<String>,
    /// `state`.
    #[serde(default, deserialize_with = "flex::text")]
    pub state: Option<String>,
    /// `countryOrRegion`.
    #[serde(rename = "countryOrRegion", default, deserialize_with = "flex::text")]
    pub country_or_region: Option<String>,
}

/// `deviceDetail`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[non_exhaustive]
pub struct DeviceDetail {
    /// `operatingSystem`.
    #[serde(rename = "operatingSystem", default, deserialize_with = "flex::text")]
    pub operating_system: Option<String>,
    /// `browser`.
    #[serde(default, deserialize_with = "flex::text")]
    pub browser: Option<String>,
    /// `isCompliant`.
    #[serde(rename = "isCompliant", default, deserialize_with = "flex::boolean")]
    pub is_compliant: Option<bool>,
    /// `isManaged`.
    #[serde(rename = "isManaged", default, deserialize_with = "flex::boolean")]
    pub is_managed: Option<bool>,
    /// `displayName`.
    #[serde(rename = "displayName", default, deserialize_with = "flex::text")]
    pub display_name: Option<String>,
}

/// `authenticationRequirementPolicy` (beta): why MFA or registration was demanded.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[non_exhaustive]
pub struct RequirementPolicy {
    /// `requirementProvider`.
    #[serde(rename = "requirementProvider", default, deserialize_with = "flex::text")]
    pub requirement_provider: Option<String>,
    /// `detail`.
    #[serde(default, deserialize_with = "flex::text")]
    pub detail: Option<String>,
}

/// `authenticationDetail` (beta): one step of the sign-in.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[non_exhaustive]
pub struct AuthStep {
    /// `authenticationStepDateTime`.
    #[serde(rename = "authenticationStepDateTime", default, deserialize_with = "flex::time")]
    pub time: Option<DateTime<Utc>>,
    /// `authenticationMethod`.
    #[serde(rename = "authenticationMethod", default, deserialize_with = "flex::text")]
    pub method: Option<String>,
    /// `authenticationMethodDetail`.
    #[serde(rename = "authenticationMethodDetail", default, deserialize_with = "flex::text")]
    pub method_detail: Option<String>,
    /// `authenticationStepRequirement`.
    #[serde(rename = "authenticationStepRequirement", default, deserialize_with = "flex::text")]
    pub requirement: Option<String>,
    /// `authenticationStepResultDetail`.
    #[serde(rename = "authenticationStepResultDetail", default, deserialize_with = "flex::text")]
    pub result_detail: Option<String>,
    /// `succeeded`.
    #[serde(default, deserialize_with = "flex::boolean")]
    pub succeeded: Option<bool>,
}

/// `mfaDetail` (beta, deprecated but still written).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[non_exhaustive]
pub struct MfaDetail {
    /// `authMethod`.
    #[serde(rename = "authMethod", default, deserialize_with = "flex::text")]
    pub auth_method: Option<String>,
    /// `authDetail`.
    #[serde(rename = "authDetail", default, deserialize_with = "flex::text")]
    pub auth_detail: Option<String>,
}

impl SignIn {
    /// The error code: `status.errorCode`, or Log Analytics `ResultType`.
    pub fn error_code(&self) -> Option<i64> {
        self.status.as_ref().and_then(|s| s.error_code).or(self.result_type)
    }

    /// `status.failureReason`, or Log Analytics `ResultDescription`.
    pub fn failure_reason(&self) -> Option<&str> {
        self.status.as_ref().and_then(|s| s.failure_reason.as_deref()).or(self.result_description.as_deref()).filter(|s| !s.is_empty())
    }

    /// `status.additionalDetails`.
    pub fn additional_details(&self) -> Option<&str> {
        self.status.as_ref().and_then(|s| s.additional_details.as_deref()).filter(|s| !s.is_empty())
    }

    /// The two-letter country: `location.countryOrRegion` or Log Analytics `Location`.
    pub fn country(&self) -> Option<&str> {
        self.location.as_ref().and_then(|l| l.country_or_region.as_deref()).or(self.la_country.as_deref()).filter(|s| !s.is_empty())
    }

    /// Whether the record is not known to have succeeded: an error code other
    /// than 0, or none at all (`errorCode: null` is unknown, not success, so
    /// such a record is diagnosed, with its error code unknown).
    pub fn is_failure(&self) -> bool {
        self.error_code() != Some(0)
    }

    pub(crate) fn looks_like_sign_in(&self) -> bool {
        self.activity_display_name.is_none() && (self.status.is_some() || self.result_type.is_some() || self.created.is_some())
    }
}

/// One `directoryAudit` event (Graph) or `AuditLogs` row (Log Analytics).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[non_exhaustive]
pub struct AuditEvent {
    /// Where the record was read from.
    #[serde(skip)]
    pub origin: Origin,
    /// `id` (Log Analytics `Id`).
    #[serde(rename = "id", alias = "Id", default, deserialize_with = "flex::text")]
    pub id: Option<String>,
    /// `activityDateTime` (Log Analytics `ActivityDateTime`).
    #[serde(rename = "activityDateTime", alias = "ActivityDateTime", default, deserialize_with = "flex::time")]
    pub time: Option<DateTime<Utc>>,
    /// `activityDisplayName` (Log Analytics `ActivityDisplayName`).
    #[serde(rename = "activityDisplayName", alias = "ActivityDisplayName", default, deserialize_with = "flex::shared_text")]
    pub activity: Option<Arc<str>>,
    /// `category` (Log Analytics `Category`).
    #[serde(rename = "category", alias = "Category", default, deserialize_with = "flex::shared_text")]
    pub category: Option<Arc<str>>,
    /// `loggedByService` (Log Analytics `LoggedByService`).
    #[serde(rename = "loggedByService", alias = "LoggedByService", default, deserialize_with = "flex::shared_text")]
    pub logged_by_service: Option<Arc<str>>,
    /// `result` (Log Analytics `Result`).
    #[serde(rename = "result", alias = "Result", default, deserialize_with = "flex::shared_text")]
    pub result: Option<Arc<str>>,
    /// `resultReason` (Log Analytics `ResultReason`).
    #[serde(rename = "resultReason", alias = "ResultReason", default, deserialize_with = "flex::shared_text")]
    pub result_reason: Option<Arc<str>>,
    /// `correlationId` (Log Analytics `CorrelationId`).
    #[serde(rename = "correlationId", alias = "CorrelationId", default, deserialize_with = "flex::text")]
    pub correlation_id: Option<String>,
    /// `initiatedBy` (Log Analytics `InitiatedBy`).
    #[serde(rename = "initiatedBy", alias = "InitiatedBy", default, deserialize_with = "flex::nested")]
    pub initiated_by: Option<Initiator>,
    /// `targetResources` (Log Analytics `TargetResources`).
    #[serde(rename = "targetResources", alias = "TargetResources", default, deserialize_with = "flex::nested")]
    pub target_resources: Option<Vec<Target>>,
}

/// `auditActivityInitiator`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[non_exhaustive]
pub struct Initiator {
    /// `user`.
    #[serde(default)]
    pub user: Option<UserIdentity>,
    /// `app`.
    #[serde(default)]
    pub app: Option<AppIdentity>,
}

/// `userIdentity`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[non_exhaustive]
pub struct UserIdentity {
    /// `id`.
    #[serde(default, deserialize_with = "flex::shared_text")]
    pub id: Option<Arc<str>>,
    /// `displayName`.
    #[serde(rename = "displayName", default, deserialize_with = "flex::shared_text")]
    pub display_name: Option<Arc<str>>,
    /// `userPrincipalName`.
    #[serde(rename = "userPrincipalName", default, deserialize_with = "flex::shared_text")]
    pub user_principal_name: Option<Arc<str>>,
    /// `ipAddress`.
    #[serde(rename = "ipAddress", default, deserialize_with = "flex::shared_text")]
    pub ip_address: Option<Arc<str>>,
}

/// `appIdentity`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[non_exhaustive]
pub struct AppIdentity {
    /// `displayName`.
    #[serde(rename = "displayName", default, deserialize_with = "flex::shared_text")]
    pub display_name: Option<Arc<str>>,
    /// `appId`.
    #[serde(rename = "appId", default, deserialize_with = "flex::shared_text")]
    pub app_id: Option<Arc<str>>,
}

/// `targetResource`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[non_exhaustive]
pub struct Target {
    /// `id`.
    #[serde(default, deserialize_with = "flex::shared_text")]
    pub id: Option<Arc<str>>,
    /// `displayName`.
    #[serde(rename = "displayName", default, deserialize_with = "flex::shared_text")]
    pub display_name: Option<Arc<str>>,
    /// `type`; the Graph docs also write `Type`.
    #[serde(rename = "type", alias = "Type", default, deserialize_with = "flex::shared_text")]
    pub kind: Option<Arc<str>>,
    /// `userPrincipalName`.
    #[serde(rename = "userPrincipalName", default, deserialize_with = "flex::shared_text")]
    pub user_principal_name: Option<Arc<str>>,
    /// `modifiedProperties`.
    #[serde(rename = "modifiedProperties", default, deserialize_with = "flex::nested")]
    pub modified_properties: Option<Vec<ModifiedProperty>>,
}

/// `modifiedProperty`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[non_exhaustive]
pub struct ModifiedProperty {
    /// `displayName`.
    #[serde(rename = "displayName", default, deserialize_with = "flex::shared_text")]
    pub display_name: Option<Arc<str>>,
}

impl AuditEvent {
    pub(crate) fn looks_like_audit(&self) -> bool {
        self.activity.is_some()
    }

    /// Whether this event concerns the user with this object id or UPN: the
    /// user is a target, or initiated a self-service action with no target user.
    pub fn concerns(&self, user_id: Option<&str>, upn: Option<&str>) -> bool {
        let same =
            |id: Option<&str>, name: Option<&str>| matches!((id, user_id), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b)) || matches!((name, upn), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b));
        let targets = self.target_resources.as_deref().unwrap_or_default();
        let user_targets = || targets.iter().filter(|t| t.kind.as_deref().is_none_or(|k| k.eq_ignore_ascii_case("user")));
        if user_targets().any(|t| same(t.id.as_deref(), t.user_principal_name.as_deref())) {
            return true;
        }
        let initiator = self.initiated_by.as_ref().and_then(|i| i.user.as_ref());
        user_targets().next().is_none() && initiator.is_some_and(|u| same(u.id.as_deref(), u.user_principal_name.as_deref()))
    }

    /// Who did it: the initiating user's UPN, else their name, else the app.
    pub fn initiator_name(&self) -> Option<&str> {
        self.initiator_text().map(|t| &**t)
    }

    /// The initiating user's IP address.
    pub fn initiator_ip(&self) -> Option<&str> {
        self.initiator_ip_text().map(|t| &**t)
    }

    /// [`AuditEvent::initiator_name`] as the shared text itself (the audit index keeps it).
    pub(crate) fn initiator_text(&self) -> Option<&Arc<str>> {
        let i = self.initiated_by.as_ref()?;
        i.user.as_ref().and_then(|u| u.user_principal_name.as_ref().or(u.display_name.as_ref())).or_else(|| i.app.as_ref().and_then(|a| a.display_name.as_ref()))
    }

    /// [`AuditEvent::initiator_ip`] as the shared text itself.
    pub(crate) fn initiator_ip_text(&self) -> Option<&Arc<str>> {
        self.initiated_by.as_ref()?.user.as_ref()?.ip_address.as_ref().filter(|s| !s.is_empty())
    }

    /// Whether the initiator is the target user (self-service) rather than an admin.
    pub fn is_self_service(&self, user_id: Option<&str>, upn: Option<&str>) -> bool {
        let Some(u) = self.initiated_by.as_ref().and_then(|i| i.user.as_ref()) else { return false };
        matches!((u.id.as_deref(), user_id), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b)) || matches!((u.user_principal_name.as_deref(), upn), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b))
    }

    /// Names of the modified properties on the targets.
    pub fn modified_property_names(&self) -> impl Iterator<Item = &str> {
        self.target_resources.iter().flatten().flat_map(|t| t.modified_properties.iter().flatten()).filter_map(|p| p.display_name.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::AuditEvent;

    /// A log is held for the whole run: an event's lists are kept at their
    /// length, not at the room they were read into.
    #[test]
    fn audit_events_are_kept_without_spare_room() -> Result<(), String> {
        let text = r#"[{"activityDisplayName": "User registered security info", "activityDateTime": "2026-11-02T09:00:00Z",
            "targetResources": [{"id": "u1", "type": "User", "modifiedProperties": [{"displayName": "StrongAuthenticationMethod"}]}]}]"#;
        let events = crate::logs::read_text::<AuditEvent>(std::path::Path::new("audit.json"), text).map_err(|e| e.to_string())?;
        let targets = events.first().and_then(|e| e.target_resources.as_ref()).ok_or("no targets read")?;
        // Read element by element, the list had room for four.
        assert!(targets.len() == 1 && targets.capacity() < 4, "{} of {}", targets.len(), targets.capacity());
        let props = targets.first().and_then(|t| t.modified_properties.as_ref()).ok_or("no properties read")?;
        assert!(props.len() == 1 && props.capacity() < 4, "{} of {}", props.len(), props.capacity());
        Ok(())
    }
}
