//! The console's page, script and style, and the OpenAPI document: built
//! into the binary, nothing loaded from the network. The page allows only
//! its own script and style (Content-Security-Policy), and the script puts
//! log values on the page as text, never as markup.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

const PAGE: &str = include_str!("console/index.html");
const SCRIPT: &str = include_str!("console/console.js");
const STYLE: &str = include_str!("console/console.css");
const OPENAPI: &str = include_str!("console/openapi.json");
/// The README's example (fictional Contoso records), for the console's "Load the example".
const EXAMPLE_SIGNINS: &str = include_str!("../../../examples/stale-authenticator/signin.json");
const EXAMPLE_AUDIT: &str = include_str!("../../../examples/stale-authenticator/audit.json");

fn with_type(body: &'static str, mime: &'static str) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    r
}

pub async fn page() -> Response {
    let mut r = with_type(PAGE, "text/html; charset=utf-8");
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"),
    );
    r.headers_mut().insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    r
}

pub async fn script() -> Response {
    with_type(SCRIPT, "text/javascript; charset=utf-8")
}

pub async fn style() -> Response {
    with_type(STYLE, "text/css; charset=utf-8")
}

pub async fn openapi() -> Response {
    with_type(OPENAPI, "application/json")
}

pub async fn example_signins() -> Response {
    with_type(EXAMPLE_SIGNINS, "application/json")
}

pub async fn example_audit() -> Response {
    with_type(EXAMPLE_AUDIT, "application/json")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_openapi_document_is_json_and_names_every_endpoint() -> Result<(), serde_json::Error> {
        let v: serde_json::Value = serde_json::from_str(super::OPENAPI)?;
        let paths = v["paths"].as_object().map(|m| m.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
        for p in [
            "/v1/diagnose",
            "/v1/sessions",
            "/v1/sessions/{id}",
            "/v1/sessions/{id}/answers",
            "/v1/sessions/{id}/back",
            "/v1/sessions/{id}/notes",
            "/v1/sessions/{id}/ticket",
            "/v1/triage",
            "/v1/diagnoses",
            "/v1/rules",
            "/healthz",
        ] {
            assert!(paths.iter().any(|x| x == p), "{p} is not in the OpenAPI document");
        }
        Ok(())
    }
}
