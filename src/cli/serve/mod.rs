//! `signin-doctor serve`: the helpdesk web console at `/` and the JSON API
//! under `/v1`, on axum. Loopback by default; any other address needs an
//! API token, checked on every API request. Sessions stay on the server
//! (the client holds an opaque id), bodies are capped, requests time out,
//! and the server's log names no person: method, path, status and time.

mod api;
mod assets;
mod store;

use super::common::load_rules;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use signin_doctor::{Error, ErrorKind, OrgSettings, Rules};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address and port to listen on (port 0 picks a free one). Any address
    /// other than loopback needs --token-file.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Rule directory (default: the rules built into this binary).
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// Organisation settings (RON) for requests that bring none.
    #[arg(long, value_name = "FILE")]
    org: Option<PathBuf>,
    /// A file holding the API token (16 characters or more); every /v1
    /// request must then send `Authorization: Bearer TOKEN`.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// The largest request body taken, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 50)]
    max_body_mib: u64,
    /// A session unused this long ends (its personal data with it).
    #[arg(long, value_name = "MINUTES", default_value_t = 60)]
    session_minutes: u64,
    /// The most sessions kept; past it the least recently used ends.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    max_sessions: usize,
    /// A request taking longer than this is answered 408.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    timeout_secs: u64,
    /// A host name the server may be reached by besides its address and
    /// localhost (a reverse proxy's name), repeatable. Without a token,
    /// requests naming another host are refused (DNS rebinding).
    #[arg(long, value_name = "HOST")]
    allowed_host: Vec<String>,
}

/// What every request shares.
pub struct State {
    pub rules: Rules,
    pub org: Option<OrgSettings>,
    pub store: Mutex<store::Store>,
    pub ttl_secs: u64,
    max_body: usize,
    token: Option<String>,
    /// Requests at work at once (diagnoses run on blocking threads).
    pub work: tokio::sync::Semaphore,
    /// How long a request's work may take.
    pub timeout: Duration,
    /// Host names requests may name besides the listening address.
    hosts: Vec<String>,
}

fn io_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::from_parts(ErrorKind::Io, format!("{what}: {e}"), Path::new(""))
}

fn read_token(path: &Path) -> Result<String, Error> {
    let t = signin_doctor::read_text_file(path)?.trim().to_string();
    if t.chars().count() < 16 || t.chars().any(char::is_whitespace) {
        return Err(Error::from_parts(ErrorKind::BadAnswer, "the API token must be 16 characters or more, without spaces", path).with_hint("e.g. openssl rand -hex 32 > token.txt"));
    }
    Ok(t)
}

/// Compare without stopping at the first difference.
fn same_token(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Every `/v1` request carries the token, when there is one.
async fn check_token(state: axum::extract::State<Arc<State>>, req: Request, next: Next) -> Response {
    if let Some(token) = &state.token {
        let value = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
        let given = value.get(..7).filter(|p| p.eq_ignore_ascii_case("bearer ")).map_or("", |_| value[7..].trim());
        if !same_token(given.as_bytes(), token.as_bytes()) {
            return api::ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "this server needs its API token: send `Authorization: Bearer TOKEN`").into_response();
        }
    }
    next.run(req).await
}

/// Requests from another web site are refused, so a page the agent has open
/// cannot drive the API behind their back: a cross-site fetch, a foreign
/// Origin, a POST that is not JSON (a form or a no-cors fetch, which need no
/// preflight), and, without a token, a Host that is not this server's (DNS
/// rebinding).
async fn same_site_only(state: axum::extract::State<Arc<State>>, req: Request, next: Next) -> Response {
    let h = req.headers();
    let get = |name: header::HeaderName| h.get(name).and_then(|v| v.to_str().ok()).map(str::to_ascii_lowercase);
    let forbidden = |why: &str| api::ApiError::new(StatusCode::FORBIDDEN, "cross_site", why.to_string()).into_response();
    if h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return forbidden("a request from another web site");
    }
    let host = get(header::HOST).unwrap_or_default();
    if let Some(origin) = get(header::ORIGIN) {
        if origin.split("://").nth(1) != Some(host.as_str()) {
            return forbidden("a request from another origin");
        }
    }
    if state.token.is_none() {
        let name = host.rsplit_once(':').map_or(host.as_str(), |(n, _)| n);
        let ok = matches!(name, "localhost" | "127.0.0.1" | "[::1]") || state.hosts.iter().any(|a| a.eq_ignore_ascii_case(name) || a.eq_ignore_ascii_case(&host));
        if !ok {
            return forbidden("a request for another host name").into_response();
        }
    }
    if req.method() == axum::http::Method::POST && req.uri().path().starts_with("/v1/") {
        let ct = get(header::CONTENT_TYPE).unwrap_or_default();
        let json = ct.starts_with("application/json") || (req.uri().path() == "/v1/triage" && ct.starts_with("application/x-ndjson"));
        if !json {
            return api::ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "bad_body", "the body must be sent as application/json (JSON Lines to /v1/triage as application/x-ndjson)").into_response();
        }
    }
    next.run(req).await
}

/// The path as logged: a session's id is a key to its data, so it is not written.
fn logged_path(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        ["", "v1", "sessions", _id, rest @ ..] => format!("/v1/sessions/{{id}}{}", rest.iter().map(|r| format!("/{r}")).collect::<String>()),
        _ if path.len() <= 64 && path.chars().all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c)) => path.to_string(),
        _ => "(another path)".to_string(),
    }
}

/// A body whose Content-Length is over the limit is refused at once, before
/// it is sent (a client should not upload 2 GB to learn that).
async fn check_length(state: axum::extract::State<Arc<State>>, req: Request, next: Next) -> Response {
    let length = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if length.is_some_and(|n| n > state.max_body as u64) {
        return api::ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", format!("the body is over {} MiB", state.max_body >> 20))
            .with_hint("the server takes bodies up to --max-body-mib")
            .into_response();
    }
    next.run(req).await
}

/// One line per request on standard error: no body, no query, no person.
async fn log_request(req: Request, next: Next) -> Response {
    let (method, path) = (req.method().clone(), logged_path(req.uri().path()));
    let start = std::time::Instant::now();
    let mut res = next.run(req).await;
    if res.status() == StatusCode::REQUEST_TIMEOUT {
        res = api::ApiError::new(StatusCode::REQUEST_TIMEOUT, "timeout", "the request took longer than the server allows").with_hint("see --timeout-secs").into_response();
    }
    super::ui::note(format!("{method} {path} {} {:.1} ms", res.status().as_u16(), start.elapsed().as_secs_f64() * 1000.0));
    let h = res.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn router(state: Arc<State>, max_body: usize) -> axum::Router {
    let v1 = axum::Router::new()
        .route("/diagnose", post(api::diagnose))
        .route("/sessions", post(api::create))
        .route("/sessions/{id}", get(api::get).delete(api::end))
        .route("/sessions/{id}/answers", post(api::answer))
        .route("/sessions/{id}/back", post(api::back))
        .route("/sessions/{id}/notes", post(api::note))
        .route("/sessions/{id}/ticket", get(api::ticket))
        .route("/triage", post(api::triage))
        .route("/diagnoses", get(api::diagnoses))
        .route("/rules", get(api::rules))
        .route("/openapi.json", get(assets::openapi))
        .fallback(|| async { api::ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such API endpoint").with_hint("see /v1/openapi.json").into_response() })
        .method_not_allowed_fallback(|| async {
            api::ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "bad_method", "this endpoint does not take that method").with_hint("see /v1/openapi.json").into_response()
        })
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), check_token));
    axum::Router::new()
        .route("/", get(assets::page))
        .route("/console.js", get(assets::script))
        .route("/console.css", get(assets::style))
        .route("/example/signin.json", get(assets::example_signins))
        .route("/example/audit.json", get(assets::example_audit))
        .route(
            "/healthz",
            get(|st: axum::extract::State<Arc<State>>| async move { axum::Json(serde_json::json!({"status": "ok", "rules": st.rules.fingerprint(), "token_required": st.token.is_some()})) }),
        )
        .nest("/v1", v1)
        .fallback(|| async { api::ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such page").with_hint("the console is at /, the API under /v1").into_response() })
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn_with_state(state.clone(), check_length))
        .layer(axum::middleware::from_fn_with_state(state.clone(), same_site_only))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, state.timeout))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(state)
}

/// Ctrl-C or SIGTERM: stop taking requests, finish those under way.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    eprintln!("stopping: finishing the requests under way");
}

pub fn run(a: Args) -> Result<i32, Error> {
    let rules = load_rules(a.rules.as_ref())?;
    let org = a.org.as_deref().map(OrgSettings::from_file).transpose()?;
    let token = a.token_file.as_deref().map(read_token).transpose()?;
    let addr: SocketAddr = a
        .listen
        .parse()
        .map_err(|e| Error::from_parts(ErrorKind::BadAnswer, format!("--listen {}: not an address and port ({e})", a.listen), Path::new("")).with_hint("e.g. 127.0.0.1:8080, or [::1]:8080"))?;
    if !addr.ip().is_loopback() && token.is_none() {
        return Err(Error::from_parts(ErrorKind::BadAnswer, format!("--listen {addr} is reachable from other machines, and sign-in logs are personal data"), Path::new(""))
            .with_hint("give --token-file FILE (clients then send Authorization: Bearer TOKEN), or listen on 127.0.0.1 behind a reverse proxy"));
    }
    let ttl = Duration::from_secs(a.session_minutes.max(1).saturating_mul(60));
    let max_body = usize::try_from(a.max_body_mib.saturating_mul(1 << 20)).unwrap_or(usize::MAX);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()) * 2;
    let mut hosts = a.allowed_host.clone();
    hosts.push(addr.ip().to_string());
    let state = Arc::new(State {
        rules,
        org,
        store: Mutex::new(store::Store::new(ttl, a.max_sessions)),
        ttl_secs: ttl.as_secs(),
        max_body,
        token,
        work: tokio::sync::Semaphore::new(workers),
        timeout: Duration::from_secs(a.timeout_secs.max(1)),
        hosts,
    });
    let app = router(state.clone(), max_body);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| io_error("cannot start the server's runtime", e))?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| io_error(&format!("cannot listen on {addr}"), e))?;
        let local = listener.local_addr().map_err(|e| io_error("the listening socket", e))?;
        super::outln!("signin-doctor serves the console at http://{local}/ and the API at http://{local}/v1/ (Ctrl-C stops)");
        // Expired sessions go even when nobody asks for them: a finished call's data does not stay.
        let sweeper = state.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(30));
            loop {
                every.tick().await;
                sweeper.store.lock().unwrap_or_else(std::sync::PoisonError::into_inner).sweep();
            }
        });
        axum::serve(listener, app).with_graceful_shutdown(shutdown()).await.map_err(|e| io_error("the server stopped", e))
    })?;
    Ok(super::exit::OK)
}
