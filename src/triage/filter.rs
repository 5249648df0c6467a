//! Which records and attempts a triage run looks at: a time window over the
//! whole log, and users, applications and error codes over the failed
//! attempts it reports.

use chrono::{DateTime, Utc};
use std::fmt::Write as _;

/// What a triage run selects.
///
/// - The **time window** (`since`, `until`) applies to every record: a
///   record outside it is not read into the history, the rollout checks or
///   the diagnoses (so "the last two days" means the same everywhere).
/// - **Users, applications and error codes** select which failed attempts
///   are diagnosed and reported. The history (a password spray across many
///   users, the bursts of one address) and the rollout checks still see
///   every user in the window, since a diagnosis of one user may rest on
///   what others' sign-ins show.
///
/// Each list matches any of its entries; the lists and the window all have
/// to match.
///
/// ```
/// use signin_doctor::triage::Filter;
/// let mut f = Filter::default();
/// f.users.push("Alex@Contoso.com".into());
/// f.error_codes.push(500121);
/// assert!(f.selects(Some("alex@contoso.com"), None, Some("Office 365"), Some(500121)));
/// assert!(!f.selects(Some("sam@contoso.com"), None, Some("Office 365"), Some(500121)));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Filter {
    /// Records at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Records before this time.
    pub until: Option<DateTime<Utc>>,
    /// User principal names or object ids (case-insensitive).
    pub users: Vec<String>,
    /// Application display names, each a case-insensitive part of the name
    /// (`outlook` matches "Microsoft Outlook" and "Outlook Mobile").
    pub apps: Vec<String>,
    /// AADSTS error codes.
    pub error_codes: Vec<i64>,
}

impl Filter {
    /// Whether the filter selects everything.
    pub fn is_empty(&self) -> bool {
        self.since.is_none() && self.until.is_none() && self.users.is_empty() && self.apps.is_empty() && self.error_codes.is_empty()
    }

    /// Whether a time window is set.
    pub fn has_window(&self) -> bool {
        self.since.is_some() || self.until.is_some()
    }

    /// Whether a record at `time` (seconds since 1970) lies in the window.
    /// A record without a time lies outside any window.
    pub(crate) fn in_window(&self, time: Option<i64>) -> bool {
        if !self.has_window() {
            return true;
        }
        let Some(t) = time else { return false };
        self.since.is_none_or(|s| t >= s.timestamp()) && self.until.is_none_or(|u| t < u.timestamp())
    }

    /// Whether a failed attempt whose deciding record names this user
    /// (principal name or object id), application and error code is one
    /// the filter reports.
    pub fn selects(&self, upn: Option<&str>, user_id: Option<&str>, app: Option<&str>, code: Option<i64>) -> bool {
        let app_ok = self.apps.is_empty() || app.is_some_and(|a| self.apps.iter().any(|w| contains_ignore_case(a, w)));
        let code_ok = self.error_codes.is_empty() || code.is_some_and(|c| self.error_codes.contains(&c));
        self.selects_user(upn, user_id) && app_ok && code_ok
    }

    /// Whether a record of this user can belong to an attempt the filter
    /// reports (an attempt is one user's; its codes and applications are
    /// judged on its deciding record).
    pub(crate) fn selects_user(&self, upn: Option<&str>, user_id: Option<&str>) -> bool {
        self.users.is_empty() || self.users.iter().any(|u| upn.is_some_and(|n| n.eq_ignore_ascii_case(u)) || user_id.is_some_and(|i| i.eq_ignore_ascii_case(u)))
    }

    /// The filter in words, for a summary ("" when it selects everything).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        let when = |t: &DateTime<Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
        match (&self.since, &self.until) {
            (Some(s), Some(u)) => parts.push(format!("from {} to {}", when(s), when(u))),
            (Some(s), None) => parts.push(format!("since {}", when(s))),
            (None, Some(u)) => parts.push(format!("before {}", when(u))),
            (None, None) => {}
        }
        let list = |name: &str, items: &[String]| {
            let mut s = String::from(name);
            let _ = write!(s, " {}", items.join(" or "));
            s
        };
        if !self.users.is_empty() {
            parts.push(list(if self.users.len() == 1 { "user" } else { "users" }, &self.users));
        }
        if !self.apps.is_empty() {
            parts.push(list(if self.apps.len() == 1 { "application" } else { "applications" }, &self.apps));
        }
        if !self.error_codes.is_empty() {
            let codes: Vec<String> = self.error_codes.iter().map(i64::to_string).collect();
            parts.push(list(if codes.len() == 1 { "error code" } else { "error codes" }, &codes));
        }
        parts.join(", ")
    }
}

/// `hay` contains `needle`, ignoring case (Unicode-aware, as display names
/// are not ASCII everywhere).
fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    hay.to_lowercase().contains(&needle.to_lowercase())
}

/// Parse a time given on the command line: RFC 3339 (`2026-11-20T09:00:00Z`),
/// a date (`2026-11-20`, midnight UTC), a date and time without a zone (UTC),
/// or a span back from `now` (`2d`, `12h`, `90m`, `1w`, `2days 6h`).
pub fn parse_when(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let t = s.trim();
    if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|n| n.and_utc()).ok_or_else(|| format!("\"{s}\" is not a date"));
    }
    if let Ok(at) = crate::logs::parse_time(t) {
        return Ok(at);
    }
    for fmt in ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(n) = chrono::NaiveDateTime::parse_from_str(t, fmt) {
            return Ok(n.and_utc());
        }
    }
    match humantime::parse_duration(t) {
        Ok(d) => chrono::Duration::from_std(d).ok().and_then(|d| now.checked_sub_signed(d)).ok_or_else(|| format!("\"{s}\" reaches too far back")),
        Err(_) => Err(format!("\"{s}\" is neither a time (2026-11-20, 2026-11-20T09:00:00Z) nor a span back from now (2d, 12h, 90m, 1w)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        match parse_when(s, DateTime::UNIX_EPOCH) {
            Ok(t) => t,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    #[test]
    fn times_dates_and_spans_back_from_now() {
        let now = at("2026-11-30T12:00:00Z");
        assert_eq!(parse_when("2d", now), Ok(at("2026-11-28T12:00:00Z")));
        assert_eq!(parse_when("90m", now), Ok(at("2026-11-30T10:30:00Z")));
        assert_eq!(parse_when("1w", now), Ok(at("2026-11-23T12:00:00Z")));
        assert_eq!(parse_when("2026-11-20", now), Ok(at("2026-11-20T00:00:00Z")));
        assert_eq!(parse_when("2026-11-20T09:00:00+01:00", now), Ok(at("2026-11-20T08:00:00Z")));
        assert_eq!(parse_when("2026-11-20 09:00:00", now), Ok(at("2026-11-20T09:00:00Z")));
        assert_eq!(parse_when("2026-11-20T09:30", now), Ok(at("2026-11-20T09:30:00Z")), "minutes without seconds");
        assert_eq!(parse_when("2026-11-20 09:30", now), Ok(at("2026-11-20T09:30:00Z")));
        let e = parse_when("yesterday", now).unwrap_err();
        assert!(e.contains("2d") && e.contains("2026-11-20"), "{e}");
    }

    #[test]
    fn the_window_takes_since_and_leaves_until() {
        let f = Filter { since: Some(at("2026-11-20")), until: Some(at("2026-11-21")), ..Filter::default() };
        let t = |s: &str| Some(at(s).timestamp());
        assert!(f.in_window(t("2026-11-20T00:00:00Z")));
        assert!(f.in_window(t("2026-11-20T23:59:59Z")));
        assert!(!f.in_window(t("2026-11-21T00:00:00Z")));
        assert!(!f.in_window(t("2026-11-19T23:59:59Z")));
        assert!(!f.in_window(None), "a record without a time lies outside a window");
        assert!(Filter::default().in_window(None));
    }

    #[test]
    fn users_apps_and_codes_each_match_any_entry() {
        let f = Filter { users: vec!["alex@contoso.com".into(), "0b7e".into()], apps: vec!["outlook".into()], error_codes: vec![50126, 500121], ..Filter::default() };
        assert!(f.selects(Some("ALEX@contoso.com"), None, Some("Microsoft Outlook"), Some(50126)));
        assert!(f.selects(None, Some("0B7E"), Some("Outlook Mobile"), Some(500121)));
        assert!(!f.selects(Some("alex@contoso.com"), None, Some("Teams"), Some(50126)));
        assert!(!f.selects(Some("alex@contoso.com"), None, Some("Outlook"), Some(0)));
        assert!(!f.selects(Some("alex@contoso.com"), None, None, Some(50126)), "no application named: not the one asked for");
        assert!(Filter::default().selects(None, None, None, None));
        assert_eq!(f.describe(), "users alex@contoso.com or 0b7e, application outlook, error codes 50126 or 500121");
    }
}
