//! The JSON API under `/v1`: the same objects as `diagnose --format json`
//! and `triage --format json`, errors as `{"error": {"kind", "message",
//! "hint"}}`. Request bodies are read as bytes and parsed here, so every
//! malformed body is a 400 in that shape, naming the line and column.

use super::State;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path as UrlPath, Query};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use signin_doctor::output::{self, TicketFormat};
use signin_doctor::{Error, ErrorKind, Evidence, Facts, OrgSettings, Rules, Selector, Session};
use std::collections::BTreeMap;
use std::sync::Arc;

/// An API error: its status and the `{"error": ...}` body.
pub struct ApiError {
    status: StatusCode,
    kind: &'static str,
    message: String,
    hint: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, kind, message: message.into(), hint: None }
    }
    pub fn with_hint(self, hint: impl Into<String>) -> ApiError {
        self.hint(hint)
    }
    fn hint(mut self, hint: impl Into<String>) -> ApiError {
        self.hint = Some(hint.into());
        self
    }
    fn no_session() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "no_session", "no such session: it ended, expired, or was never made here").hint("start a new one with POST /v1/sessions")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"kind": self.kind, "message": self.message, "hint": self.hint}});
        (self.status, axum::Json(body)).into_response()
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        let kind = match e.kind() {
            ErrorKind::Io => "io",
            ErrorKind::Empty => "empty",
            ErrorKind::Syntax => "syntax",
            ErrorKind::NotALog => "not_a_log",
            ErrorKind::BadRecord => "bad_record",
            ErrorKind::BadOrg => "bad_org",
            ErrorKind::BadAnswer => "bad_answer",
            ErrorKind::NotFound => "no_match",
            ErrorKind::InvalidRules => "invalid_rules",
            ErrorKind::Session => "session",
            ErrorKind::TooLarge => "too_large",
            _ => "error",
        };
        let status = match e.kind() {
            // Nothing in the log matched the selection: the request was understood.
            ErrorKind::NotFound => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::InvalidRules | ErrorKind::Io => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        // The message without the hint (it has its own field).
        let message = match e.hint_text() {
            Some(h) => e.to_string().replace(&format!(" (hint: {h})"), ""),
            None => e.to_string(),
        };
        ApiError { status, kind, message, hint: e.hint_text().map(String::from) }
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// A body as bytes (a body over the limit is a 413 here).
fn body_of(body: Result<Bytes, BytesRejection>) -> ApiResult<Bytes> {
    body.map_err(|r| {
        let status = r.status();
        let kind = if status == StatusCode::PAYLOAD_TOO_LARGE { "too_large" } else { "bad_body" };
        ApiError::new(status, kind, r.body_text()).hint("the server takes bodies up to --max-body-mib")
    })
}

/// A body parsed as JSON.
fn parse<T: serde::de::DeserializeOwned>(body: Bytes) -> ApiResult<T> {
    serde_json::from_slice(&body).map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_body", format!("the request body is not what this endpoint takes: {e}")).hint("see /v1/openapi.json"))
}

/// Which attempt, as `diagnose` selects it.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Select {
    user: Option<String>,
    id: Option<String>,
    correlation_id: Option<String>,
}

/// The body of `POST /v1/diagnose` and `POST /v1/sessions`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Start {
    /// Sign-ins in any JSON shape, or a string holding JSON or JSON Lines:
    /// kept as the client wrote it, never as a tree of values.
    signins: Option<Box<RawValue>>,
    audit: Option<Box<RawValue>>,
    /// RON text, or a JSON object with the same fields.
    org: Option<Value>,
    #[serde(default)]
    answers: BTreeMap<String, String>,
    #[serde(default)]
    select: Select,
    /// Without sign-ins: the error code the caller reads out (`AADSTS50126`, `50126`).
    error_code: Option<Value>,
    case: Option<String>,
    agent: Option<String>,
}

/// Log text as the readers take it: a JSON string's content, or the JSON itself.
fn log_text(raw: &RawValue) -> ApiResult<std::borrow::Cow<'_, str>> {
    let t = raw.get();
    if t.starts_with('"') {
        let s: String = serde_json::from_str(t).map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_body", format!("a log given as a string is not a JSON string: {e}")))?;
        Ok(std::borrow::Cow::Owned(s))
    } else {
        Ok(std::borrow::Cow::Borrowed(t))
    }
}

/// The longest case number, agent name or user name taken.
const MAX_FIELD: usize = 256;
/// The most notes a session keeps.
const MAX_NOTES: usize = 200;

fn short_field(name: &str, v: &Option<String>) -> ApiResult<()> {
    match v {
        Some(t) if t.chars().count() > MAX_FIELD => Err(ApiError::new(StatusCode::BAD_REQUEST, "bad_body", format!("`{name}` is longer than {MAX_FIELD} characters"))),
        _ => Ok(()),
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn error_code(v: &Value) -> ApiResult<i64> {
    let t = text_of(v);
    let digits = t.trim().trim_start_matches(|c: char| c.is_ascii_alphabetic());
    match digits.parse::<i64>() {
        Ok(c) if (1..1_000_000_000).contains(&c) => Ok(c),
        _ => Err(ApiError::new(StatusCode::BAD_REQUEST, "bad_answer", format!("`{t}` is not an error code")).hint("AADSTS followed by digits, e.g. AADSTS50126, or the digits alone")),
    }
}

/// A session from a start body: the log's attempt and facts, or what the caller reads out.
pub fn start_session(state: &State, b: &Start) -> ApiResult<Session> {
    short_field("case", &b.case)?;
    short_field("agent", &b.agent)?;
    short_field("select.user", &b.select.user)?;
    let rules = &state.rules;
    let org = match &b.org {
        Some(Value::String(ron)) => Some(OrgSettings::from_ron_str("org", ron)?),
        Some(v @ Value::Object(_)) => Some(OrgSettings::from_json_value("org", v.clone())?),
        Some(_) => return Err(ApiError::new(StatusCode::BAD_REQUEST, "bad_org", "`org` is RON text or a JSON object")),
        None => state.org.clone(),
    };
    let mut session = match &b.signins {
        Some(signins) => {
            let mut builder = Evidence::builder().signins_str("signins", &log_text(signins)?)?;
            if let Some(a) = &b.audit {
                builder = builder.audit_str("audit", &log_text(a)?)?;
            }
            let ev = builder.build();
            let sel = Selector::new(b.select.id.clone(), b.select.correlation_id.clone(), b.select.user.clone());
            let attempt = ev.select(&sel)?;
            Session::new(rules, Facts::derive(&attempt, &ev, org.as_ref()), &attempt)
        }
        None => {
            let mut s = match &b.error_code {
                Some(c) => Session::from_error_code(rules, error_code(c)?),
                None => Session::without_log(rules),
            };
            s.subject.user = b.select.user.clone();
            s.subject.correlation_id = b.select.correlation_id.clone();
            s.subject.record_ids = b.select.id.iter().cloned().collect();
            s
        }
    };
    for (q, c) in &b.answers {
        session.answer(rules, q, c)?;
    }
    session.call.case = b.case.clone();
    session.call.agent = b.agent.clone();
    session.call.started = Some(chrono::Utc::now().format("%Y-%m-%d %H:%M").to_string());
    Ok(session)
}

/// The outcome of a session as the JSON contract, with its notes.
fn outcome(rules: &Rules, session: &Session) -> ApiResult<Value> {
    let o = session.outcome(rules)?;
    let mut v = output::json(&o, &session.subject, &session.facts, rules);
    v["notes"] = json!(session.notes);
    v["call"] = json!(session.call);
    Ok(v)
}

/// Run the work of a request on a blocking thread, a few at a time (two
/// 50 MB bodies must not stall every other agent's clicks), and answer 408
/// when it takes longer than the server allows.
async fn blocking<T: Send + 'static>(state: &Arc<State>, f: impl FnOnce(&State) -> ApiResult<T> + Send + 'static) -> ApiResult<T> {
    let _permit = state.work.acquire().await.map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "stopping", "the server is stopping"))?;
    let st = state.clone();
    let task = tokio::task::spawn_blocking(move || f(&st));
    match tokio::time::timeout(state.timeout, task).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "error", format!("the request's worker failed: {e}"))),
        Err(_) => Err(ApiError::new(StatusCode::REQUEST_TIMEOUT, "timeout", "the request took longer than the server allows").hint("see --timeout-secs")),
    }
}

pub async fn diagnose(state: axum::extract::State<Arc<State>>, body: Result<Bytes, BytesRejection>) -> ApiResult<axum::Json<Value>> {
    let body = body_of(body)?;
    blocking(&state, move |st| {
        let b: Start = parse(body)?;
        let session = start_session(st, &b)?;
        outcome(&st.rules, &session)
    })
    .await
    .map(axum::Json)
}

/// A session's response: its id, how long it lives unused, and the outcome.
fn with_id(state: &State, id: &str, session: &Session) -> ApiResult<Value> {
    let mut v = outcome(&state.rules, session)?;
    v["session"] = json!(id);
    v["expires_after_idle_secs"] = json!(state.ttl_secs);
    Ok(v)
}

fn store(state: &State) -> std::sync::MutexGuard<'_, super::store::Store> {
    // A handler that panicked while holding the lock leaves a store that is still whole.
    state.store.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub async fn create(state: axum::extract::State<Arc<State>>, body: Result<Bytes, BytesRejection>) -> ApiResult<(StatusCode, axum::Json<Value>)> {
    let body = body_of(body)?;
    let v = blocking(&state, move |st| {
        let b: Start = parse(body)?;
        let session = start_session(st, &b)?;
        let packed = super::store::pack(&session)?;
        let id = store(st).insert(packed)?;
        with_id(st, &id, &session)
    })
    .await?;
    Ok((StatusCode::CREATED, axum::Json(v)))
}

/// A live session and its version (the store is locked only to take it out and put it back).
fn session_of(state: &State, id: &str) -> ApiResult<(Session, u64)> {
    let (packed, version) = store(state).get(id).ok_or_else(ApiError::no_session)?;
    Ok((super::store::unpack(&packed)?, version))
}

/// Run `f` on a live session and answer with its new outcome. A change
/// made meanwhile by another request (an answer and a note at once) is not
/// lost: this one is refused with 409 and the client asks again.
async fn on_session(state: &Arc<State>, id: String, f: impl FnOnce(&Rules, &mut Session) -> ApiResult<()> + Send + 'static) -> ApiResult<axum::Json<Value>> {
    blocking(state, move |st| {
        let (mut session, version) = session_of(st, &id)?;
        f(&st.rules, &mut session)?;
        let packed = super::store::pack(&session)?;
        match store(st).put(&id, version, packed) {
            super::store::Put::Done => with_id(st, &id, &session),
            super::store::Put::Gone => Err(ApiError::no_session()),
            super::store::Put::Changed => {
                Err(ApiError::new(StatusCode::CONFLICT, "changed", "another request changed this session at the same moment").hint("get the session again and repeat the step"))
            }
        }
    })
    .await
    .map(axum::Json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    question: String,
    choice: String,
}

pub async fn answer(state: axum::extract::State<Arc<State>>, UrlPath(id): UrlPath<String>, body: Result<Bytes, BytesRejection>) -> ApiResult<axum::Json<Value>> {
    let b: AnswerBody = parse(body_of(body)?)?;
    on_session(&state, id, move |rules, s| Ok(s.answer(rules, &b.question, &b.choice)?)).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackBody {
    question: String,
}

pub async fn back(state: axum::extract::State<Arc<State>>, UrlPath(id): UrlPath<String>, body: Result<Bytes, BytesRejection>) -> ApiResult<axum::Json<Value>> {
    let b: BackBody = parse(body_of(body)?)?;
    on_session(&state, id, move |rules, s| {
        if rules.question(&b.question).is_none() {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "bad_answer", format!("there is no question `{}`", b.question)).hint("`answered` in the outcome lists the questions to go back to"));
        }
        s.unanswer(&b.question);
        Ok(())
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    text: String,
}

/// The longest note taken (as the line protocol's longest line).
const MAX_NOTE: usize = 64 << 10;

pub async fn note(state: axum::extract::State<Arc<State>>, UrlPath(id): UrlPath<String>, body: Result<Bytes, BytesRejection>) -> ApiResult<axum::Json<Value>> {
    let b: NoteBody = parse(body_of(body)?)?;
    let text = b.text.trim().to_string();
    if text.is_empty() || text.len() > MAX_NOTE {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "bad_note", format!("a note is 1 to {} KiB of text", MAX_NOTE >> 10)));
    }
    on_session(&state, id, move |rules, s| {
        if s.notes.len() >= MAX_NOTES {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "bad_note", format!("a session keeps at most {MAX_NOTES} notes")).hint("put more in one note"));
        }
        let o = s.outcome(rules)?;
        let at = match (o.question(), o.diagnosis()) {
            (Some(q), _) => q.id.clone(),
            (None, Some(d)) => d.id.clone(),
            (None, None) => "the end".to_string(),
        };
        s.add_note(&at, &text);
        Ok(())
    })
    .await
}

pub async fn get(state: axum::extract::State<Arc<State>>, UrlPath(id): UrlPath<String>) -> ApiResult<axum::Json<Value>> {
    blocking(&state, move |st| {
        let (session, _) = session_of(st, &id)?;
        with_id(st, &id, &session)
    })
    .await
    .map(axum::Json)
}

pub async fn end(state: axum::extract::State<Arc<State>>, UrlPath(id): UrlPath<String>) -> ApiResult<StatusCode> {
    if store(&state).remove(&id) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::no_session())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketQuery {
    format: Option<String>,
    redact: Option<bool>,
}

pub async fn ticket(state: axum::extract::State<Arc<State>>, UrlPath(id): UrlPath<String>, q: Result<Query<TicketQuery>, axum::extract::rejection::QueryRejection>) -> ApiResult<Response> {
    let Query(q) = q.map_err(|r| ApiError::new(StatusCode::BAD_REQUEST, "bad_query", r.body_text()).hint("format=markdown|text&redact=true|false"))?;
    let (format, mime) = match q.format.as_deref().unwrap_or("markdown") {
        "markdown" => (TicketFormat::Markdown, "text/markdown; charset=utf-8"),
        "text" => (TicketFormat::Text, "text/plain; charset=utf-8"),
        other => return Err(ApiError::new(StatusCode::BAD_REQUEST, "bad_query", format!("no ticket format `{other}`")).hint("format=markdown or format=text")),
    };
    let redact = q.redact.unwrap_or(false);
    let note = blocking(&state, move |st| {
        let (session, _) = session_of(st, &id)?;
        let o = session.outcome(&st.rules)?;
        Ok(output::ticket(&session, &o, &st.rules, format, redact))
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, mime)], note).into_response())
}

pub async fn diagnoses(state: axum::extract::State<Arc<State>>) -> axum::Json<Value> {
    let list: Vec<Value> = state
        .rules
        .nodes()
        .filter_map(|n| match n {
            signin_doctor::model::Node::Diagnosis(d) => Some(json!({"id": d.id, "title": d.title, "severity": d.severity, "changes_credentials": d.changes_credentials})),
            _ => None,
        })
        .collect();
    axum::Json(json!({"diagnoses": list}))
}

pub async fn rules(state: axum::extract::State<Arc<State>>) -> axum::Json<Value> {
    let trees: Vec<Value> = state.rules.trees().iter().map(|t| json!({"id": t.id, "title": t.title, "entry": t.entry})).collect();
    let questions: Vec<Value> = state
        .rules
        .nodes()
        .filter_map(|n| match n {
            signin_doctor::model::Node::Question(q) => {
                let choices: Vec<Value> = q.choices.iter().map(|c| json!({"id": c.id, "label": c.label})).chain([json!({"id": signin_doctor::DONT_KNOW, "label": "Don't know"})]).collect();
                Some(json!({"id": q.id, "text": q.text, "help": q.help, "choices": choices}))
            }
            _ => None,
        })
        .collect();
    axum::Json(json!({"fingerprint": state.rules.fingerprint(), "trees": trees, "questions": questions}))
}

/// `POST /v1/triage`: a JSON Lines body in, the same objects as `triage
/// --format json` out, one per line. The body goes to a private temporary
/// file (the streaming reader reads files), removed when the request ends.
pub async fn triage(state: axum::extract::State<Arc<State>>, body: Result<Bytes, BytesRejection>) -> ApiResult<Response> {
    let body = body_of(body)?;
    let (rows, summary) = blocking(&state, move |state| -> ApiResult<(Vec<u8>, signin_doctor::triage::Summary)> {
        let mut tmp = tempfile::Builder::new().prefix(".signin-doctor-triage-").suffix(".jsonl").tempfile().map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "io", e.to_string()))?;
        std::io::Write::write_all(&mut tmp, &body).map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "io", e.to_string()))?;
        let mut opts = signin_doctor::triage::Options::default();
        opts.threads = 1;
        let mut out = Vec::new();
        let audit = Evidence::builder().build();
        let paths = [tmp.path().to_path_buf()];
        let shown = tmp.path().display().to_string();
        let summary = signin_doctor::triage::run(&state.rules, &paths, &audit, state.org.as_ref(), &opts, &signin_doctor::triage::NoProgress, &mut |r| {
            // The rows name the body, never a file on the server.
            let mut r = r.clone();
            r.record = r.record.replace(&shown, "body");
            let line = serde_json::to_string(&r).map_err(|e| Error::from_parts(ErrorKind::Io, e.to_string(), std::path::Path::new("")))?;
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
            Ok(())
        })
        .map_err(|e| {
            // Errors name the temporary file: the caller knows it as the body.
            let mut err = ApiError::from(e);
            err.message = err.message.replace(&shown, "body");
            err
        })?;
        Ok((out, summary))
    })
    .await?;
    // Records that could not be read are counted in a header (the rows stay those of `triage --format json`).
    let mut res = ([(header::CONTENT_TYPE, "application/x-ndjson")], rows).into_response();
    for (name, n) in [("x-records", summary.records), ("x-bad-records", summary.bad_records), ("x-failed-attempts", summary.failed_attempts)] {
        res.headers_mut().insert(name, axum::http::HeaderValue::from(n));
    }
    Ok(res)
}
