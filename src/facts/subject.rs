//! What was diagnosed: the attempt's records and who, when, what. A session
//! keeps it (and needs no log types); outputs show it.

use crate::logs::Attempt;
use serde::{Deserialize, Serialize};

/// What was diagnosed: the attempt's records and who, when, what.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Subject {
    /// Record ids (request ids) of the attempt, oldest first.
    pub record_ids: Vec<String>,
    /// Where they were read: `file#record`.
    pub records: Vec<String>,
    /// Correlation id.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub correlation_id: Option<String>,
    /// User principal name.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user: Option<String>,
    /// User display name.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user_name: Option<String>,
    /// Time of the deciding record (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub time: Option<String>,
    /// Application.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub app: Option<String>,
    /// Error code of the deciding record.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error_code: Option<i64>,
    /// IP address.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ip_address: Option<String>,
}

impl From<&Attempt> for Subject {
    /// Describe an attempt.
    fn from(attempt: &Attempt) -> Subject {
        let d = attempt.deciding();
        Subject {
            record_ids: attempt.records().iter().filter_map(|r| r.id.clone()).collect(),
            records: attempt.records().iter().map(|r| format!("{}#{}", r.origin.file, r.origin.record)).collect(),
            correlation_id: attempt.correlation_id().map(String::from),
            user: d.user_principal_name.clone(),
            user_name: d.user_display_name.clone(),
            time: d.created.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            app: d.app_display_name.clone(),
            error_code: d.error_code(),
            ip_address: d.ip_address.clone(),
        }
    }
}
