//! CSV exports: the Entra admin center's downloads (sign-ins with display
//! names as headers, the separate authentication-details file, audit logs)
//! and Log Analytics / Sentinel exports (PascalCase columns, `dynamic`
//! columns as JSON text, older `X_dynamic` / `X_string` pairs and `[UTC]`
//! suffixes). Each row becomes the Graph-shaped JSON object the record
//! decoders already read; headers are matched by name, not position, since
//! they drift between versions.

use crate::error::{Error, ErrorKind, Result};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::path::Path;

/// Which CSV export a header row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvKind {
    /// Entra admin center → Sign-in logs → Download → CSV.
    PortalSignIns,
    /// The `*_AuthDetails` CSV that comes with it, joined on "Request ID".
    PortalAuthDetails,
    /// Entra admin center → Audit logs → Download → CSV.
    PortalAudit,
    /// Log Analytics `SigninLogs` / `AADNonInteractiveUserSignInLogs` export.
    LogAnalyticsSignIns,
    /// Log Analytics `AuditLogs` export.
    LogAnalyticsAudit,
}

impl CsvKind {
    /// Whether rows of this kind are sign-ins.
    pub fn is_signins(self) -> bool {
        matches!(self, CsvKind::PortalSignIns | CsvKind::LogAnalyticsSignIns)
    }
}

fn norm(h: &str) -> String {
    h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase()
}

/// Log Analytics header → its column name (without ` [UTC]`, `_dynamic`, `_string`).
fn la_name(h: &str) -> (String, bool) {
    let h = h.trim().trim_start_matches('\u{feff}');
    let h = h.strip_suffix(" [UTC]").unwrap_or(h);
    if let Some(b) = h.strip_suffix("_dynamic") {
        (b.to_string(), true)
    } else if let Some(b) = h.strip_suffix("_string") {
        (b.to_string(), false)
    } else {
        (h.to_string(), true)
    }
}

/// Recognise a header row.
pub fn detect(headers: &csv::StringRecord) -> Option<CsvKind> {
    let hs: Vec<String> = headers.iter().map(norm).collect();
    let has = |n: &str| hs.iter().any(|h| h == n);
    let la: Vec<String> = headers.iter().map(|h| la_name(h).0.to_ascii_lowercase()).collect();
    let la_has = |n: &str| la.iter().any(|h| h == n);
    if has("request id") && has("authentication method") && !has("username") {
        Some(CsvKind::PortalAuthDetails)
    } else if has("request id") && has("date (utc)") && (has("username") || has("user")) {
        Some(CsvKind::PortalSignIns)
    } else if has("activity") && has("date (utc)") {
        Some(CsvKind::PortalAudit)
    } else if la_has("activitydisplayname") || (la_has("operationname") && la_has("initiatedby")) {
        Some(CsvKind::LogAnalyticsAudit)
    } else if la_has("resulttype") || (la_has("userprincipalname") && la_has("createddatetime")) {
        Some(CsvKind::LogAnalyticsSignIns)
    } else {
        None
    }
}

pub(crate) const EXPECTED: &str = "the Entra admin center's sign-in CSV (\"Date (UTC)\", \"Request ID\", \"Username\", ...), its authentication-details CSV (\"Request ID\", \"Authentication method\", ...), its audit CSV (\"Date (UTC)\", \"Activity\", ...), or a Log Analytics export (SigninLogs: \"CreatedDateTime\", \"ResultType\", ...; AuditLogs: \"ActivityDisplayName\", \"InitiatedBy\", ...)";

/// Turns rows of one CSV kind into Graph-shaped JSON objects.
pub struct RowMapper {
    kind: CsvKind,
    /// Normalised header name → column index.
    index: HashMap<String, usize>,
    /// Log Analytics: (column name, index), `_dynamic` preferred over `_string`.
    la: Vec<(String, usize)>,
}

impl RowMapper {
    /// A mapper for these headers.
    pub fn new(kind: CsvKind, headers: &csv::StringRecord) -> RowMapper {
        let index = headers.iter().enumerate().map(|(i, h)| (norm(h), i)).collect();
        let mut la: Vec<(String, usize, bool)> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let (n, dynamic) = la_name(h);
                (n, i, dynamic)
            })
            .collect();
        // When both X_dynamic and X_string exist, keep the dynamic one.
        la.sort_by(|a, b| a.0.cmp(&b.0).then(b.2.cmp(&a.2)));
        la.dedup_by(|a, b| a.0 == b.0);
        RowMapper { kind, index, la: la.into_iter().map(|(n, i, _)| (n, i)).collect() }
    }

    /// The kind of export.
    pub fn kind(&self) -> CsvKind {
        self.kind
    }

    fn get<'r>(&self, row: &'r csv::StringRecord, name: &str) -> Option<&'r str> {
        self.index.get(name).and_then(|&i| row.get(i)).map(str::trim).filter(|s| !s.is_empty())
    }

    /// The row as a JSON object in Graph's shape.
    pub fn map(&self, row: &csv::StringRecord) -> Value {
        match self.kind {
            CsvKind::LogAnalyticsSignIns | CsvKind::LogAnalyticsAudit => {
                let mut m = Map::new();
                for (name, i) in &self.la {
                    if let Some(v) = row.get(*i).map(str::trim).filter(|s| !s.is_empty()) {
                        m.insert(name.clone(), Value::String(v.to_string()));
                    }
                }
                Value::Object(m)
            }
            CsvKind::PortalSignIns => self.portal_signin(row),
            CsvKind::PortalAudit => self.portal_audit(row),
            CsvKind::PortalAuthDetails => self.auth_detail(row),
        }
    }

    fn portal_signin(&self, r: &csv::StringRecord) -> Value {
        let g = |n: &str| self.get(r, n);
        let mut v = json!({});
        let mut put = |k: &str, x: Option<&str>| {
            if let Some(x) = x {
                v[k] = Value::String(x.to_string());
            }
        };
        put("createdDateTime", g("date (utc)"));
        put("id", g("request id"));
        put("correlationId", g("correlation id"));
        put("userId", g("user id"));
        put("userDisplayName", g("user"));
        put("userPrincipalName", g("username"));
        put("appDisplayName", g("application"));
        put("appId", g("application id"));
        put("ipAddress", g("ip address"));
        put("clientAppUsed", g("client app"));
        put("userAgent", g("user agent"));
        put("authenticationProtocol", g("authentication protocol"));
        if let Some(req) = g("authentication requirement") {
            // The portal writes "Multifactor authentication" / "Single-factor authentication".
            let r = req.to_ascii_lowercase().replace(['-', ' '], "");
            v["authenticationRequirement"] = json!(match r.as_str() {
                "multifactorauthentication" => "multiFactorAuthentication",
                "singlefactorauthentication" => "singleFactorAuthentication",
                _ => req,
            });
        }

        if let Some(ca) = g("conditional access") {
            v["conditionalAccessStatus"] = json!(match ca.to_ascii_lowercase().as_str() {
                "not applied" => "notApplied".to_string(),
                other => other.to_string(),
            });
        }
        let mut status = Map::new();
        if let Some(c) = g("sign-in error code") {
            status.insert("errorCode".into(), json!(c));
        }
        if let Some(f) = g("failure reason") {
            status.insert("failureReason".into(), json!(f));
        }
        if let Some(m) = g("multifactor authentication result") {
            status.insert("additionalDetails".into(), json!(m));
        }
        v["status"] = Value::Object(status);
        if let Some(loc) = g("location") {
            // "City, State, CC"
            let parts: Vec<&str> = loc.split(',').map(str::trim).collect();
            let mut l = Map::new();
            if let Some(cc) = parts.last().filter(|p| p.len() == 2) {
                l.insert("countryOrRegion".into(), json!(cc));
            }
            if parts.len() >= 2 {
                l.insert("city".into(), json!(parts[0]));
            }
            v["location"] = Value::Object(l);
        }
        let mut dev = Map::new();
        for (col, key) in [("browser", "browser"), ("operating system", "operatingSystem"), ("compliant", "isCompliant"), ("managed", "isManaged"), ("join type", "trustType")] {
            if let Some(x) = g(col) {
                dev.insert(key.into(), json!(x));
            }
        }
        v["deviceDetail"] = Value::Object(dev);
        if g("multifactor authentication auth method").is_some() || g("multifactor authentication auth detail").is_some() {
            v["mfaDetail"] = json!({"authMethod": g("multifactor authentication auth method"), "authDetail": g("multifactor authentication auth detail")});
        }
        v
    }

    fn auth_detail(&self, r: &csv::StringRecord) -> Value {
        let g = |n: &str| self.get(r, n);
        json!({
            "requestId": g("request id"),
            "authenticationStepDateTime": g("date").or_else(|| g("date (utc)")).or_else(|| g("authentication date")),
            "authenticationMethod": g("authentication method"),
            "authenticationMethodDetail": g("authentication method detail"),
            "authenticationStepRequirement": g("requirement"),
            "succeeded": g("succeeded"),
            "authenticationStepResultDetail": g("result detail"),
        })
    }

    fn portal_audit(&self, r: &csv::StringRecord) -> Value {
        let g = |n: &str| self.get(r, n);
        let mut targets = Vec::new();
        for i in 1..=3 {
            let t = |f: &str| g(&format!("target{i}{f}"));
            if t("objectid").is_none() && t("userprincipalname").is_none() && t("displayname").is_none() {
                continue;
            }
            let mut props = Vec::new();
            for p in 1..=5 {
                if let Some(name) = t(&format!("modifiedproperty{p}name")) {
                    props.push(json!({"displayName": name, "oldValue": t(&format!("modifiedproperty{p}oldvalue")), "newValue": t(&format!("modifiedproperty{p}newvalue"))}));
                }
            }
            targets.push(json!({"id": t("objectid"), "displayName": t("displayname"), "type": t("type"), "userPrincipalName": t("userprincipalname"), "modifiedProperties": props}));
        }
        json!({
            "activityDateTime": g("date (utc)"),
            "correlationId": g("correlationid"),
            "loggedByService": g("service"),
            "category": g("category"),
            "activityDisplayName": g("activity"),
            "result": g("result"),
            "resultReason": g("resultreason"),
            "initiatedBy": {"user": {"id": g("actorobjectid"), "displayName": g("actordisplayname"), "userPrincipalName": g("actoruserprincipalname"), "ipAddress": g("ipaddress")}},
            "targetResources": targets,
        })
    }
}

/// Open a CSV reader and recognise the export by its header row alone.
pub(crate) fn open<R: std::io::Read>(path: &Path, reader: R) -> Result<(csv::Reader<R>, RowMapper)> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let headers = rdr.headers().map_err(|e| row_error(path, e, 0))?.clone();
    let kind = detect(&headers).ok_or_else(|| {
        Error::new(ErrorKind::NotALog, "this file is in no format this tool reads")
            .at_path(path)
            .at(1, 1)
            .hint(format!("expected JSON (an object, an array, a Graph page {{\"value\": [...]}}, JSON Lines, Azure Monitor {{\"records\": [...]}}) or {EXPECTED}"))
    })?;
    Ok((rdr, RowMapper::new(kind, &headers)))
}

/// A CSV error as the crate's: a read failure (or a file over its cap) as
/// such, malformed CSV at its line otherwise.
pub(crate) fn row_error(path: &Path, e: csv::Error, record: usize) -> Error {
    if let csv::ErrorKind::Io(io) = e.kind() {
        return Error::io(path, io);
    }
    let line = e.position().map_or(record + 1, |p| p.line() as usize);
    let err = Error::new(ErrorKind::Syntax, format!("malformed CSV: {e}")).at_path(path).at(line, 1);
    // Record 0 is the header row.
    if record == 0 { err } else { err.record(record) }.caused_by(e)
}

/// Authentication steps from the admin center's authentication-details CSV, by Request ID.
pub(crate) type Steps = HashMap<String, Vec<Value>>;

/// Read the rows of an authentication-details CSV into `steps`, streamed.
pub(crate) fn read_steps<R: std::io::Read>(path: &Path, mut rdr: csv::Reader<R>, mapper: &RowMapper, steps: &mut Steps) -> Result<()> {
    let mut rec = csv::StringRecord::new();
    let mut n = 0;
    loop {
        n += 1;
        match rdr.read_record(&mut rec) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                let v = mapper.map(&rec);
                if let Some(id) = v.get("requestId").and_then(Value::as_str).map(String::from) {
                    steps.entry(id).or_default().push(v);
                }
            }
            Err(e) => return Err(row_error(path, e, n)),
        }
    }
}

/// A sign-in row in its Graph shape, with its authentication steps joined on Request ID.
pub(crate) fn signin_row(mapper: &RowMapper, rec: &csv::StringRecord, steps: &Steps) -> Value {
    let mut v = mapper.map(rec);
    if let Some(st) = v.get("id").and_then(Value::as_str).and_then(|id| steps.get(id)) {
        v["authenticationDetails"] = Value::Array(st.clone());
    }
    v
}

/// A sign-in CSV export streamed as batches of records in their JSON form,
/// each with its row's place in the file, for batch triage's first pass:
/// no whole-file read and no temporary copy.
pub(crate) struct CsvBatches<'s, R: std::io::Read> {
    rdr: csv::Reader<R>,
    mapper: &'s RowMapper,
    steps: &'s Steps,
    rec: csv::StringRecord,
    json: Vec<u8>,
    number: usize,
}

impl<'s, R: std::io::Read> CsvBatches<'s, R> {
    pub(crate) fn new(rdr: csv::Reader<R>, mapper: &'s RowMapper, steps: &'s Steps) -> Self {
        CsvBatches { rdr, mapper, steps, rec: csv::StringRecord::new(), json: Vec::new(), number: 0 }
    }
}

impl<R: std::io::Read> super::split::Batches for CsvBatches<'_, R> {
    fn next_batch_into(&mut self, mut batch: super::split::Batch, max: usize) -> std::result::Result<Option<super::split::Batch>, super::split::SplitError> {
        batch.clear();
        while batch.spans.len() < max {
            let start = self.rdr.position().clone();
            match self.rdr.read_record(&mut self.rec) {
                Ok(false) => break,
                Ok(true) => {
                    self.number += 1;
                    let end = self.rdr.position().byte();
                    self.json.clear();
                    // Serializing a `Value` to memory cannot fail.
                    let _ = serde_json::to_writer(&mut self.json, &signin_row(self.mapper, &self.rec, self.steps));
                    batch.push_record(&self.json, self.number, start.line() as usize, start.byte(), (end - start.byte()) as u32);
                }
                Err(e) => {
                    let line = e.position().map_or(start.line() as usize, |p| p.line() as usize);
                    let message = format!("malformed CSV: {e}");
                    let io = match e.into_kind() {
                        csv::ErrorKind::Io(io) => Some(io),
                        _ => None,
                    };
                    return Err(super::split::SplitError { line, offset: start.byte(), message, io });
                }
            }
        }
        Ok(if batch.spans.is_empty() { None } else { Some(batch) })
    }
}

/// One sign-in row read again from its bytes in the file (batch triage's
/// second pass), in its Graph shape.
pub(crate) fn signin_row_at(bytes: &[u8], mapper: &RowMapper, steps: &Steps) -> std::result::Result<Value, String> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut rec = csv::StringRecord::new();
    match rdr.read_record(&mut rec) {
        Ok(true) => Ok(signin_row(mapper, &rec, steps)),
        Ok(false) => Err("the row is gone from the file".into()),
        Err(e) => Err(format!("malformed CSV: {e}")),
    }
}
