//! The first pass's view of a sign-in: only the fields the history, the
//! attempt index and the rollout report need, borrowed from the record's
//! text, for batch triage's hot path. The field names and aliases are the
//! full record's (`record::SignIn`), the envelope rule and category test are
//! the full reader's, and what a record says of MFA is `says`; the tests at
//! the end of this file read every field in each shape through both and
//! hold them equal, and `tests/engines.rs` holds the two drivers equal on
//! every case and sample.

use super::{says_mfa_passed, MfaSays, StepMethod, StepRequirement};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

#[derive(Deserialize, Default)]
pub(crate) struct Peek<'a> {
    #[serde(rename = "createdDateTime", alias = "CreatedDateTime", borrow, default, deserialize_with = "lenient")]
    pub created: Option<Cow<'a, str>>,
    #[serde(rename = "correlationId", alias = "CorrelationId", borrow, default, deserialize_with = "lenient")]
    pub corr: Option<Cow<'a, str>>,
    #[serde(rename = "id", alias = "Id", borrow, default, deserialize_with = "lenient")]
    pub id: Option<Cow<'a, str>>,
    #[serde(rename = "userId", alias = "UserId", borrow, default, deserialize_with = "lenient")]
    pub user_id: Option<Cow<'a, str>>,
    #[serde(rename = "userPrincipalName", alias = "UserPrincipalName", borrow, default, deserialize_with = "lenient")]
    pub upn: Option<Cow<'a, str>>,
    #[serde(rename = "ipAddress", alias = "IPAddress", borrow, default, deserialize_with = "lenient")]
    pub ip: Option<Cow<'a, str>>,
    #[serde(rename = "clientAppUsed", alias = "ClientAppUsed", borrow, default, deserialize_with = "lenient")]
    pub client: Option<Cow<'a, str>>,
    #[serde(rename = "appDisplayName", alias = "AppDisplayName", borrow, default, deserialize_with = "lenient")]
    pub app: Option<Cow<'a, str>>,
    #[serde(rename = "authenticationRequirement", alias = "AuthenticationRequirement", borrow, default, deserialize_with = "lenient")]
    pub requirement: Option<Cow<'a, str>>,
    #[serde(rename = "isInteractive", alias = "IsInteractive", default, deserialize_with = "crate::logs::flex_boolean")]
    pub interactive: Option<bool>,
    #[serde(rename = "status", alias = "Status", default, deserialize_with = "crate::logs::flex_nested")]
    pub status: Option<StatusPeek>,
    #[serde(rename = "ResultType", default, deserialize_with = "crate::logs::flex_int")]
    pub result_type: Option<i64>,
    /// `location.countryOrRegion`, borrowed where the record allows.
    #[serde(rename = "location", alias = "LocationDetails", default, deserialize_with = "country_field")]
    pub location: Option<Cow<'a, str>>,
    #[serde(rename = "Location", borrow, default, deserialize_with = "lenient")]
    pub la_country: Option<Cow<'a, str>>,
    /// `deviceDetail.operatingSystem`, borrowed where the record allows.
    #[serde(rename = "deviceDetail", alias = "DeviceDetail", default, deserialize_with = "os_field")]
    pub device: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub properties: Option<&'a RawValue>,
    /// A page's or an Azure Monitor blob's records, inside a record: refused
    /// as the full reader refuses them.
    #[serde(borrow, default)]
    pub value: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub records: Option<&'a RawValue>,
    /// A wrapper's record (detection-rule test events keep it in `log`).
    #[serde(borrow, default)]
    pub log: Option<&'a RawValue>,
    /// The Azure Monitor envelope's time and result, for a record inside
    /// `properties` that lacks its own.
    #[serde(rename = "time", borrow, default, deserialize_with = "lenient")]
    pub env_time: Option<Cow<'a, str>>,
    /// An error code, or for some sources "Success"/"Failure" (ignored, as the full reader does).
    #[serde(rename = "resultType", alias = "resulttype", default, deserialize_with = "crate::logs::flex_text")]
    pub env_result: Option<String>,
    #[serde(borrow, default, deserialize_with = "lenient")]
    pub category: Option<Cow<'a, str>>,
    /// An Azure Monitor envelope names its operation (the full reader's `Probe` asks the same).
    #[serde(rename = "operationName", alias = "operationname", alias = "OperationName", default)]
    pub operation: Option<serde::de::IgnoredAny>,
    #[serde(rename = "activityDisplayName", alias = "ActivityDisplayName", default)]
    pub activity: Option<serde::de::IgnoredAny>,
    /// The Conditional Access policies, kept as text: read only for a
    /// single-factor success (the rollout check names the policies that applied).
    #[serde(rename = "appliedConditionalAccessPolicies", alias = "ConditionalAccessPolicies", borrow, default)]
    pub ca: Option<&'a RawValue>,
    /// The steps, read only for whether an MFA step succeeded (as the full
    /// reader's history does).
    #[serde(rename = "authenticationDetails", alias = "AuthenticationDetails", default, deserialize_with = "steps_mfa_ok")]
    pub steps_mfa_ok: bool,
}

/// `authenticationDetails`, read only for whether an MFA step succeeded:
/// element by element, without collecting them (every record has steps).
/// Log Analytics' JSON text is parsed as the full reader parses it.
fn steps_mfa_ok<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of authentication steps, or a string holding one")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> Result<bool, A::Error> {
            let mut ok = false;
            while let Some(st) = s.next_element::<StepPeek>()? {
                ok |= st.succeeded == Some(true) && st.requirement.is_mfa_with(st.method);
            }
            Ok(ok)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<bool, E> {
            let steps: Option<Vec<StepPeek>> = crate::logs::flex_nested(serde::de::value::StrDeserializer::<E>::new(v))?;
            Ok(steps.iter().flatten().any(|st| st.succeeded == Some(true) && st.requirement.is_mfa_with(st.method)))
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_some<D2: serde::Deserializer<'de>>(self, d: D2) -> Result<bool, D2::Error> {
            d.deserialize_any(self)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<bool, A::Error> {
            while m.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
            Ok(false)
        }
    }
    d.deserialize_any(V)
}

#[derive(Deserialize, Default)]
pub(crate) struct StepPeek {
    #[serde(rename = "authenticationStepRequirement", default)]
    requirement: StepRequirement,
    #[serde(rename = "authenticationMethod", default)]
    method: StepMethod,
    #[serde(default, deserialize_with = "crate::logs::flex_boolean")]
    succeeded: Option<bool>,
}

#[derive(Deserialize, Default)]
pub(crate) struct StatusPeek {
    #[serde(rename = "errorCode", default, deserialize_with = "crate::logs::flex_int")]
    code: Option<i64>,
    /// Whether `additionalDetails` says MFA completed or was satisfied.
    #[serde(rename = "additionalDetails", default, deserialize_with = "mfa_ok_text")]
    mfa_ok: bool,
}

/// Text as the full reader's `flex::text` reads it (a number is text, an
/// object is absent), borrowed where it can be.
fn lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    Ok(<super::flex::MaybeText<'de> as Deserialize>::deserialize(d)?.0)
}

fn country_field<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    one_field(d, "countryOrRegion")
}

fn os_field<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Cow<'de, str>>, D::Error> {
    one_field(d, "operatingSystem")
}

/// One text field of a nested object, as the full reader's `flex::nested`
/// reads it (an object, or Log Analytics' JSON text; a plain string is
/// absent), without allocating when the record's text can be borrowed.
fn one_field<'de, D: serde::Deserializer<'de>>(d: D, key: &'static str) -> Result<Option<Cow<'de, str>>, D::Error> {
    struct V(&'static str);
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object, or a string holding one")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
            let mut found = None;
            while let Some(k) = m.next_key::<Cow<'de, str>>()? {
                if k == self.0 {
                    found = m.next_value::<super::flex::MaybeText<'de>>()?.0;
                } else {
                    m.next_value::<serde::de::IgnoredAny>()?;
                }
            }
            Ok(found)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            let t = v.trim();
            if !t.starts_with('{') {
                return Ok(None);
            }
            // Log Analytics' JSON text: read it as the full reader does, owned.
            let mut de = serde_json::Deserializer::from_str(t);
            let found = serde::Deserializer::deserialize_any(&mut de, self).map_err(|e| E::custom(format!("the embedded JSON text is not valid: {e}")))?;
            Ok(found.map(|c| Cow::Owned(c.into_owned())))
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
            while s.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: serde::Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }
    }
    d.deserialize_any(V(key))
}

/// `status.additionalDetails`, read only for whether it says MFA passed.
fn mfa_ok_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let s: Option<Cow<'de, str>> = Option::deserialize(d)?;
    Ok(s.is_some_and(|s| says_mfa_passed(&s)))
}

/// What the first pass looks at in a record, borrowed from its bytes.
#[derive(Debug, Default, Clone)]
pub(crate) struct Seen<'a> {
    pub time: Option<i64>,
    /// The nanoseconds of `time` (records of one second are told apart by them).
    pub nanos: u32,
    pub corr: Option<Cow<'a, str>>,
    /// The record's own id (the request id).
    pub id: Option<Cow<'a, str>>,
    pub user: Option<Cow<'a, str>>,
    pub upn: Option<Cow<'a, str>>,
    pub code: Option<i64>,
    pub mfa: MfaSays,
    pub ip: Option<Cow<'a, str>>,
    pub country: Option<Cow<'a, str>>,
    pub client: Option<Cow<'a, str>>,
    pub app: Option<Cow<'a, str>>,
    pub single_factor: bool,
    pub interactive: Option<bool>,
    pub os: Option<Cow<'a, str>>,
    /// `appliedConditionalAccessPolicies` as written (an array, or in Log
    /// Analytics the array as JSON text), read only where needed.
    pub ca: Option<&'a RawValue>,
}

/// The outcome of peeking at one record. `Seen` is large, but it lives on
/// the stack for one record; boxing it would cost an allocation per record.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Peeked<'a> {
    SignIn(Seen<'a>),
    /// An Azure Monitor record of another category (e.g. an audit event).
    Skip,
    Bad(String),
}

fn keep(c: Option<Cow<'_, str>>) -> Option<Cow<'_, str>> {
    c.filter(|s| !s.is_empty())
}

/// What an Azure Monitor envelope says of the record in its `properties`,
/// used where the record does not say it itself (as the full reader does).
#[derive(Default)]
struct Envelope<'a> {
    time: Option<Cow<'a, str>>,
    result: Option<i64>,
    corr: Option<Cow<'a, str>>,
}

/// Look at one record, given as text (its batch was checked for UTF-8 once:
/// parsing from `str` does not check every string again).
pub(crate) fn peek(text: &str) -> Peeked<'_> {
    peek_in(text, Envelope::default())
}

fn peek_in<'a>(text: &'a str, env: Envelope<'a>) -> Peeked<'a> {
    let p: Peek = match serde_json::from_str(text) {
        Ok(p) => p,
        Err(e) => return Peeked::Bad(format!("cannot read this sign-in: {}", e.to_string().split(" at line ").next().unwrap_or(""))),
    };
    if p.value.is_some_and(|v| v.get().starts_with('[')) || p.records.is_some_and(|v| v.get().starts_with('[')) {
        return Peeked::Bad("this record is itself a list of records (`value` or `records`) inside the file's array; batch triage reads a page or an Azure Monitor blob as a file of its own or as JSON Lines of its records (diagnose reads this layout)".into());
    }
    if let Some(inner) = p.log.filter(|r| r.get().starts_with('{')) {
        return peek_in(inner.get(), env);
    }
    if let Some(props) = p.properties.filter(|r| r.get().starts_with('{') && p.operation.is_some()) {
        if p.category.as_deref().is_some_and(|c| !<super::SignIn as super::kinds::LogRecord>::accepts_category(c)) {
            return Peeked::Skip;
        }
        return peek_in(props.get(), Envelope { time: keep(p.env_time), result: p.env_result.and_then(|r| r.trim().parse().ok()), corr: keep(p.corr) });
    }
    if p.activity.is_some() {
        return Peeked::Bad("this is an audit event (directoryAudit), not a sign-in; pass audit logs with --audit".into());
    }
    let has_status = p.status.is_some();
    let status = p.status.unwrap_or_default();
    let code = status.code.or(p.result_type).or(env.result);
    let created = keep(p.created).or(env.time);
    // What the full reader's `looks_like_sign_in` asks: a status, a result type or a time.
    if !has_status && code.is_none() && created.is_none() {
        return Peeked::Bad("this object has none of the fields of a sign-in (status, createdDateTime, ResultType)".into());
    }
    let (time, nanos) = match created.as_deref().map(crate::logs::parse_time) {
        Some(Ok(t)) => (Some(t.timestamp()), t.timestamp_subsec_nanos()),
        Some(Err(e)) => return Peeked::Bad(format!("cannot read this sign-in: {e}")),
        None => (None, 0),
    };
    let req = p.requirement.as_deref().unwrap_or("");
    let step_ok = p.steps_mfa_ok;
    let mfa = MfaSays { required: req.eq_ignore_ascii_case("multiFactorAuthentication"), step_ok, details_ok: status.mfa_ok };
    let single_factor = req.eq_ignore_ascii_case("singleFactorAuthentication");
    let country = keep(p.location).or_else(|| keep(p.la_country));
    let os = keep(p.device);
    Peeked::SignIn(Seen {
        time,
        nanos,
        corr: keep(p.corr).or(env.corr),
        id: keep(p.id),
        user: keep(p.user_id),
        upn: keep(p.upn),
        code,
        mfa,
        ip: keep(p.ip),
        country,
        client: keep(p.client),
        app: keep(p.app),
        single_factor,
        interactive: p.interactive,
        os,
        ca: p.ca,
    })
}

#[cfg(test)]
mod tests {
    //! The summary and the full reader read the same fields under the same
    //! names: every field the summary reads, in the Graph shape, the Log
    //! Analytics shape (PascalCase, `dynamic` columns as JSON text) and an
    //! Azure Monitor envelope, must give what the full record gives.
    use super::*;
    use crate::logs::SignIn;

    fn both(text: &str) -> (Seen<'_>, SignIn) {
        let Peeked::SignIn(seen) = peek(text) else { panic!("the summary reader refused {text}") };
        let full = crate::logs::read::read::<SignIn>(std::path::Path::new("t.json"), text).unwrap_or_else(|e| panic!("the full reader refused {text}: {e}"));
        let Some(first) = full.into_iter().next() else { panic!("the full reader found no record in {text}") };
        (seen, first)
    }

    fn agree(text: &str) {
        let (s, f) = both(text);
        assert_eq!(s.time, f.created.map(|t| t.timestamp()), "time in {text}");
        assert_eq!(s.corr.as_deref(), f.correlation_id.as_deref(), "correlation id in {text}");
        assert_eq!(s.user.as_deref(), f.user_id.as_deref(), "user id in {text}");
        assert_eq!(s.upn.as_deref(), f.user_principal_name.as_deref(), "upn in {text}");
        assert_eq!(s.code, f.error_code(), "error code in {text}");
        assert_eq!(s.ip.as_deref(), f.ip_address.as_deref(), "ip in {text}");
        assert_eq!(s.country.as_deref(), f.country(), "country in {text}");
        assert_eq!(s.client.as_deref(), f.client_app_used.as_deref(), "client in {text}");
        assert_eq!(s.app.as_deref(), f.app_display_name.as_deref(), "app in {text}");
        assert_eq!(s.interactive, f.is_interactive, "interactive in {text}");
        assert_eq!(s.mfa, f.mfa_says(), "MFA in {text}");
        assert_eq!(s.os.as_deref(), f.device_detail.as_ref().and_then(|d| d.operating_system.as_deref()).filter(|o| !o.is_empty()), "os in {text}");
        assert_eq!(s.single_factor, f.authentication_requirement.as_deref().is_some_and(|r| r.eq_ignore_ascii_case("singleFactorAuthentication")), "requirement in {text}");
    }

    #[test]
    fn graph_shape() -> Result<(), Box<dyn std::error::Error>> {
        agree(
            r#"{"id":"r1","createdDateTime":"2024-05-01T09:00:00Z","correlationId":"c1","userId":"u1","userPrincipalName":"ana@contoso.com",
            "ipAddress":"203.0.113.9","clientAppUsed":"Browser","appDisplayName":"Office 365","isInteractive":true,
            "authenticationRequirement":"multiFactorAuthentication","status":{"errorCode":0,"additionalDetails":"MFA completed in Azure AD"},
            "location":{"countryOrRegion":"GB"},"deviceDetail":{"operatingSystem":"Windows10"},
            "authenticationDetails":[{"authenticationStepRequirement":"Primary authentication","authenticationMethod":"Password","succeeded":true},
            {"authenticationStepRequirement":"Multifactor authentication","authenticationMethod":"Mobile app notification","succeeded":true}]}"#,
        );
        agree(r#"{"id":"r2","createdDateTime":"2024-05-01T09:00:00Z","status":{"errorCode":500121},"authenticationRequirement":"singleFactorAuthentication"}"#);
        Ok(())
    }

    #[test]
    fn log_analytics_shape() -> Result<(), Box<dyn std::error::Error>> {
        agree(
            r#"{"Id":"r1","CreatedDateTime":"2024-05-01T09:00:00Z","CorrelationId":"c1","UserId":"u1","UserPrincipalName":"ana@contoso.com",
            "IPAddress":"203.0.113.9","ClientAppUsed":"Mobile Apps and Desktop clients","AppDisplayName":"Outlook","IsInteractive":"true",
            "AuthenticationRequirement":"multiFactorAuthentication","ResultType":"500121","Location":"GB",
            "Status":"{\"errorCode\":500121,\"additionalDetails\":\"MFA denied; user did not respond to mobile app notification\"}",
            "LocationDetails":"{\"countryOrRegion\":\"GB\"}","DeviceDetail":"{\"operatingSystem\":\"Ios\"}",
            "AuthenticationDetails":"[{\"authenticationStepRequirement\":\"Multifactor authentication\",\"authenticationMethod\":\"Mobile app notification\",\"succeeded\":false}]"}"#,
        );
        agree(r#"{"Id":"r3","CreatedDateTime":"2024-05-01T09:00:00Z","ResultType":"50126","Location":"FR"}"#);
        Ok(())
    }

    #[test]
    fn azure_monitor_envelope_and_wrapper() -> Result<(), Box<dyn std::error::Error>> {
        let inner = r#"{"id":"r1","userPrincipalName":"ana@contoso.com","status":{"errorCode":50126}}"#;
        agree(&format!(r#"{{"time":"2024-05-01T09:00:00Z","category":"SignInLogs","operationName":"Sign-in activity","correlationId":"c9","resultType":"50126","properties":{inner}}}"#));
        agree(&format!(r#"{{"p_log_type":"Azure.SignIn","log":{{"time":"2024-05-01T09:00:00Z","category":"SignInLogs","operationName":"Sign-in activity","properties":{inner}}}}}"#));
        Ok(())
    }
}
