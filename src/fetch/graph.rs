//! Microsoft Graph: `auditLogs/signIns` and `auditLogs/directoryAudits`,
//! filtered on the server by time and user, page by page through
//! `@odata.nextLink`.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::store::{Store, Writer};
use super::{Api, Fetched, Fetcher, Output, Window};
use crate::error::{Error, ErrorKind, Result};

/// Which Graph version: beta has `authenticationDetails` (each MFA step)
/// and non-interactive sign-ins; v1.0 is the stable one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GraphVersion {
    /// `https://graph.microsoft.com/beta` (the default).
    #[default]
    Beta,
    /// `https://graph.microsoft.com/v1.0`.
    V1,
}

impl GraphVersion {
    fn segment(self) -> &'static str {
        match self {
            GraphVersion::Beta => "beta",
            GraphVersion::V1 => "v1.0",
        }
    }
}

/// Whose sign-ins.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Who {
    /// Everyone's (a whole tenant's window, for triage).
    #[default]
    Everyone,
    /// One user: a UPN, or an object id.
    User(String),
    /// The sign-in with this request id.
    RequestId(String),
    /// The sign-ins with this correlation id.
    CorrelationId(String),
}

/// What to read from Graph.
#[derive(Debug, Clone)]
pub struct GraphRequest {
    /// beta (default) or v1.0.
    pub version: GraphVersion,
    /// The sign-ins' window (`createdDateTime`).
    pub signins: Window,
    /// The audit events' window (`activityDateTime`); `None` reads none.
    pub audit: Option<Window>,
    /// Whose sign-ins; the audit events are those the same users started
    /// or were the target of.
    pub who: Who,
    /// Non-interactive sign-ins too (beta only).
    pub non_interactive: bool,
}

#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow)]
    value: Vec<&'a RawValue>,
    #[serde(rename = "@odata.nextLink")]
    next: Option<String>,
}

/// A Graph string literal: quotes doubled.
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn is_guid(s: &str) -> bool {
    s.len() == 36 && s.chars().enumerate().all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() })
}

impl GraphRequest {
    /// The sign-ins' `$filter`.
    fn signin_filter(&self) -> String {
        let w = &self.signins;
        let mut f = vec![format!("createdDateTime ge {} and createdDateTime le {}", time(&w.since), time(&w.until))];
        match &self.who {
            Who::Everyone => {}
            Who::User(u) if is_guid(u) => f.push(format!("userId eq {}", lit(u))),
            Who::User(u) => f.push(format!("userPrincipalName eq {}", lit(u))),
            Who::RequestId(id) => f.push(format!("id eq {}", lit(id))),
            Who::CorrelationId(c) => f.push(format!("correlationId eq {}", lit(c))),
        }
        if self.non_interactive && self.version == GraphVersion::Beta {
            f.push("(signInEventTypes/any(t: t eq 'interactiveUser' or t eq 'nonInteractiveUser'))".into());
        }
        f.join(" and ")
    }
}

impl Fetcher {
    /// Read sign-ins, then the audit events of the same users, into `out`.
    pub fn graph(&mut self, req: &GraphRequest, out: &Path, o: &Output) -> Result<Fetched> {
        if req.non_interactive && req.version == GraphVersion::V1 {
            return Err(Error::new(ErrorKind::Service, "non-interactive sign-ins are only in Graph beta").hint("leave out --api-version v1.0, or --include-non-interactive"));
        }
        let mut store = Store::open(out, o.gzip, o.restart)?;
        let base = format!("{}/{}", self.endpoints.graph, req.version.segment());
        let mut done = Fetched::default();
        let url = url_with(&format!("{base}/auditLogs/signIns"), &req.signin_filter())?;
        let w = store.begin("signins", &url, url.clone())?;
        self.pages(&mut store, w, &mut done, None)?;
        done.signins.push(store.path("signins"));
        let Some(window) = &req.audit else { return Ok(done) };
        let audit_time = format!("activityDateTime ge {} and activityDateTime le {}", time(&window.since), time(&window.until));
        let filters: Vec<String> = match &req.who {
            Who::Everyone => vec![audit_time],
            _ => {
                // Events the users started, and events done to them (an admin
                // resetting their methods), by their object ids from the sign-ins.
                let ids = user_ids(&store.path("signins"), o.gzip, &req.who)?;
                ids.iter().flat_map(|id| [format!("{audit_time} and initiatedBy/user/id eq {}", lit(id)), format!("{audit_time} and targetResources/any(t: t/id eq {})", lit(id))]).collect()
            }
        };
        let mut seen = HashSet::new();
        for (n, f) in filters.iter().enumerate() {
            let name = if n == 0 { "audit".to_string() } else { format!("audit-{n}") };
            let url = url_with(&format!("{base}/auditLogs/directoryAudits"), f)?;
            let w = store.begin(&name, &url, url.clone())?;
            // One event can be both started by and done to a user: keep it once.
            if filters.len() > 1 && w.resumed {
                seen.extend(record_ids(&store.path(&name), o.gzip, "id")?);
            }
            self.pages(&mut store, w, &mut done, if filters.len() > 1 { Some(&mut seen) } else { None })?;
            done.audit.push(store.path(&name));
        }
        Ok(done)
    }

    /// Follow a part's pages to its end.
    fn pages(&mut self, store: &mut Store, mut w: Writer, done: &mut Fetched, mut seen: Option<&mut HashSet<String>>) -> Result<()> {
        done.resumed |= w.resumed;
        let home = origin(&self.endpoints.graph);
        while let Some(url) = w.part.next.clone() {
            if origin(&url) != home {
                return Err(
                    Error::new(ErrorKind::Service, format!("Microsoft Graph's next page is on another host ({url}); it was not followed")).hint("the token goes only to the configured --graph-url")
                );
            }
            let sent = self.http.send(Api::Graph, &self.scope(Api::Graph), &url, None)?;
            done.retries += sent.retries;
            let page: Page = serde_json::from_slice(&sent.body).map_err(|e| malformed(&url, w.part.pages + 1, &e))?;
            let mut lines: Vec<std::borrow::Cow<str>> = Vec::with_capacity(page.value.len());
            for r in &page.value {
                if let Some(seen) = seen.as_deref_mut() {
                    if let Some(id) = id_of(r.get(), "id") {
                        if !seen.insert(id) {
                            continue;
                        }
                    }
                }
                lines.push(one_line(r)?);
            }
            let refs: Vec<&str> = lines.iter().map(|l| l.as_ref()).collect();
            store.page(&mut w, &refs, page.next)?;
            done.records += refs.len() as u64;
            done.pages += 1;
            self.note(&format!("{}: page {}, {} records so far", w.name, w.part.pages, w.part.records));
        }
        Ok(())
    }
}

/// A record on one line: Graph writes compact JSON; a pretty one is
/// re-written compact.
pub(crate) fn one_line(r: &RawValue) -> Result<std::borrow::Cow<'_, str>> {
    let t = r.get();
    if !t.contains('\n') && !t.contains('\r') {
        return Ok(std::borrow::Cow::Borrowed(t));
    }
    let v: serde_json::Value = serde_json::from_str(t).map_err(|e| Error::new(ErrorKind::Service, format!("a record is not JSON: {e}")))?;
    Ok(std::borrow::Cow::Owned(v.to_string()))
}

fn malformed(url: &str, page: u64, e: &serde_json::Error) -> Error {
    Error::new(ErrorKind::Service, format!("Microsoft Graph's page {page} ({url}) is not a page of records: {e}")).hint("run the same command again: the fetch resumes at this page")
}

/// `url?$filter=...`, encoded.
fn url_with(base: &str, filter: &str) -> Result<String> {
    reqwest::Url::parse_with_params(base, &[("$filter", filter)]).map(String::from).map_err(|e| Error::new(ErrorKind::Service, format!("{base} is not a URL: {e}")).hint("check --graph-url"))
}

/// `scheme://host:port` of a URL.
pub(crate) fn origin(url: &str) -> String {
    reqwest::Url::parse(url).map(|u| u.origin().ascii_serialization()).unwrap_or_default()
}

fn id_of(text: &str, field: &str) -> Option<String> {
    let v: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text).ok()?;
    v.get(field)?.as_str().map(str::to_string)
}

/// Each line's `field`, from a part already on disk.
fn record_ids(path: &Path, gzip: bool, field: &str) -> Result<HashSet<String>> {
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, &e))?;
    let r: Box<dyn Read> = if gzip { Box::new(flate2::read::MultiGzDecoder::new(f)) } else { Box::new(f) };
    let mut ids = HashSet::new();
    for line in BufReader::new(r).lines() {
        let line = line.map_err(|e| Error::io(path, &e))?;
        ids.extend(id_of(&line, field));
    }
    Ok(ids)
}

/// The object ids of the users the sign-ins belong to.
fn user_ids(signins: &Path, gzip: bool, who: &Who) -> Result<Vec<String>> {
    if let Who::User(u) = who {
        if is_guid(u) {
            return Ok(vec![u.to_lowercase()]);
        }
    }
    let mut ids: Vec<String> = record_ids(signins, gzip, "userId")?.into_iter().collect();
    ids.sort();
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(who: Who) -> GraphRequest {
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        GraphRequest { version: GraphVersion::Beta, signins: Window { since: t("2026-11-28T00:00:00Z"), until: t("2026-11-30T00:00:00Z") }, audit: None, who, non_interactive: false }
    }

    #[test]
    fn filters_quote_users() {
        let f = req(Who::User("O'Neil@Contoso.com".into())).signin_filter();
        assert_eq!(f, "createdDateTime ge 2026-11-28T00:00:00Z and createdDateTime le 2026-11-30T00:00:00Z and userPrincipalName eq 'O''Neil@Contoso.com'");
        let f = req(Who::User("6B3A1E56-1A8B-4B7E-9F0E-6D3E3A1B2C4D".into())).signin_filter();
        assert!(f.ends_with("userId eq '6B3A1E56-1A8B-4B7E-9F0E-6D3E3A1B2C4D'"), "{f}");
    }

    #[test]
    fn pretty_records_become_one_line() {
        let r: Box<RawValue> = serde_json::from_str("{\n  \"id\": \"a\"\n}").unwrap();
        assert_eq!(one_line(&r).unwrap(), "{\"id\":\"a\"}");
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert_eq!(origin("https://graph.microsoft.com/beta/x?$skiptoken=1"), "https://graph.microsoft.com");
        assert_ne!(origin("http://127.0.0.1:1/a"), origin("http://127.0.0.1:2/a"));
    }
}
