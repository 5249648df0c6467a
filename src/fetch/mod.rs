//! Reading the logs where they live: Microsoft Graph (`auditLogs/signIns`,
//! `auditLogs/directoryAudits`) and a Log Analytics workspace.
//!
//! A fetch writes JSON Lines files, owner-only, into one directory, page by
//! page; the files are then read like any export, so a fetched log is
//! diagnosed exactly as the same records read from a file. An interrupted
//! fetch resumes where it stopped. Requests go only to the configured
//! endpoints; tokens stay in memory.
//!
//! ```no_run
//! use signin_doctor::fetch::{Credential, Endpoints, Fetcher, GraphRequest, Output, Secret, Window, Who};
//!
//! let credential = Credential::ClientSecret {
//!     tenant: "contoso.onmicrosoft.com".into(),
//!     client_id: "00000000-0000-0000-0000-000000000000".into(),
//!     secret: Secret::new(std::fs::read_to_string("secret.txt")?.trim()),
//! };
//! let mut fetcher = Fetcher::new(credential, Endpoints::default())?;
//! let req = GraphRequest {
//!     signins: Window::last(chrono::Duration::days(1)),
//!     audit: Some(Window::last(chrono::Duration::days(30))),
//!     who: Who::User("alex@contoso.com".into()),
//!     ..GraphRequest::default()
//! };
//! let fetched = fetcher.graph(&req, "fetched/".as_ref(), &Output::default())?;
//! println!("{} records in {:?}", fetched.records, fetched.signins);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod auth;
mod azcli;
mod cert;
mod graph;
mod http;
mod loganalytics;
mod store;

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use auth::{Credential, Secret};
pub use graph::{GraphRequest, GraphVersion, Who};
pub use http::Retry;
pub use loganalytics::{LaQuery, Table};
pub use store::STATE_FILE;

use crate::error::{Error, ErrorKind, Result};

/// Where requests go: the sign-in service and the two APIs. Each must be
/// HTTPS, or HTTP on this machine's loopback (a test server).
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// The Microsoft Entra sign-in service (authority).
    pub authority: String,
    /// Microsoft Graph.
    pub graph: String,
    /// The Log Analytics query API.
    pub log_analytics: String,
}

impl Default for Endpoints {
    fn default() -> Endpoints {
        Endpoints { authority: "https://login.microsoftonline.com".into(), graph: "https://graph.microsoft.com".into(), log_analytics: "https://api.loganalytics.io".into() }
    }
}

/// A time window, `since` to `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The start.
    pub since: DateTime<Utc>,
    /// The end.
    pub until: DateTime<Utc>,
}

impl Window {
    /// The last `span` up to now.
    pub fn last(span: chrono::Duration) -> Window {
        let until = Utc::now();
        Window { since: until - span, until }
    }
}

impl Default for GraphRequest {
    fn default() -> GraphRequest {
        GraphRequest { version: GraphVersion::Beta, signins: Window::last(chrono::Duration::days(1)), audit: None, who: Who::Everyone, non_interactive: false }
    }
}

/// How the files are written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Output {
    /// gzip each file (`.jsonl.gz`).
    pub gzip: bool,
    /// Start over instead of resuming an earlier fetch into the directory.
    pub restart: bool,
}

/// What a fetch wrote.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Fetched {
    /// The sign-in files (a Log Analytics query's file counts as one).
    pub signins: Vec<PathBuf>,
    /// The audit files.
    pub audit: Vec<PathBuf>,
    /// Records written by this run.
    pub records: u64,
    /// Pages (or time slices) read by this run.
    pub pages: u64,
    /// Requests tried again (throttling, outages).
    pub retries: u32,
    /// Whether this run carried on an interrupted fetch.
    pub resumed: bool,
    /// Whether the audit log was read, even if it held nothing for these
    /// users (then [`audit`](Self::audit) is empty, and means "no events",
    /// not "unknown").
    pub audit_read: bool,
}

/// Which API a request goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    Graph,
    LogAnalytics,
}

impl Api {
    fn name(self) -> &'static str {
        match self {
            Api::Graph => "Microsoft Graph",
            Api::LogAnalytics => "Log Analytics",
        }
    }
    fn url_flag(self) -> &'static str {
        match self {
            Api::Graph => "--graph-url",
            Api::LogAnalytics => "--loganalytics-url",
        }
    }
}

/// Reads logs from Graph and Log Analytics with one sign-in.
pub struct Fetcher {
    http: http::Http,
    endpoints: Endpoints,
}

impl Fetcher {
    /// A fetcher signing in with `credential` (nothing is sent until a fetch).
    pub fn new(credential: Credential, endpoints: Endpoints) -> Result<Fetcher> {
        credential.check()?;
        let endpoints = Endpoints {
            authority: checked(&endpoints.authority, "--authority")?,
            graph: checked(&endpoints.graph, "--graph-url")?,
            log_analytics: checked(&endpoints.log_analytics, "--loganalytics-url")?,
        };
        let client = reqwest::blocking::Client::builder()
            .user_agent(concat!("signin-doctor/", env!("CARGO_PKG_VERSION")))
            // A token endpoint's redirect is not followed (OAuth 2.0 security
            // advice), nor an API's: nothing leaves for another host.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(30))
            .timeout(Duration::from_secs(300))
            .build()
            .map_err(|e| Error::new(ErrorKind::Service, format!("cannot set up HTTPS: {e}")))?;
        let http = http::Http { client, tokens: auth::Tokens::new(credential, &endpoints.authority), retry: Retry::default(), say: Box::new(|_| {}) };
        Ok(Fetcher { http, endpoints })
    }

    /// How often and how long to retry.
    pub fn retry(mut self, retry: Retry) -> Fetcher {
        self.http.retry = retry;
        self
    }

    /// Where progress, waits and the device code's sign-in instructions go.
    pub fn on_note(mut self, say: impl Fn(&str) + Send + Sync + 'static) -> Fetcher {
        self.http.say = Box::new(say);
        self
    }

    /// Sign in for an API before anything is written: a refused sign-in
    /// leaves no directory or state behind.
    fn sign_in(&mut self, api: Api) -> Result<()> {
        let scope = self.scope(api);
        self.http.tokens.get(&self.http.client, &scope, &*self.http.say).map(|_| ())
    }

    fn note(&self, s: &str) {
        (self.http.say)(s)
    }

    /// The token scope of an API: its origin's `/.default` (the national
    /// clouds' Graph and a test server alike).
    fn scope(&self, api: Api) -> String {
        let base = match api {
            Api::Graph => &self.endpoints.graph,
            Api::LogAnalytics => &self.endpoints.log_analytics,
        };
        format!("{}/.default", graph::origin(base))
    }
}

/// An endpoint must be HTTPS, or HTTP to loopback: a token sent in clear
/// text over a network could be read on the way.
fn checked(url: &str, flag: &str) -> Result<String> {
    let u = reqwest::Url::parse(url).map_err(|e| Error::new(ErrorKind::Service, format!("{flag} {url:?} is not a URL: {e}")))?;
    let loopback = match u.host() {
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    if u.scheme() != "https" && !(u.scheme() == "http" && loopback) {
        return Err(Error::new(ErrorKind::Service, format!("{flag} {url} is not HTTPS")).hint("tokens and logs travel only over HTTPS (plain HTTP only to this machine's loopback, for tests)"));
    }
    if u.query().is_some() || u.fragment().is_some() || u.cannot_be_a_base() {
        return Err(Error::new(ErrorKind::Service, format!("{flag} {url} must be a base URL, without a query")));
    }
    Ok(url.trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_must_be_https_or_loopback() {
        assert!(checked("https://graph.microsoft.com/", "--graph-url").is_ok_and(|u| u == "https://graph.microsoft.com"));
        assert!(checked("http://127.0.0.1:8080", "--graph-url").is_ok());
        assert!(checked("http://[::1]:8080", "--graph-url").is_ok());
        assert!(checked("http://graph.example.com", "--graph-url").is_err());
        assert!(checked("ftp://127.0.0.1", "--graph-url").is_err());
        assert!(checked("https://x/?a=b", "--graph-url").is_err());
    }
}
