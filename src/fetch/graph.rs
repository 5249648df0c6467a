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
    /// Parts that hold no record are left out of what it returns.
    pub fn graph(&mut self, req: &GraphRequest, out: &Path, o: &Output) -> Result<Fetched> {
        if req.non_interactive && req.version == GraphVersion::V1 {
            return Err(Error::new(ErrorKind::Service, "non-interactive sign-ins are only in Graph beta").hint("leave out --api-version v1.0, or --include-non-interactive"));
        }
        self.sign_in(Api::Graph)?;
        let mut store = Store::open(out, o.gzip, o.restart)?;
        let base = format!("{}/{}", self.endpoints.graph, req.version.segment());
        let mut done = Fetched::default();
        let mut seen = HashSet::new();
        let url = url_with(&format!("{base}/auditLogs/signIns"), &req.signin_filter())?;
        let mut parts = vec![self.part(&mut store, "signins", &url, o.gzip, &mut done, None)?];
        // A sign-in picked by its id comes with its users' sign-ins of the day
        // before it (and the hour after): the history its facts read.
        if matches!(req.who, Who::RequestId(_) | Who::CorrelationId(_)) {
            let first = store.path("signins");
            seen.extend(record_ids(&first, o.gzip, "id")?);
            let times = record_ids(&first, o.gzip, "createdDateTime")?;
            let times: Vec<DateTime<Utc>> = times.iter().filter_map(|t| t.parse().ok()).collect();
            if let (Some(lo), Some(hi)) = (times.iter().min(), times.iter().max()) {
                let around = Window { since: *lo - chrono::Duration::days(1), until: (*hi + chrono::Duration::hours(1)).min(Utc::now()) };
                for (n, id) in user_ids(&first, o.gzip, &Who::Everyone)?.iter().enumerate() {
                    let f = format!("createdDateTime ge {} and createdDateTime le {} and userId eq {}", time(&around.since), time(&around.until), lit(id));
                    let url = url_with(&format!("{base}/auditLogs/signIns"), &f)?;
                    parts.push(self.part(&mut store, &format!("signins-{}", n + 1), &url, o.gzip, &mut done, Some(&mut seen))?);
                }
            }
        }
        done.signins = parts.into_iter().flatten().collect();
        let Some(window) = &req.audit else { return Ok(done) };
        let audit_time = format!("activityDateTime ge {} and activityDateTime le {}", time(&window.since), time(&window.until));
        let filters: Vec<String> = match &req.who {
            Who::Everyone => vec![audit_time],
            who => {
                // Events the users started, and events done to them (an admin
                // resetting their methods), by their object ids: from the
                // sign-ins, else (no sign-in in the window) from the directory.
                let mut ids = user_ids(&store.path("signins"), o.gzip, who)?;
                if let (true, Who::User(upn)) = (ids.is_empty(), who) {
                    ids.extend(self.object_id(&base, upn)?);
                }
                if ids.is_empty() {
                    self.note("no user object id was found, so no audit events were read");
                }
                ids.iter().flat_map(|id| [format!("{audit_time} and initiatedBy/user/id eq {}", lit(id)), format!("{audit_time} and targetResources/any(t: t/id eq {})", lit(id))]).collect()
            }
        };
        let mut seen = HashSet::new();
        for (n, f) in filters.iter().enumerate() {
            let name = if n == 0 { "audit".to_string() } else { format!("audit-{n}") };
            let url = url_with(&format!("{base}/auditLogs/directoryAudits"), f)?;
            // One event can be both started by and done to a user: keep it once.
            let dedupe = if filters.len() > 1 { Some(&mut seen) } else { None };
            let part = self.part(&mut store, &name, &url, o.gzip, &mut done, dedupe)?;
            done.audit.extend(part);
        }
        done.audit_read = !filters.is_empty();
        Ok(done)
    }

    /// Fetch one part to its end; its file when it holds records.
    fn part(&mut self, store: &mut Store, name: &str, url: &str, gzip: bool, done: &mut Fetched, seen: Option<&mut HashSet<String>>) -> Result<Option<std::path::PathBuf>> {
        let w = store.begin(name, url, url.to_string())?;
        if w.continued {
            self.note(&format!("{name}: carrying on the fetch begun earlier in this directory, with its own window (--restart for a new one)"));
        }
        let seen = match seen {
            Some(s) => {
                if w.resumed {
                    s.extend(record_ids(&store.path(name), gzip, "id")?);
                }
                Some(s)
            }
            None => None,
        };
        let records = self.pages(store, w, done, seen)?;
        Ok((records > 0).then(|| store.path(name)))
    }

    /// The object id of a user principal name (`GET /users/{upn}`), or none
    /// when the directory has no such user.
    fn object_id(&mut self, base: &str, upn: &str) -> Result<Option<String>> {
        let mut url = reqwest::Url::parse(&format!("{base}/users/")).map_err(|e| Error::new(ErrorKind::Service, format!("{base} is not a URL: {e}")))?;
        url.path_segments_mut().map_err(|_| Error::new(ErrorKind::Service, format!("{base} is not a base URL")))?.pop_if_empty().push(upn);
        url.set_query(Some("$select=id"));
        let sent = match self.http.send(Api::Graph, &self.scope(Api::Graph), url.as_str(), None) {
            Ok(s) => s,
            Err(e) if e.message().contains("(404 ") => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(id_of(&String::from_utf8_lossy(&sent.body), "id").filter(|id| usable_id(id)))
    }

    /// Follow a part's pages to its end.
    fn pages(&mut self, store: &mut Store, mut w: Writer, done: &mut Fetched, mut seen: Option<&mut HashSet<String>>) -> Result<u64> {
        done.resumed |= w.resumed;
        let home = origin(&self.endpoints.graph);
        while let Some(url) = w.part.next.clone() {
            if origin(&url) != home {
                return Err(
                    Error::new(ErrorKind::Service, format!("Microsoft Graph's next page is on another host ({url}); it was not followed")).hint("the token goes only to the configured --graph-url")
                );
            }
            let sent = self.http.send(Api::Graph, &self.scope(Api::Graph), &url, None).map_err(|e| {
                // A saved next link expires after a while.
                if w.resumed && e.message().contains("(400 ") {
                    e.with_hint("the saved link to the next page may have expired: start over with --restart")
                } else {
                    e
                }
            })?;
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
        Ok(w.part.records)
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

/// An object id worth asking about: not empty, not all zeros.
fn usable_id(id: &str) -> bool {
    id.chars().any(|c| c.is_ascii_alphanumeric() && c != '0')
}

/// The object ids of the users the sign-ins belong to.
fn user_ids(signins: &Path, gzip: bool, who: &Who) -> Result<Vec<String>> {
    if let Who::User(u) = who {
        if is_guid(u) {
            return Ok(vec![u.to_lowercase()]);
        }
    }
    if !signins.exists() {
        return Ok(Vec::new());
    }
    let mut ids: Vec<String> = record_ids(signins, gzip, "userId")?.into_iter().filter(|id| usable_id(id)).collect();
    ids.sort();
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(who: Who) -> GraphRequest {
        // A time that did not read would show in the filters compared below.
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap_or_default();
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
    fn pretty_records_become_one_line() -> Result<(), Box<dyn std::error::Error>> {
        let r: Box<RawValue> = serde_json::from_str("{\n  \"id\": \"a\"\n}")?;
        assert_eq!(one_line(&r)?, "{\"id\":\"a\"}");
        Ok(())
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert_eq!(origin("https://graph.microsoft.com/beta/x?$skiptoken=1"), "https://graph.microsoft.com");
        assert_ne!(origin("http://127.0.0.1:1/a"), origin("http://127.0.0.1:2/a"));
    }
}
