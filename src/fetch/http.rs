//! One request to Graph or Log Analytics, with the token, the retries that
//! Microsoft asks clients for (429 and 503 with `Retry-After`, else
//! exponential backoff with jitter), one renewal of an expired token, and
//! each refusal turned into an error that says what to do.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;

use super::auth::Tokens;
use super::Api;
use crate::error::{Error, ErrorKind, Result};

/// How often a request is tried, and how long waits may be.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Tries in all (the first and the retries).
    pub attempts: u32,
    /// The first backoff when the service names no wait; it doubles.
    pub base: Duration,
    /// No wait, asked for or not, is longer than this.
    pub cap: Duration,
}

impl Default for Retry {
    fn default() -> Retry {
        Retry { attempts: 7, base: Duration::from_secs(1), cap: Duration::from_secs(300) }
    }
}

/// The body of a request that succeeded.
pub(crate) struct Sent {
    pub body: Vec<u8>,
    /// How many times the request was retried.
    pub retries: u32,
}

pub(crate) struct Http {
    pub client: reqwest::blocking::Client,
    pub tokens: Tokens,
    pub retry: Retry,
    pub say: Box<dyn Fn(&str) + Send + Sync>,
}

impl Http {
    /// GET (no body) or POST (a JSON body) `url` on `api`, whose token is for `scope`.
    pub(crate) fn send(&mut self, api: Api, scope: &str, url: &str, body: Option<&serde_json::Value>) -> Result<Sent> {
        let mut retries = 0u32;
        let mut renewed = false;
        loop {
            let token = self.tokens.get(&self.client, scope, &*self.say)?;
            let mut rq = match body {
                Some(b) => self.client.post(url).json(b),
                None => self.client.get(url),
            };
            rq = rq.bearer_auth(token).header("Accept", "application/json");
            let last = retries + 1 >= self.retry.attempts;
            let resp = match rq.send() {
                Ok(r) => r,
                Err(e) if !last && (e.is_connect() || e.is_timeout() || e.is_request() || e.is_body()) => {
                    let wait = self.backoff(retries);
                    (self.say)(&format!("{}: {} (retrying in {} s, try {} of {})", api.name(), chain(&e), wait.as_secs_f32().ceil(), retries + 2, self.retry.attempts));
                    std::thread::sleep(wait);
                    retries += 1;
                    continue;
                }
                Err(e) => {
                    return Err(Error::new(ErrorKind::Service, format!("cannot reach {}: {}", api.name(), chain(&e))).hint(format!("check the network, a proxy (HTTPS_PROXY), or {}", api.url_flag())))
                }
            };
            let status = resp.status();
            let asked = retry_after(resp.headers());
            let bytes = match read_capped(resp) {
                Ok(b) if b.len() as u64 > BODY_MAX => {
                    return Err(Error::new(ErrorKind::Service, format!("{} sent an answer of more than {} MiB; it was not read", api.name(), BODY_MAX >> 20))
                        .hint(format!("check {}: Graph pages and Log Analytics slices are far smaller", api.url_flag())));
                }
                Ok(b) => b,
                Err(e) if !last => {
                    (self.say)(&format!("{}: the answer broke off: {} (retrying)", api.name(), e));
                    std::thread::sleep(self.backoff(retries));
                    retries += 1;
                    continue;
                }
                Err(e) => return Err(Error::new(ErrorKind::Service, format!("{} broke off its answer: {e}", api.name()))),
            };
            if status.is_success() {
                return Ok(Sent { body: bytes, retries });
            }
            let (code, message) = error_of(&bytes);
            if status == StatusCode::UNAUTHORIZED && !renewed {
                // A token can expire during a long fetch: renew it once.
                self.tokens.expire(scope);
                renewed = true;
                continue;
            }
            let transient = matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504);
            if transient && !last {
                let wait = asked.unwrap_or_else(|| self.backoff(retries)).min(self.retry.cap);
                let why = if status.as_u16() == 429 { "throttled".to_string() } else { format!("status {}", status.as_u16()) };
                let how = if asked.is_some() { "as Retry-After asks" } else { "backing off" };
                (self.say)(&format!("{}: {why}; waiting {} s {how} (try {} of {})", api.name(), wait.as_secs_f32().ceil(), retries + 2, self.retry.attempts));
                std::thread::sleep(wait);
                retries += 1;
                continue;
            }
            return Err(refusal(api, status, &code, &message, self.tokens.credential().delegated(), retries));
        }
    }

    /// Exponential backoff with full jitter: a random wait up to base·2ⁿ.
    fn backoff(&self, n: u32) -> Duration {
        let ceiling = self.retry.base.saturating_mul(1u32 << n.min(16)).min(self.retry.cap);
        let mut b = [0u8; 4];
        let r = if getrandom::fill(&mut b).is_ok() { u32::from_le_bytes(b) as f64 / u32::MAX as f64 } else { 0.5 };
        // At least half the ceiling, so a retry never comes at once.
        ceiling.mul_f64(0.5 + r / 2.0)
    }
}

/// The largest answer read (a Graph page is a few MB; a Log Analytics
/// answer at most about 100 MB): a wrong or hostile endpoint cannot fill memory.
const BODY_MAX: u64 = 256 << 20;

/// The body, read up to one byte past [`BODY_MAX`] (decompressed).
fn read_capped(resp: reqwest::blocking::Response) -> Result<Vec<u8>, std::io::Error> {
    use std::io::Read;
    let mut b = Vec::new();
    resp.take(BODY_MAX + 1).read_to_end(&mut b)?;
    Ok(b)
}

/// `Retry-After` in seconds, or as an HTTP date.
fn retry_after(h: &HeaderMap) -> Option<Duration> {
    let v = h.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Some(Duration::from_secs(s));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let secs = at.timestamp() - chrono::Utc::now().timestamp();
    Some(Duration::from_secs(secs.max(0) as u64))
}

/// Graph's and Log Analytics' error body: `{"error": {"code", "message"}}`
/// (Log Analytics adds `innererror` with the query's own message).
fn error_of(body: &[u8]) -> (String, String) {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let e = &v["error"];
    let code = e["code"].as_str().unwrap_or("").to_string();
    let mut message = e["message"].as_str().unwrap_or("").to_string();
    let mut inner = &e["innererror"];
    while let Some(m) = inner["message"].as_str() {
        message = format!("{message} {m}");
        inner = &inner["innererror"];
    }
    if message.is_empty() {
        message = String::from_utf8_lossy(&body[..body.len().min(200)]).trim().to_string();
    }
    (code, message)
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        s.push_str(": ");
        s.push_str(&c.to_string());
        src = c.source();
    }
    s
}

/// The error for a request the service refused, with what to do about it.
fn refusal(api: Api, status: StatusCode, code: &str, message: &str, delegated: bool, retries: u32) -> Error {
    let said = if code.is_empty() { format!("{} {message}", status.as_u16()) } else { format!("{} {code}: {message}", status.as_u16()) };
    let e = |m: String| Error::new(ErrorKind::Service, m);
    match (api, status.as_u16(), code) {
        (Api::Graph, 403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant") => {
            e(format!("the tenant has no Microsoft Entra ID P1 or P2 licence, which reading sign-in logs through Microsoft Graph needs ({said})"))
                .hint("export the logs from the admin center (Sign-in logs > Download) or send them to Log Analytics, and read those files")
        }
        (Api::Graph, 403, _) => {
            let who = if delegated {
                "the signed-in person needs the role Reports Reader, Security Reader or Global Reader, and the app the delegated permissions AuditLog.Read.All and Directory.Read.All"
            } else {
                "the app needs the application permissions AuditLog.Read.All and Directory.Read.All, with an administrator's consent"
            };
            e(format!("Microsoft Graph refused to list the logs: a permission is missing ({said})")).hint(who)
        }
        (Api::LogAnalytics, 403, _) => {
            e(format!("Log Analytics refused the query: no access to the workspace ({said})")).hint("give the identity the Log Analytics Reader role on the workspace (Access control (IAM))")
        }
        (Api::LogAnalytics, 404, _) => e(format!("Log Analytics has no such workspace ({said})")).hint("--workspace takes the workspace ID (a GUID) from the workspace's Overview page"),
        (Api::LogAnalytics, 400, _) => e(format!("Log Analytics refused the query ({said})")).hint("check the KQL; the table must exist in the workspace (diagnostic settings send it)"),
        (_, 401, _) => e(format!("{} refused the token ({said})", api.name())).hint("the token is for another tenant or audience: check --tenant and the service URL"),
        (_, 429 | 500 | 502 | 503 | 504, _) => e(format!("{} still fails after {} tries ({said})", api.name(), retries + 1)).hint("run the same command again later: a fetch resumes where it stopped"),
        _ => e(format!("{} refused the request ({said})", api.name())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, reqwest::header::HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(RETRY_AFTER, reqwest::header::HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
    }

    #[test]
    fn error_bodies_give_code_and_message() {
        let (c, m) = error_of(
            br#"{"error":{"code":"BadArgumentError","message":"The request had some invalid properties","innererror":{"code":"SyntaxError","message":"A recognition error occurred in the query."}}}"#,
        );
        assert_eq!(c, "BadArgumentError");
        assert!(m.ends_with("A recognition error occurred in the query."), "{m}");
    }

    #[test]
    fn a_missing_licence_is_named() {
        let e = refusal(Api::Graph, StatusCode::FORBIDDEN, "Authentication_RequestFromNonPremiumTenantOrB2CTenant", "Neither tenant is B2C or tenant doesn't have premium license", false, 0);
        assert!(e.to_string().contains("P1 or P2"), "{e}");
        let e = refusal(Api::Graph, StatusCode::FORBIDDEN, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.", false, 0);
        assert!(e.to_string().contains("AuditLog.Read.All"), "{e}");
    }
}
