//! A fake Microsoft Entra sign-in service, Microsoft Graph and Log
//! Analytics on a loopback port, behaving as the real ones do where the
//! fetch depends on it: the v2.0 token endpoint (client secret, client
//! assertion checked against the certificate, device code with
//! `authorization_pending`), Graph pages with `@odata.nextLink` and
//! server-side `$filter` on user and ids, the query API's tables, and
//! the failures: 429 with `Retry-After`, 503, an expired token, 403s, a
//! malformed page, a cut-off query answer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::{json, Value};

/// A failure served instead of the next Graph or Log Analytics answer.
#[derive(Debug, Clone, PartialEq)]
#[allow(dead_code)]
pub enum Fault {
    /// The normal answer (to place a fault after some good ones).
    Pass,
    /// 429 with `Retry-After: N`.
    Throttle(u64),
    /// 503 with no `Retry-After`.
    Unavailable,
    /// 401 InvalidAuthenticationToken: the token the client holds expired.
    ExpiredToken,
    /// 403 with this Graph error code.
    Forbidden(&'static str),
    /// A 200 whose body is not a page.
    Malformed,
    /// Log Analytics: a 200 with the answer cut off (PartialError).
    Partial,
}

#[derive(Default)]
pub struct Fake {
    pub signins: Vec<Value>,
    pub audits: Vec<Value>,
    /// Log Analytics rows (dynamic columns as JSON text, as the API sends them).
    pub la_rows: Vec<Value>,
    pub page_size: usize,
    /// Failures served in turn, one per API request, before normal answers.
    pub faults: Vec<Fault>,
    /// Every API request: `METHOD path?query` (and a Log Analytics body).
    pub log: Vec<String>,
    /// Token requests, by grant type.
    pub token_requests: Vec<String>,
    /// Tokens handed out and still valid.
    pub valid: Vec<String>,
    /// Whether the device code's sign-in was already polled once.
    pub polled: bool,
    /// The device flow's error after the first poll (`authorization_declined`,
    /// `expired_token`) instead of a token.
    pub device_error: Option<&'static str>,
    pub public_key_pem: String,
    pub url: String,
    /// Next links point at another host (which the client must not follow).
    pub foreign_next: bool,
}

pub struct FakeEntra {
    pub url: String,
    pub state: Arc<Mutex<Fake>>,
}

impl FakeEntra {
    pub fn start(mut fake: Fake) -> FakeEntra {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        fake.url = url.clone();
        if fake.page_size == 0 {
            fake.page_size = 2;
        }
        fake.public_key_pem = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/fetch/public.pem")).unwrap();
        let state = Arc::new(Mutex::new(fake));
        let app = Router::new()
            .route("/{tenant}/oauth2/v2.0/token", post(token))
            .route("/{tenant}/oauth2/v2.0/devicecode", post(devicecode))
            .route("/{version}/auditLogs/{what}", get(graph))
            .route("/{version}/users/{upn}", get(user))
            .route("/v1/workspaces/{ws}/query", post(la_query))
            .with_state(state.clone());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                let l = tokio::net::TcpListener::from_std(listener).unwrap();
                axum::serve(l, app).await.unwrap();
            });
        });
        FakeEntra { url, state }
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut Fake) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }
}

fn aad_error(status: StatusCode, error: &str, code: u32, text: &str) -> Response {
    let body = json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {text}\r\nTrace ID: 0b5e3a51-0000-0000-0000-000000000000\r\nCorrelation ID: 1c7e2f52-0000-0000-0000-000000000000\r\nTimestamp: 2026-11-30 12:00:00Z"),
        "error_codes": [code],
    });
    (status, Json(body)).into_response()
}

fn issue(s: &mut Fake, grant: &str) -> Response {
    let t = format!("tok-{}", s.token_requests.len());
    s.token_requests.push(grant.to_string());
    s.valid.push(t.clone());
    Json(json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": t, "refresh_token": "refresh-1"})).into_response()
}

async fn token(State(st): State<Arc<Mutex<Fake>>>, Path(_tenant): Path<String>, Form(f): Form<HashMap<String, String>>) -> Response {
    let mut s = st.lock().unwrap();
    let grant = f.get("grant_type").cloned().unwrap_or_default();
    match grant.as_str() {
        "client_credentials" if f.contains_key("client_assertion") => {
            let jwt = f["client_assertion"].clone();
            let key = jsonwebtoken::DecodingKey::from_rsa_pem(s.public_key_pem.as_bytes()).unwrap();
            let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
            v.set_audience(&[format!("{}/{}/oauth2/v2.0/token", s.url, _tenant)]);
            let header = jsonwebtoken::decode_header(&jwt).ok();
            let signed = jsonwebtoken::decode::<Value>(&jwt, &key, &v).is_ok();
            if !signed || header.and_then(|h| h.x5t).is_none() {
                return aad_error(StatusCode::UNAUTHORIZED, "invalid_client", 700027, "Client assertion failed signature validation.");
            }
            issue(&mut s, "client_assertion")
        }
        "client_credentials" => match f.get("client_secret").map(String::as_str) {
            Some("s3cret") => issue(&mut s, "client_secret"),
            Some("expired") => aad_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000222,
                "The provided client secret keys for app '00000000-0000-0000-0000-00000000a11c' are expired. Visit the Azure portal to create new keys for your app.",
            ),
            _ => aad_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
            ),
        },
        "urn:ietf:params:oauth:grant-type:device_code" => {
            if !s.polled {
                s.polled = true;
                return (
                    StatusCode::BAD_REQUEST,
                    Json(json!({"error": "authorization_pending", "error_description": "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling."})),
                )
                    .into_response();
            }
            match s.device_error {
                Some("authorization_declined") => {
                    return (StatusCode::BAD_REQUEST, Json(json!({"error": "authorization_declined", "error_description": "AADSTS70000: The user denied the authorization request."}))).into_response()
                }
                Some(e) => {
                    return (
                        StatusCode::BAD_REQUEST,
                        Json(json!({"error": e, "error_description": "AADSTS70020: The provided value for the input parameter 'device_code' is not valid. This device code has expired."})),
                    )
                        .into_response()
                }
                None => {}
            }
            issue(&mut s, "device_code")
        }
        "refresh_token" => issue(&mut s, "refresh_token"),
        other => aad_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", 70003, &format!("The app requested an unsupported grant type '{other}'.")),
    }
}

async fn devicecode(Path(_tenant): Path<String>) -> Response {
    Json(json!({
        "device_code": "DAQABAAEAAAD",
        "user_code": "FKQ2-7XBA",
        "verification_uri": "https://microsoft.com/devicelogin",
        "expires_in": 900,
        "interval": 1,
        "message": "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code FKQ2-7XBA to authenticate."
    }))
    .into_response()
}

/// The next fault, or whether the bearer token is one handed out.
fn gate(s: &mut Fake, headers: &HeaderMap) -> Option<Response> {
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).unwrap_or("").to_string();
    if !s.valid.contains(&bearer) && bearer != "az-token" {
        return Some((StatusCode::UNAUTHORIZED, Json(json!({"error": {"code": "InvalidAuthenticationToken", "message": "Access token validation failure. Invalid audience."}}))).into_response());
    }
    if s.faults.is_empty() {
        return None;
    }
    let f = s.faults.remove(0);
    Some(match f {
        Fault::Pass => return None,
        Fault::Throttle(n) => (StatusCode::TOO_MANY_REQUESTS, [("Retry-After", n.to_string())], Json(json!({"error": {"code": "TooManyRequests", "message": "Too many requests."}}))).into_response(),
        Fault::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"error": {"code": "ServiceUnavailable", "message": "Service is temporarily unavailable."}}))).into_response(),
        Fault::ExpiredToken => {
            s.valid.retain(|t| *t != bearer);
            (StatusCode::UNAUTHORIZED, Json(json!({"error": {"code": "InvalidAuthenticationToken", "message": "Lifetime validation failed, the token is expired."}}))).into_response()
        }
        Fault::Forbidden(code) => {
            let message = if code == "Authentication_RequestFromNonPremiumTenantOrB2CTenant" { "Neither tenant is B2C or tenant doesn't have premium license" } else { "Insufficient privileges to complete the operation." };
            (StatusCode::FORBIDDEN, Json(json!({"error": {"code": code, "message": message, "innerError": {"date": "2026-11-30T12:00:00"}}}))).into_response()
        }
        Fault::Malformed => (StatusCode::OK, "<html><body>Gateway error</body></html>").into_response(),
        Fault::Partial => Json(json!({"tables": [], "error": {"code": "PartialError", "message": "There were some errors when processing your query.", "details": [{"code": "EngineError", "message": "Something went wrong processing your query on the server.", "innererror": {"code": "-2133196797", "message": "Query result set has exceeded the internal data size limit 8388608 (E_QUERY_RESULT_SET_TOO_LARGE)", "severity": 2}}]}})).into_response(),
    })
}

/// The value after `pattern` (`field eq '`) in a `$filter`, quotes undoubled.
fn eq_value(filter: &str, pattern: &str) -> Option<String> {
    let rest = &filter[filter.find(pattern)? + pattern.len()..];
    let mut out = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            if chars.peek() != Some(&'\'') {
                break;
            }
            chars.next();
        }
        out.push(c);
    }
    Some(out)
}

/// The time after `pattern` (`createdDateTime ge `) in a `$filter`.
fn time_after(filter: &str, pattern: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let rest = &filter[filter.find(pattern)? + pattern.len()..];
    rest.split_whitespace().next()?.parse().ok()
}

/// Whether a record's time is inside the `ge`/`le` bounds of a `$filter`.
fn in_window(filter: &str, r: &Value) -> bool {
    ["createdDateTime", "activityDateTime"].iter().all(|field| {
        let Some(t) = r[field].as_str().and_then(|t| t.parse::<chrono::DateTime<chrono::Utc>>().ok()) else { return true };
        time_after(filter, &format!("{field} ge ")).is_none_or(|lo| t >= lo) && time_after(filter, &format!("{field} le ")).is_none_or(|hi| t <= hi)
    })
}

/// Whether a record passes the `eq` and time parts of a `$filter` (Graph
/// compares strings without regard to case).
fn matches(filter: &str, r: &Value) -> bool {
    if !in_window(filter, r) {
        return false;
    }
    let target = |r: &Value| r["targetResources"].as_array().map(|a| a.iter().filter_map(|t| t["id"].as_str()).map(str::to_string).collect::<Vec<_>>()).unwrap_or_default();
    let checks: [(&str, Vec<String>); 5] = [
        ("userPrincipalName eq '", r["userPrincipalName"].as_str().into_iter().map(str::to_string).collect()),
        ("correlationId eq '", r["correlationId"].as_str().into_iter().map(str::to_string).collect()),
        ("initiatedBy/user/id eq '", r["initiatedBy"]["user"]["id"].as_str().into_iter().map(str::to_string).collect()),
        ("t/id eq '", target(r)),
        (" id eq '", r["id"].as_str().into_iter().map(str::to_string).collect()),
    ];
    checks.iter().all(|(pattern, have)| match eq_value(filter, pattern) {
        Some(want) => have.iter().any(|h| h.eq_ignore_ascii_case(&want)),
        None => true,
    })
}

async fn graph(State(st): State<Arc<Mutex<Fake>>>, Path((version, what)): Path<(String, String)>, Query(q): Query<HashMap<String, String>>, headers: HeaderMap) -> Response {
    let mut s = st.lock().unwrap();
    let filter = q.get("$filter").cloned().unwrap_or_default();
    let skip: usize = q.get("$skiptoken").and_then(|v| v.parse().ok()).unwrap_or(0);
    s.log.push(format!("GET /{version}/auditLogs/{what} filter={filter} skip={skip}"));
    if let Some(r) = gate(&mut s, &headers) {
        return r;
    }
    let all: Vec<Value> = match what.as_str() {
        "signIns" => s.signins.iter().filter(|r| matches(&filter, r)).cloned().collect(),
        "directoryAudits" => s.audits.iter().filter(|r| matches(&filter, r)).cloned().collect(),
        _ => return (StatusCode::NOT_FOUND, Json(json!({"error": {"code": "BadRequest", "message": "Resource not found for the segment."}}))).into_response(),
    };
    let page: Vec<Value> = all.iter().skip(skip).take(s.page_size).cloned().collect();
    let mut body = json!({"@odata.context": format!("{}/{version}/$metadata#auditLogs/{what}", s.url), "value": page});
    if skip + s.page_size < all.len() {
        let host = if s.foreign_next { s.url.replace("127.0.0.1", "localhost") } else { s.url.clone() };
        let mut next = reqwest::Url::parse(&format!("{host}/{version}/auditLogs/{what}")).unwrap();
        next.query_pairs_mut().append_pair("$filter", &filter).append_pair("$skiptoken", &(skip + s.page_size).to_string());
        body["@odata.nextLink"] = next.to_string().into();
    }
    // Graph's pages are compact JSON; pretty printing here checks that the
    // records are kept whole anyway.
    (StatusCode::OK, [("content-type", "application/json")], serde_json::to_string_pretty(&body).unwrap()).into_response()
}

/// `GET /users/{upn}?$select=id`: the object id of a user the fake knows.
async fn user(State(st): State<Arc<Mutex<Fake>>>, Path((version, upn)): Path<(String, String)>, headers: HeaderMap) -> Response {
    let mut s = st.lock().unwrap();
    s.log.push(format!("GET /{version}/users/{upn}"));
    if let Some(r) = gate(&mut s, &headers) {
        return r;
    }
    let known = s.signins.iter().find(|r| r["userPrincipalName"].as_str().is_some_and(|u| u.eq_ignore_ascii_case(&upn))).map(|r| r["userId"].clone());
    let known = known.or_else(|| {
        s.audits.iter().find_map(|r| r["targetResources"].as_array()?.iter().find(|t| t["userPrincipalName"].as_str().is_some_and(|u| u.eq_ignore_ascii_case(&upn))).map(|t| t["id"].clone()))
    });
    match known {
        Some(id) => Json(json!({"@odata.context": format!("{}/{version}/$metadata#users(id)/$entity", s.url), "id": id})).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": {"code": "Request_ResourceNotFound", "message": format!("Resource '{upn}' does not exist or one of its queried reference-property objects are not present.")}})),
        )
            .into_response(),
    }
}

async fn la_query(State(st): State<Arc<Mutex<Fake>>>, Path(ws): Path<String>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let mut s = st.lock().unwrap();
    let timespan = body["timespan"].as_str().unwrap_or("").to_string();
    s.log.push(format!("POST /v1/workspaces/{ws}/query timespan={timespan} query={}", body["query"].as_str().unwrap_or("")));
    if let Some(r) = gate(&mut s, &headers) {
        return r;
    }
    if ws != "4b2462a4-bbee-495a-a0e1-f23ae524cc9c" {
        return (StatusCode::NOT_FOUND, Json(json!({"error": {"code": "WorkspaceNotFoundError", "message": format!("The workspace could not be found"), "innererror": {"code": "ResourceNotFound"}}})))
            .into_response();
    }
    let (from, to) = timespan.split_once('/').map(|(a, b)| (a.to_string(), b.to_string())).unwrap_or_default();
    let rows: Vec<&Value> =
        s.la_rows.iter().filter(|r| timespan.is_empty() || (r["TimeGenerated"].as_str().unwrap_or("") >= from.as_str() && r["TimeGenerated"].as_str().unwrap_or("") < to.as_str())).collect();
    let mut names: Vec<String> = Vec::new();
    for r in &rows {
        for k in r.as_object().unwrap().keys() {
            if !names.contains(k) {
                names.push(k.clone());
            }
        }
    }
    let columns: Vec<Value> = names.iter().map(|n| json!({"name": n, "type": "string"})).collect();
    let data: Vec<Value> = rows.iter().map(|r| Value::Array(names.iter().map(|n| r.get(n).cloned().unwrap_or(Value::Null)).collect())).collect();
    Json(json!({"tables": [{"name": "PrimaryResult", "columns": columns, "rows": data}]})).into_response()
}
