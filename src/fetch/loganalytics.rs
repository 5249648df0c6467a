//! Log Analytics: the query API (`POST /v1/workspaces/{id}/query`). Its
//! rows come back as columns and values; each row is written as one JSON
//! object keyed by column name, the Log Analytics shape the readers know
//! (dynamic columns stay strings holding JSON, as the API sends them).
//!
//! A table over a window is read one time slice at a time (a day, halved
//! while an answer comes back cut off by the API's limits), each slice a
//! page of the resumable fetch.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;

use super::store::{Store, Writer};
use super::{Api, Fetched, Fetcher, Output, Window};
use crate::error::{Error, ErrorKind, Result};

/// The tables of Entra logs a workspace holds (diagnostic settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// Interactive sign-ins.
    SigninLogs,
    /// Non-interactive sign-ins (token refreshes, background apps).
    AADNonInteractiveUserSignInLogs,
    /// The audit log.
    AuditLogs,
}

impl Table {
    /// The table's name in KQL.
    pub fn name(self) -> &'static str {
        match self {
            Table::SigninLogs => "SigninLogs",
            Table::AADNonInteractiveUserSignInLogs => "AADNonInteractiveUserSignInLogs",
            Table::AuditLogs => "AuditLogs",
        }
    }
    fn file(self) -> &'static str {
        match self {
            Table::SigninLogs => "signins",
            Table::AADNonInteractiveUserSignInLogs => "signins-noninteractive",
            Table::AuditLogs => "audit",
        }
    }
}

/// What to ask Log Analytics.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum LaQuery {
    /// A table's rows over a window, optionally one user's.
    Table {
        /// Which table.
        table: Table,
        /// The rows' `TimeGenerated` window.
        window: Window,
        /// One user's rows (UPN), or everyone's.
        user: Option<String>,
    },
    /// A KQL query of the caller's, over an optional window.
    Kql {
        /// The query text.
        query: String,
        /// The `timespan` the API applies on top of the query.
        window: Option<Window>,
    },
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    tables: Vec<LaTable>,
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct LaTable {
    columns: Vec<Column>,
    rows: Vec<Vec<serde_json::Value>>,
}

#[derive(Deserialize)]
struct Column {
    name: String,
}

/// The first slice of a table's window.
const SLICE: Duration = Duration::from_secs(24 * 3600);
/// The shortest slice: an answer still cut off at this length is an error.
const MIN_SLICE: Duration = Duration::from_secs(60);

/// A KQL string literal.
fn kql(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn table_query(table: Table, from: &DateTime<Utc>, to: &DateTime<Utc>, user: Option<&str>) -> String {
    let mut q = format!("{} | where TimeGenerated >= datetime({}) and TimeGenerated < datetime({})", table.name(), time(from), time(to));
    if let Some(u) = user {
        match table {
            Table::AuditLogs => q.push_str(&format!(" | where tostring(InitiatedBy) has {0} or tostring(TargetResources) has {0}", kql(u))),
            _ => q.push_str(&format!(" | where UserPrincipalName =~ {}", kql(u))),
        }
    }
    q.push_str(" | order by TimeGenerated asc");
    q
}

impl Fetcher {
    /// Run a Log Analytics query on `workspace` into `out`.
    pub fn log_analytics(&mut self, workspace: &str, q: &LaQuery, out: &Path, o: &Output) -> Result<Fetched> {
        let ok = !workspace.is_empty() && workspace.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        if !ok {
            return Err(
                Error::new(ErrorKind::Service, format!("the workspace {workspace:?} is not a workspace ID")).hint("--workspace takes the workspace ID, a GUID, from the workspace's Overview page")
            );
        }
        let url = format!("{}/v1/workspaces/{workspace}/query", self.endpoints.log_analytics);
        self.sign_in(Api::LogAnalytics)?;
        let mut store = Store::open(out, o.gzip, o.restart)?;
        let mut done = Fetched::default();
        match q {
            LaQuery::Table { table, window, user } => {
                let key = format!("{url} {}", table_query(*table, &window.since, &window.until, user.as_deref()));
                let w = store.begin(table.file(), &key, slice_state(&window.since, SLICE, &window.until))?;
                let path = self.slices(&mut store, w, &url, *table, user.as_deref(), &mut done)?;
                if *table == Table::AuditLogs {
                    done.audit_read = true;
                    done.audit.extend(path)
                } else {
                    done.signins.extend(path)
                }
            }
            LaQuery::Kql { query, window } => {
                let mut body = serde_json::json!({ "query": query });
                if let Some(w) = window {
                    body["timespan"] = format!("{}/{}", time(&w.since), time(&w.until)).into();
                }
                let mut w = store.begin("query", &format!("{url} {body}"), String::new())?;
                if !w.part.done {
                    let a = self.ask(&url, &body, &mut done)?;
                    if let Some(e) = a.error {
                        return Err(cut_off(&e).hint("narrow the query (a shorter window, fewer columns), or read a table with --table and --since, which is read in slices"));
                    }
                    let rows = rows_of(a)?;
                    let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
                    store.page(&mut w, &refs, None)?;
                    done.records += refs.len() as u64;
                    done.pages += 1;
                }
                if w.part.records > 0 {
                    done.signins.push(store.path("query"));
                }
            }
        }
        Ok(done)
    }

    fn slices(&mut self, store: &mut Store, mut w: Writer, url: &str, table: Table, user: Option<&str>, done: &mut Fetched) -> Result<Option<std::path::PathBuf>> {
        done.resumed |= w.resumed;
        if w.continued {
            self.note(&format!("{}: carrying on the fetch begun earlier in this directory, with its own window (--restart for a new one)", table.name()));
        }
        while let Some(next) = w.part.next.clone() {
            // The window is the one the fetch began with (a resume keeps it).
            let (from, len, until) = parse_slice(&next).ok_or_else(|| Error::new(ErrorKind::Syntax, format!("the fetch state's next slice {next:?} is damaged")).hint("start over with --restart"))?;
            let to = chrono::Duration::from_std(len).ok().and_then(|d| from.checked_add_signed(d)).unwrap_or(until).min(until);
            let query = table_query(table, &from, &to, user);
            let body = serde_json::json!({ "query": query, "timespan": format!("{}/{}", time(&from), time(&to)) });
            let a = self.ask(url, &body, done)?;
            if let Some(e) = &a.error {
                // Cut off by the API's limits: the same slice, halved.
                if len / 2 < MIN_SLICE {
                    return Err(cut_off(e).hint("this table holds too much in one minute to read through the API; export it instead"));
                }
                w.part.next = Some(slice_state(&from, len / 2, &until));
                continue;
            }
            let rows = rows_of(a)?;
            let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
            // A slice that came whole lets the next be twice as long, up to a day.
            let after = if to >= until { None } else { Some(slice_state(&to, (len * 2).min(SLICE), &until)) };
            store.page(&mut w, &refs, after)?;
            done.records += refs.len() as u64;
            done.pages += 1;
            self.note(&format!("{}: {} to {}, {} rows so far", table.name(), time(&from), time(&to), w.part.records));
        }
        let path = store.path(table.file());
        Ok(w.part.records > 0).map(|some| some.then_some(path))
    }

    fn ask(&mut self, url: &str, body: &serde_json::Value, done: &mut Fetched) -> Result<Answer> {
        let sent = self.http.send(Api::LogAnalytics, &self.scope(Api::LogAnalytics), url, Some(body))?;
        done.retries += sent.retries;
        serde_json::from_slice(&sent.body)
            .map_err(|e| Error::new(ErrorKind::Service, format!("Log Analytics' answer is not a query result: {e}")).hint("run the same command again: the fetch resumes at this slice"))
    }
}

/// `time|seconds|until`: where the next slice starts, how long it is, and
/// where the window ends.
fn slice_state(from: &DateTime<Utc>, len: Duration, until: &DateTime<Utc>) -> String {
    format!("{}|{}|{}", time(from), len.as_secs(), time(until))
}

fn parse_slice(s: &str) -> Option<(DateTime<Utc>, Duration, DateTime<Utc>)> {
    let mut it = s.split('|');
    let (t, n, u) = (it.next()?, it.next()?, it.next()?);
    let len = Duration::from_secs(n.parse().ok()?);
    // A damaged length would loop (0) or overflow: refused.
    (MIN_SLICE..=SLICE).contains(&len).then_some(())?;
    Some((t.parse().ok()?, len, u.parse().ok()?))
}

fn cut_off(e: &serde_json::Value) -> Error {
    let code = e["code"].as_str().unwrap_or("PartialError");
    let msg = e["details"][0]["innererror"]["message"].as_str().or(e["message"].as_str()).unwrap_or("");
    Error::new(ErrorKind::Service, format!("Log Analytics cut the answer off ({code}: {msg})"))
}

/// Each row as a JSON object keyed by column name.
fn rows_of(a: Answer) -> Result<Vec<String>> {
    let Some(t) = a.tables.into_iter().next() else {
        return Err(Error::new(ErrorKind::Service, "Log Analytics' answer holds no table"));
    };
    t.rows
        .into_iter()
        .map(|row| {
            if row.len() != t.columns.len() {
                return Err(Error::new(ErrorKind::Service, format!("Log Analytics sent a row of {} values for {} columns", row.len(), t.columns.len())));
            }
            let obj: serde_json::Map<String, serde_json::Value> = t.columns.iter().map(|c| c.name.clone()).zip(row).collect();
            Ok(serde_json::Value::Object(obj).to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_queries_escape_users() {
        // A time that did not read would show in the query compared below.
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap_or_default();
        let q = table_query(Table::SigninLogs, &t("2026-11-28T00:00:00Z"), &t("2026-11-29T00:00:00Z"), Some("o'neil@contoso.com"));
        assert_eq!(q, "SigninLogs | where TimeGenerated >= datetime(2026-11-28T00:00:00Z) and TimeGenerated < datetime(2026-11-29T00:00:00Z) | where UserPrincipalName =~ 'o\\'neil@contoso.com' | order by TimeGenerated asc");
    }

    #[test]
    fn rows_become_objects() -> Result<(), Box<dyn std::error::Error>> {
        let a: Answer = serde_json::from_str(
            r#"{"tables":[{"name":"PrimaryResult","columns":[{"name":"TimeGenerated","type":"datetime"},{"name":"Status","type":"dynamic"}],"rows":[["2026-11-28T00:00:00Z","{\"errorCode\":50074}"]]}]}"#,
        )?;
        assert_eq!(rows_of(a)?, vec![r#"{"Status":"{\"errorCode\":50074}","TimeGenerated":"2026-11-28T00:00:00Z"}"#]);
        Ok(())
    }

    #[test]
    fn slices_round_trip() -> Result<(), Box<dyn std::error::Error>> {
        let from: DateTime<Utc> = "2026-11-28T00:00:00Z".parse()?;
        let until: DateTime<Utc> = "2026-11-30T00:00:00Z".parse()?;
        assert_eq!(parse_slice(&slice_state(&from, SLICE, &until)), Some((from, SLICE, until)));
        assert_eq!(parse_slice("2026-11-28T00:00:00Z|0|2026-11-30T00:00:00Z"), None);
        assert_eq!(parse_slice("2026-11-28T00:00:00Z|999999999999|2026-11-30T00:00:00Z"), None);
        Ok(())
    }
}
