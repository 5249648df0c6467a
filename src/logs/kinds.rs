//! The kinds of record the reader produces (sign-ins and audit events):
//! what each accepts, and how an envelope or a CSV export fills it.

use super::read::Probe;
use super::record::{AuditEvent, Origin, SignIn};
use serde::de::DeserializeOwned;

/// A record type this reader can produce.
pub(crate) trait LogRecord: DeserializeOwned {
    /// What a user calls it, for messages.
    const WHAT: &'static str;
    /// Whether a well-formed export with no records (`[]`, `{"value": []}`)
    /// is valid input: an audit export of a quiet window is, a sign-in log
    /// with nothing to diagnose is not.
    const EMPTY_OK: bool = false;
    /// Whether repeated texts share one copy while a file is read (audit
    /// events repeat activities, results and user ids; see `flex::Sharing`).
    const SHARE_TEXT: bool = false;
    /// Whether an Azure Monitor record of this `category` holds this kind of record.
    fn accepts_category(category: &str) -> bool;
    /// Fill fields the inner object lacks from the Azure Monitor envelope.
    fn apply_envelope(&mut self, env: &Probe<'_>);
    /// Whether rows of this CSV export are this kind of record; otherwise a hint.
    fn accepts_csv(kind: super::csv::CsvKind) -> std::result::Result<(), &'static str>;
    fn set_origin(&mut self, origin: Origin);
    /// Give back the room its lists were read into beyond their length: a
    /// log's records are kept for the whole run.
    fn shrink(&mut self) {}
    /// `Ok` when the decoded object is this kind of record; otherwise a message
    /// and a hint.
    fn check(&self) -> std::result::Result<(), (String, String)>;
}

impl LogRecord for SignIn {
    const WHAT: &'static str = "sign-in";
    fn accepts_csv(kind: super::csv::CsvKind) -> std::result::Result<(), &'static str> {
        use super::csv::CsvKind::*;
        match kind {
            PortalSignIns | LogAnalyticsSignIns => Ok(()),
            PortalAuthDetails => Err("this is the authentication-details CSV: give it together with the sign-in CSV it belongs to (they are joined on \"Request ID\")"),
            PortalAudit | LogAnalyticsAudit => Err("this is an audit log export: pass it with --audit"),
        }
    }
    fn accepts_category(category: &str) -> bool {
        category.to_ascii_lowercase().contains("signin")
    }
    fn apply_envelope(&mut self, env: &Probe<'_>) {
        if self.error_code().is_none() {
            self.result_type = env.result_type.as_deref().and_then(|r| r.trim().parse().ok());
        }
        if self.created.is_none() {
            self.created = env.time.as_deref().and_then(|t| super::flex::parse_time(t).ok());
        }
        if self.correlation_id.is_none() {
            self.correlation_id = env.correlation_id.clone();
        }
    }
    fn set_origin(&mut self, origin: Origin) {
        self.origin = origin;
    }
    fn check(&self) -> std::result::Result<(), (String, String)> {
        if self.looks_like_sign_in() {
            Ok(())
        } else if self.activity_display_name.is_some() {
            Err(("this is an audit event (directoryAudit), not a sign-in".into(), "pass audit logs with --audit".into()))
        } else {
            Err((
                "this object has none of the fields of a sign-in (status, createdDateTime, ResultType)".into(),
                "export sign-ins from Graph /auditLogs/signIns, the Entra admin center, or Log Analytics SigninLogs".into(),
            ))
        }
    }
}

impl LogRecord for AuditEvent {
    const WHAT: &'static str = "audit event";
    const EMPTY_OK: bool = true;
    const SHARE_TEXT: bool = true;
    fn accepts_csv(kind: super::csv::CsvKind) -> std::result::Result<(), &'static str> {
        use super::csv::CsvKind::*;
        match kind {
            PortalAudit | LogAnalyticsAudit => Ok(()),
            _ => Err("this is a sign-in export: pass it with --signin"),
        }
    }
    fn accepts_category(category: &str) -> bool {
        // "AuditLogs" in diagnostic settings; some pipelines keep the
        // directoryAudit category (Policy, UserManagement, ...) instead.
        !category.to_ascii_lowercase().contains("signin")
    }
    fn apply_envelope(&mut self, env: &Probe<'_>) {
        // The oldest (preview) schema keeps the activity and time only in the envelope.
        if self.activity.is_none() {
            self.activity = env.operation_name.as_deref().map(std::sync::Arc::from);
        }
        if self.time.is_none() {
            self.time = env.time.as_deref().and_then(|t| super::flex::parse_time(t).ok());
        }
        if self.correlation_id.is_none() {
            self.correlation_id = env.correlation_id.clone();
        }
    }
    fn set_origin(&mut self, origin: Origin) {
        self.origin = origin;
    }
    fn shrink(&mut self) {
        // A list read element by element is grown four at a time: an event's
        // one or two targets would hold room for four (about 350 bytes).
        if let Some(targets) = self.target_resources.as_mut() {
            for t in targets.iter_mut() {
                if let Some(p) = t.modified_properties.as_mut() {
                    p.shrink_to_fit();
                }
            }
            targets.shrink_to_fit();
        }
    }
    fn check(&self) -> std::result::Result<(), (String, String)> {
        if self.looks_like_audit() {
            Ok(())
        } else {
            Err((
                "this object has no activityDisplayName, so it is not an audit event".into(),
                "export audit events from Graph /auditLogs/directoryAudits or Log Analytics AuditLogs; sign-ins go with --signin".into(),
            ))
        }
    }
}
