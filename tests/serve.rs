//! `signin-doctor serve`: the API against the real server on a free
//! loopback port, started by each test.

use serde_json::{json, Value};
#[path = "support/server.rs"]
mod server;

use server::Server;
use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// (status, body as JSON or as a string)
fn call(method: &str, url: &str, body: Option<Value>, token: Option<&str>) -> (u16, Value) {
    let mut req = ureq::request(method, url);
    if let Some(t) = token {
        req = req.set("Authorization", &format!("Bearer {t}"));
    }
    let res = match body {
        Some(b) => req.send_json(b),
        None => req.call(),
    };
    let r = match res {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {url}: {e}"),
    };
    let status = r.status();
    let text = r.into_string().unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn example(name: &str) -> String {
    std::fs::read_to_string(root().join("examples/stale-authenticator").join(name)).unwrap()
}

#[test]
fn a_whole_call_through_the_api_with_back_and_notes() {
    let s = Server::start(&[]);
    let (st, h) = call("GET", &format!("{}/healthz", s.url), None, None);
    assert_eq!((st, h["status"].as_str()), (200, Some("ok")));
    // One walk: the question the data cannot answer.
    let start = json!({"signins": example("signin.json"), "audit": example("audit.json"), "case": "INC0012345", "agent": "Jane Doe"});
    let (st, o) = call("POST", &format!("{}/v1/diagnose", s.url), Some(start.clone()), None);
    assert_eq!(st, 200, "{o}");
    assert_eq!(o["schema_version"], 1);
    assert_eq!(o["needs_answer"]["question"]["id"], "prompt-seen");
    assert_eq!(o["needs_answer"]["question"]["progress"], json!({"number": 1, "at_most": 3}));
    assert!(o["header"].as_str().unwrap().starts_with("alex.wilber@contoso.com · 2026-11-20T09:14:05Z"));
    assert!(o["summary"].as_array().unwrap().iter().any(|l| l == "What kind of failure does the error code show? The MFA step failed."));
    // The same with answers given ahead: the diagnosis.
    let mut ahead = start.clone();
    ahead["answers"] = json!({"prompt-seen": "no", "new-phone": "yes", "other-method": "yes"});
    let (_, o) = call("POST", &format!("{}/v1/diagnose", s.url), Some(ahead), None);
    assert_eq!(o["diagnosis"]["id"], "stale-authenticator-registration");
    assert_eq!(o["confidence"], "answers");

    // A session: answer, go back, change, note, ticket, end.
    let (st, o) = call("POST", &format!("{}/v1/sessions", s.url), Some(start), None);
    assert_eq!(st, 201, "{o}");
    let id = o["session"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 32);
    let at = |p: &str| format!("{}/v1/sessions/{id}/{p}", s.url);
    for (q, c) in [("prompt-seen", "no"), ("new-phone", "yes"), ("other-method", "yes")] {
        let (st, o) = call("POST", &at("answers"), Some(json!({"question": q, "choice": c})), None);
        assert_eq!(st, 200, "{o}");
    }
    let (_, o) = call("GET", &format!("{}/v1/sessions/{id}", s.url), None, None);
    assert_eq!(o["diagnosis"]["id"], "stale-authenticator-registration");
    assert_eq!(o["answered"].as_array().unwrap().len(), 3);
    let (_, o) = call("POST", &at("back"), Some(json!({"question": "prompt-seen"})), None);
    assert_eq!(o["needs_answer"]["question"]["id"], "prompt-seen", "{o}");
    let (_, o) = call("POST", &at("answers"), Some(json!({"question": "prompt-seen", "choice": "yes-late"})), None);
    assert_eq!(o["diagnosis"]["id"], "mfa-prompt-missed");
    let (st, o) = call("POST", &at("notes"), Some(json!({"text": "Caller on a new iPhone, DESKTOP-4F2K9QX"})), None);
    assert_eq!(st, 200);
    assert_eq!(o["notes"][0]["text"], "Caller on a new iPhone, DESKTOP-4F2K9QX");
    let (st, t) = call("GET", &format!("{}?format=markdown", at("ticket")), None, None);
    let t = t.as_str().unwrap().to_string();
    assert_eq!(st, 200);
    assert!(t.starts_with("# Sign-in troubleshooting: MFA request not approved in time") && t.contains("- Case INC0012345 · agent Jane Doe") && t.contains("DESKTOP-4F2K9QX"), "{t}");
    let (_, t) = call("GET", &format!("{}?format=text&redact=true", at("ticket")), None, None);
    let t = t.as_str().unwrap();
    assert!(!t.contains("alex.wilber@contoso.com") && !t.contains("203.0.113.24") && !t.contains("DESKTOP-4F2K9QX") && !t.contains("## "), "{t}");
    let (st, _) = call("DELETE", &format!("{}/v1/sessions/{id}", s.url), None, None);
    assert_eq!(st, 204);
    let (st, o) = call("GET", &format!("{}/v1/sessions/{id}", s.url), None, None);
    assert_eq!((st, o["error"]["kind"].as_str()), (404, Some("no_session")));
}

#[test]
fn without_a_log_the_walk_starts_from_the_code_read_out() {
    let s = Server::start(&[]);
    let (st, o) = call("POST", &format!("{}/v1/diagnose", s.url), Some(json!({"error_code": "AADSTS50053", "select": {"user": "alex@contoso.com"}})), None);
    assert_eq!(st, 200, "{o}");
    assert_eq!(o["needs_answer"]["question"]["id"], "lockout-user-tried");
    assert_eq!(o["header"], Value::Null);
    let (_, o) = call("POST", &format!("{}/v1/diagnose", s.url), Some(json!({"error_code": "soon"})), None);
    assert_eq!(o["error"]["kind"], "bad_answer");
}

#[test]
fn bad_input_gets_a_json_error_naming_what_and_where() {
    let s = Server::start(&["--max-body-mib", "1"]);
    let post = |path: &str, body: &str| {
        let r = ureq::post(&format!("{}{path}", s.url)).set("Content-Type", "application/json").send_string(body);
        let r = match r {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{e}"),
        };
        let status = r.status();
        (status, serde_json::from_str::<Value>(&r.into_string().unwrap()).unwrap())
    };
    let (st, o) = post("/v1/diagnose", "{\"signins\": ");
    assert_eq!((st, o["error"]["kind"].as_str()), (400, Some("bad_body")), "{o}");
    assert!(o["error"]["message"].as_str().unwrap().contains("line 1 column"), "{o}");
    let (st, o) = post("/v1/diagnose", "{\"signin\": []}");
    assert_eq!(st, 400);
    assert!(o["error"]["message"].as_str().unwrap().contains("unknown field `signin`"), "{o}");
    // A bad record is named by its place, as the command line names it.
    let (st, o) = post("/v1/diagnose", &json!({"signins": "{\"id\":\"a\",\"createdDateTime\":\"yesterday\",\"status\":{\"errorCode\":50126}}"}).to_string());
    assert_eq!((st, o["error"]["kind"].as_str()), (400, Some("bad_record")), "{o}");
    assert!(o["error"]["message"].as_str().unwrap().starts_with("signins:1:"), "{o}");
    let (st, o) = post("/v1/diagnose", &json!({"signins": example("signin.json"), "answers": {"prompt-seen": "maybe"}}).to_string());
    assert_eq!((st, o["error"]["kind"].as_str()), (400, Some("bad_answer")), "{o}");
    assert!(o["error"]["hint"].as_str().unwrap().contains("yes-late"), "{o}");
    // A body over the limit is refused from its Content-Length, before it is read.
    let host = s.url.trim_start_matches("http://").to_string();
    let mut tcp = std::net::TcpStream::connect(&host).unwrap();
    use std::io::{Read, Write};
    write!(tcp, "POST /v1/diagnose HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", 2 << 20).unwrap();
    let mut reply = String::new();
    tcp.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    assert!(reply.contains("\"kind\":\"too_large\""), "{reply}");
    let (st, o) = post("/v1/sessions/0123456789abcdef0123456789abcdef/answers", "{\"question\": \"prompt-seen\", \"choice\": \"no\"}");
    assert_eq!((st, o["error"]["kind"].as_str()), (404, Some("no_session")), "a made-up session id is refused: {o}");
}

#[test]
fn a_non_loopback_address_needs_a_token_and_every_api_request_checks_it() {
    let o = Command::new(assert_cmd::cargo::cargo_bin("signin-doctor")).args(["serve", "--listen", "0.0.0.0:0"]).output().unwrap();
    assert_eq!(o.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--token-file"), "{}", String::from_utf8_lossy(&o.stderr));
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "short\n").unwrap();
    let o = Command::new(assert_cmd::cargo::cargo_bin("signin-doctor")).args(["serve", "--token-file"]).arg(&token_file).output().unwrap();
    assert_eq!(o.status.code(), Some(6), "a short token is refused");
    let token = "3f6c1b2a9e8d7c6b5a4f3e2d1c0b9a88";
    std::fs::write(&token_file, format!("{token}\n")).unwrap();
    // Reachable from other machines, with the token.
    let mut s = Server::start(&["--token-file", token_file.to_str().unwrap(), "--listen", "0.0.0.0:0"]);
    s.url = s.url.replace("0.0.0.0", "127.0.0.1");
    let (st, o) = call("GET", &format!("{}/v1/diagnoses", s.url), None, None);
    assert_eq!((st, o["error"]["kind"].as_str()), (401, Some("unauthorized")));
    let (st, _) = call("GET", &format!("{}/v1/diagnoses", s.url), None, Some("3f6c1b2a9e8d7c6b5a4f3e2d1c0b9a89"));
    assert_eq!(st, 401, "a wrong token");
    let (st, o) = call("GET", &format!("{}/v1/diagnoses", s.url), None, Some(token));
    assert_eq!(st, 200);
    assert!(o["diagnoses"].as_array().unwrap().iter().any(|d| d["id"] == "stale-authenticator-registration"));
    let (st, _) = call("GET", &format!("{}/healthz", s.url), None, None);
    assert_eq!(st, 200, "the health check needs no token");
}

#[test]
fn rules_openapi_console_and_triage() {
    let s = Server::start(&[]);
    let (_, r) = call("GET", &format!("{}/v1/rules", s.url), None, None);
    assert!(r["questions"].as_array().unwrap().iter().any(|q| q["id"] == "prompt-seen" && q["choices"].as_array().unwrap().last().unwrap()["id"] == "dont-know"));
    let (_, api) = call("GET", &format!("{}/v1/openapi.json", s.url), None, None);
    assert_eq!(api["openapi"], "3.1.0");
    let page = ureq::get(&format!("{}/", s.url)).call().unwrap();
    assert!(page.header("Content-Security-Policy").unwrap().contains("script-src 'self'"));
    assert!(page.into_string().unwrap().contains("<script src=\"/console.js\" defer></script>"));
    // Batch triage: JSON Lines in, the same rows as `triage --format json` out.
    let lines: String = serde_json::from_str::<Value>(&example("signin.json")).unwrap()["value"].as_array().unwrap().iter().map(|r| format!("{r}\n")).collect();
    let r = ureq::post(&format!("{}/v1/triage", s.url)).set("Content-Type", "application/x-ndjson").send_string(&lines).unwrap();
    assert_eq!(r.header("Content-Type"), Some("application/x-ndjson"));
    assert_eq!((r.header("x-records"), r.header("x-bad-records")), (Some("3"), Some("0")));
    let rows: Vec<Value> = r.into_string().unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["user"], "alex.wilber@contoso.com");
    assert!(rows[0]["record"].as_str().unwrap().starts_with("body#"), "the rows name the body, not a server file: {}", rows[0]["record"]);
    assert_eq!(rows[0]["needs_answer"]["id"], "prompt-seen");
    let r = ureq::post(&format!("{}/v1/triage", s.url)).set("Content-Type", "application/x-ndjson").send_string("{not json\n");
    let Err(ureq::Error::Status(400, r)) = r else { panic!("a bad body is a 400") };
    let e: Value = serde_json::from_str(&r.into_string().unwrap()).unwrap();
    assert!(e["error"]["message"].as_str().unwrap().starts_with("body"), "{e}");
}

#[test]
fn a_request_that_never_finishes_times_out_with_a_json_error() {
    use std::io::{Read, Write};
    let s = Server::start(&["--timeout-secs", "1"]);
    let host = s.url.trim_start_matches("http://").to_string();
    let mut tcp = std::net::TcpStream::connect(&host).unwrap();
    // A body announced and never sent.
    write!(tcp, "POST /v1/diagnose HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{{").unwrap();
    let mut reply = String::new();
    tcp.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(reply.contains("\"kind\":\"timeout\""), "{reply}");
}

/// A web page the agent has open cannot drive the API: no cross-site
/// fetches, no foreign Origin, no form posts (not JSON), no other host name
/// (DNS rebinding); wrong methods and unknown paths answer in the JSON shape.
#[test]
fn other_sites_cannot_drive_the_api() {
    let s = Server::start(&[]);
    let url = format!("{}/v1/sessions", s.url);
    let status = |r: Result<ureq::Response, ureq::Error>| -> (u16, Value) {
        let r = match r {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{e}"),
        };
        let st = r.status();
        (st, serde_json::from_str(&r.into_string().unwrap()).unwrap_or(Value::Null))
    };
    let (st, o) = status(ureq::post(&url).set("Content-Type", "text/plain").send_string("{}"));
    assert_eq!((st, o["error"]["kind"].as_str()), (415, Some("bad_body")), "a no-cors POST needs no preflight: refused");
    let (st, o) = status(ureq::post(&url).set("Content-Type", "application/json").set("Sec-Fetch-Site", "cross-site").send_string("{}"));
    assert_eq!((st, o["error"]["kind"].as_str()), (403, Some("cross_site")));
    let (st, _) = status(ureq::post(&url).set("Content-Type", "application/json").set("Origin", "https://evil.example").send_string("{}"));
    assert_eq!(st, 403);
    let (st, _) = status(ureq::post(&url).set("Content-Type", "application/json").set("Host", "evil.example:8080").send_string("{}"));
    assert_eq!(st, 403, "a rebound host name");
    let origin = s.url.clone();
    let (st, _) = status(ureq::post(&url).set("Content-Type", "application/json").set("Origin", &origin).send_string("{\"error_code\": \"50126\"}"));
    assert_eq!(st, 201, "the console's own origin is welcome");
    let (st, o) = status(ureq::get(&format!("{}/v1/diagnose", s.url)).call());
    assert_eq!((st, o["error"]["kind"].as_str()), (405, Some("bad_method")));
    let (st, o) = status(ureq::get(&format!("{}/nothing", s.url)).call());
    assert_eq!((st, o["error"]["kind"].as_str()), (404, Some("not_found")));
    // Nothing in the log matches: understood, but no attempt (422).
    let (st, o) = status(
        ureq::post(&format!("{}/v1/diagnose", s.url))
            .set("Content-Type", "application/json")
            .send_string(&json!({"signins": example("signin.json"), "select": {"user": "nobody@contoso.com"}}).to_string()),
    );
    assert_eq!((st, o["error"]["kind"].as_str()), (422, Some("no_match")), "{o}");
}
