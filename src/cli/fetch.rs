//! `signin-doctor fetch graph|loganalytics`, and `--from-graph` on
//! `diagnose`, `guide` and `triage`: the logs read where they live, into
//! files that are then read like any export.

use std::path::{Path, PathBuf};

use signin_doctor::fetch::{Credential, Endpoints, Fetched, Fetcher, GraphRequest, GraphVersion, LaQuery, Output, Secret, Table, Who, Window};
use signin_doctor::{Error, ErrorKind};

use super::exit;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand, Debug)]
enum What {
    /// Sign-ins and audit events from Microsoft Graph (`auditLogs`).
    #[command(after_help = "Examples:
  signin-doctor fetch graph --since 2d --out fetched/ --client-secret-file secret.txt
  signin-doctor fetch graph --since 1d --user alex@contoso.com --audit-since 30d --out alex/ --azure-cli
  signin-doctor fetch graph --since 7d --include-non-interactive --gzip --out week/ --device-code")]
    Graph(GraphArgs),
    /// Rows of a Log Analytics workspace: a table over a window, or a KQL query.
    #[command(
        name = "loganalytics",
        after_help = "Examples:
  signin-doctor fetch loganalytics --workspace ID --table SigninLogs --since 2d --out la/ --azure-cli
  signin-doctor fetch loganalytics --workspace ID --table AuditLogs --since 30d --user alex@contoso.com --out la/
  signin-doctor fetch loganalytics --workspace ID --query 'SigninLogs | where ResultType == 500121' --out q/"
    )]
    LogAnalytics(LaArgs),
}

/// How to sign in, and where the services are.
#[derive(clap::Args, Debug, Clone, Default)]
#[command(next_help_heading = "Signing in to Microsoft Entra ID")]
pub struct AuthArgs {
    /// The directory (tenant) id, or a verified domain.
    #[arg(long, value_name = "ID", env = "SIGNIN_DOCTOR_TENANT")]
    tenant: Option<String>,
    /// The app registration's application (client) id.
    #[arg(long, value_name = "ID", env = "SIGNIN_DOCTOR_CLIENT_ID")]
    client_id: Option<String>,
    /// Sign in as the app with the client secret held in this file.
    #[arg(long, value_name = "FILE", env = "SIGNIN_DOCTOR_CLIENT_SECRET_FILE")]
    client_secret_file: Option<PathBuf>,
    /// Sign in as the app with a certificate: a PEM file with the private
    /// key and the certificate uploaded to the app registration.
    #[arg(long, value_name = "FILE", env = "SIGNIN_DOCTOR_CERTIFICATE")]
    certificate: Option<PathBuf>,
    /// Sign in as yourself in a browser, with a code shown here.
    #[arg(long)]
    device_code: bool,
    /// Use the Azure CLI's sign-in (`az login`).
    #[arg(long)]
    azure_cli: bool,
    /// The Microsoft Entra sign-in service.
    #[arg(long, value_name = "URL", env = "SIGNIN_DOCTOR_AUTHORITY", default_value = "https://login.microsoftonline.com")]
    authority: String,
    /// Microsoft Graph.
    #[arg(long, value_name = "URL", env = "SIGNIN_DOCTOR_GRAPH_URL", default_value = "https://graph.microsoft.com")]
    graph_url: String,
    /// The Log Analytics query API.
    #[arg(long, value_name = "URL", env = "SIGNIN_DOCTOR_LOGANALYTICS_URL", default_value = "https://api.loganalytics.io")]
    loganalytics_url: String,
    /// Tries per request, when throttled (429) or the service is out (503).
    #[arg(long, value_name = "N", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=20))]
    max_tries: u32,
}

/// Where a fetch writes, shared by both sources.
#[derive(clap::Args, Debug, Clone)]
struct OutArgs {
    /// The directory for the files (made owner-only).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// gzip the files.
    #[arg(long)]
    gzip: bool,
    /// Start over instead of resuming the fetch already in --out.
    #[arg(long)]
    restart: bool,
}

#[derive(clap::Args, Debug)]
struct GraphArgs {
    /// Sign-ins from this time: a span back from now (`2d`, `12h`), a date or a time.
    #[arg(long, value_name = "WHEN", value_parser = super::common::when)]
    since: chrono::DateTime<chrono::Utc>,
    /// Sign-ins until this time (default: now).
    #[arg(long, value_name = "WHEN", value_parser = super::common::when)]
    until: Option<chrono::DateTime<chrono::Utc>>,
    /// One user's sign-ins (UPN or object id), and the audit events they
    /// started or were the target of.
    #[arg(long, value_name = "UPN|ID")]
    user: Option<String>,
    /// Audit events from this time (default: --since).
    #[arg(long, value_name = "WHEN", value_parser = super::common::when)]
    audit_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Sign-ins only, no audit events.
    #[arg(long, conflicts_with = "audit_since")]
    no_audit: bool,
    /// Non-interactive sign-ins too (token refreshes; Graph beta only).
    #[arg(long)]
    include_non_interactive: bool,
    /// The Graph version: beta has each MFA step (`authenticationDetails`).
    #[arg(long, value_enum, default_value_t = ApiVersion::Beta)]
    api_version: ApiVersion,
    #[command(flatten)]
    out: OutArgs,
    #[command(flatten)]
    auth: AuthArgs,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, Default)]
pub enum ApiVersion {
    #[default]
    Beta,
    #[value(name = "v1.0")]
    V1,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy)]
#[allow(clippy::enum_variant_names)]
enum TableArg {
    #[value(name = "SigninLogs")]
    SigninLogs,
    #[value(name = "AADNonInteractiveUserSignInLogs")]
    NonInteractive,
    #[value(name = "AuditLogs")]
    AuditLogs,
}

#[derive(clap::Args, Debug)]
struct LaArgs {
    /// The workspace ID (a GUID, on the workspace's Overview page).
    #[arg(long, value_name = "ID")]
    workspace: String,
    /// A table to read over --since..--until.
    #[arg(long, value_enum, required_unless_present = "query", conflicts_with = "query", requires = "since")]
    table: Option<TableArg>,
    /// A KQL query instead (its rows are written as they come).
    #[arg(long, value_name = "KQL")]
    query: Option<String>,
    /// From this time (with --table; with --query, the API's timespan).
    #[arg(long, value_name = "WHEN", value_parser = super::common::when)]
    since: Option<chrono::DateTime<chrono::Utc>>,
    /// Until this time (default: now).
    #[arg(long, value_name = "WHEN", value_parser = super::common::when, requires = "since")]
    until: Option<chrono::DateTime<chrono::Utc>>,
    /// One user's rows (with --table).
    #[arg(long, value_name = "UPN", requires = "table")]
    user: Option<String>,
    #[command(flatten)]
    out: OutArgs,
    #[command(flatten)]
    auth: AuthArgs,
}

pub fn run(a: Args) -> Result<i32, Error> {
    // An empty window is a usage error, as it is for triage.
    let usage = |msg: String| {
        eprintln!("error: {msg}");
        exit::USAGE
    };
    let (fetched, out) = match a.what {
        What::Graph(g) => {
            let signins = match window(g.since, g.until) {
                Ok(w) => w,
                Err(m) => return Ok(usage(m)),
            };
            let audit = match g.no_audit {
                true => None,
                false => match window(g.audit_since.unwrap_or(g.since), g.until) {
                    Ok(w) => Some(w),
                    Err(m) => return Ok(usage(m)),
                },
            };
            let who = g.user.map(Who::User).unwrap_or_default();
            let req = GraphRequest { version: g.api_version.into(), signins, audit, who, non_interactive: g.include_non_interactive };
            (g.auth.fetcher()?.graph(&req, &g.out.out, &g.out.output())?, g.out.out)
        }
        What::LogAnalytics(l) => {
            // clap asks for --since with --table, and for --table or --query.
            let w = match l.since.map(|s| window(s, l.until)).transpose() {
                Ok(w) => w,
                Err(m) => return Ok(usage(m)),
            };
            let q = match (l.table, l.query, w) {
                (Some(t), _, Some(window)) => LaQuery::Table { table: t.into(), window, user: l.user },
                (None, Some(query), window) => LaQuery::Kql { query, window },
                _ => return Ok(usage("say what to read: --table with --since, or --query".into())),
            };
            (l.auth.fetcher()?.log_analytics(&l.workspace, &q, &l.out.out, &l.out.output())?, l.out.out)
        }
    };
    report(&fetched, &out);
    Ok(exit::OK)
}

fn report(f: &Fetched, out: &Path) {
    if f.resumed && f.pages == 0 {
        super::ui::note(format!("the fetch in {} was already complete, with its own window; nothing more to read (--restart fetches anew)", out.display()));
    }
    let resumed = if f.resumed { " (resumed)" } else { "" };
    let retried = if f.retries > 0 { format!(", {} requests retried", f.retries) } else { String::new() };
    super::ui::note(format!("fetched {} records in {} pages{resumed}{retried} into {}", f.records, f.pages, out.display()));
    for p in f.signins.iter().chain(&f.audit) {
        super::outln!("{}", p.display());
    }
}

impl From<ApiVersion> for GraphVersion {
    fn from(v: ApiVersion) -> GraphVersion {
        match v {
            ApiVersion::Beta => GraphVersion::Beta,
            ApiVersion::V1 => GraphVersion::V1,
        }
    }
}

impl From<TableArg> for Table {
    fn from(t: TableArg) -> Table {
        match t {
            TableArg::SigninLogs => Table::SigninLogs,
            TableArg::NonInteractive => Table::AADNonInteractiveUserSignInLogs,
            TableArg::AuditLogs => Table::AuditLogs,
        }
    }
}

impl OutArgs {
    fn output(&self) -> Output {
        Output { gzip: self.gzip, restart: self.restart }
    }
}

/// `since..until` (until defaults to now), or why it is empty.
pub fn window(since: chrono::DateTime<chrono::Utc>, until: Option<chrono::DateTime<chrono::Utc>>) -> Result<Window, String> {
    let until = until.unwrap_or_else(chrono::Utc::now);
    super::common::nonempty(since, until)?;
    Ok(Window { since, until })
}

impl AuthArgs {
    /// The credential the options name: exactly one way to sign in.
    fn credential(&self) -> Result<Credential, Error> {
        let ways = [self.client_secret_file.is_some(), self.certificate.is_some(), self.device_code, self.azure_cli].iter().filter(|w| **w).count();
        let how = "sign in with one of --client-secret-file FILE, --certificate FILE (each with --tenant and --client-id), --device-code (with --tenant and --client-id) or --azure-cli";
        if ways != 1 {
            let what = if ways == 0 { "no way to sign in was given" } else { "more than one way to sign in was given" };
            return Err(auth_error(what, how));
        }
        if self.azure_cli {
            return Ok(Credential::AzureCli { tenant: self.tenant.clone() });
        }
        let (Some(tenant), Some(client_id)) = (self.tenant.clone(), self.client_id.clone()) else {
            return Err(auth_error("--tenant and --client-id are needed to sign in as an app or with a device code", "set them, or SIGNIN_DOCTOR_TENANT and SIGNIN_DOCTOR_CLIENT_ID"));
        };
        Ok(if let Some(p) = &self.client_secret_file {
            let secret = read_secret(p)?;
            Credential::ClientSecret { tenant, client_id, secret }
        } else if let Some(p) = &self.certificate {
            Credential::Certificate { tenant, client_id, pem: read_secret(p)? }
        } else {
            Credential::DeviceCode { tenant, client_id }
        })
    }

    pub fn fetcher(&self) -> Result<Fetcher, Error> {
        let endpoints = Endpoints { authority: self.authority.clone(), graph: self.graph_url.clone(), log_analytics: self.loganalytics_url.clone() };
        let retry = signin_doctor::fetch::Retry { attempts: self.max_tries, ..Default::default() };
        let device = self.device_code;
        Ok(Fetcher::new(self.credential()?, endpoints)?.retry(retry).on_note(move |s| {
            // The device code's instructions show even with --quiet: without
            // them no one can sign in.
            if device && s.starts_with("To sign in") {
                eprintln!("{s}");
            } else {
                super::ui::note(s);
            }
        }))
    }
}

fn auth_error(m: &str, hint: &str) -> Error {
    Error::from_parts(ErrorKind::Auth, m, Path::new("")).with_hint(hint)
}

/// A secret file: read whole, trimmed; refused when others may read it.
fn read_secret(p: &Path) -> Result<Secret, Error> {
    let text = signin_doctor::read_text_file(p)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(p) {
            if m.permissions().mode() & 0o077 != 0 {
                super::ui::note(format!("warning: {} may be read by other users of this machine; chmod 600 it", p.display()));
            }
        }
    }
    let t = text.trim();
    if t.is_empty() {
        return Err(Error::from_parts(ErrorKind::Empty, "the secret file is empty", p));
    }
    Ok(Secret::new(t))
}

/// `--from-graph` on `diagnose`, `guide` and `triage`.
#[derive(clap::Args, Debug, Clone, Default)]
#[command(next_help_heading = "Reading the logs from Microsoft Graph")]
pub struct FromGraph {
    /// Read the logs from Microsoft Graph instead of files: with --user,
    /// --id or --correlation-id, that sign-in's records of the last 24 hours
    /// (30 days for an id) and the user's audit events of the 30 days
    /// before; for triage, the window of --since and --until.
    #[arg(long)]
    pub from_graph: bool,
    /// Keep the fetched files in this directory (owner-only); without it
    /// they are removed when the command ends.
    #[arg(long, value_name = "DIR", requires = "from_graph")]
    pub save_fetch: Option<PathBuf>,
    #[command(flatten)]
    pub auth: AuthArgs,
}

/// Files fetched for one command, removed at its end unless kept.
pub struct Fetch {
    pub signins: Vec<PathBuf>,
    pub audit: Vec<PathBuf>,
    _dir: Option<tempfile::TempDir>,
}

/// How far back the audit log is read for a sign-in's history.
const AUDIT_DAYS: i64 = 30;

impl FromGraph {
    /// The sign-ins that `id`, `correlation` or `user` pick (or everyone's
    /// in `window`), with their users' audit events.
    pub fn fetch(&self, id: Option<&str>, correlation: Option<&str>, user: Option<&str>, window: Option<Window>) -> Result<Fetch, Error> {
        let now = chrono::Utc::now();
        let (who, signins) = match (id, correlation, user, window) {
            (Some(i), ..) => (Who::RequestId(i.to_string()), Window { since: now - chrono::Duration::days(AUDIT_DAYS), until: now }),
            (_, Some(c), ..) => (Who::CorrelationId(c.to_string()), Window { since: now - chrono::Duration::days(AUDIT_DAYS), until: now }),
            (_, _, _, Some(w)) => (Who::Everyone, w),
            (_, _, Some(u), None) => (Who::User(u.to_string()), Window { since: now - chrono::Duration::days(1), until: now }),
            _ => {
                return Err(Error::from_parts(ErrorKind::NotFound, "--from-graph needs to know whose sign-ins to read", Path::new(""))
                    .with_hint("add --user UPN (the last 24 hours), --id REQUEST_ID or --correlation-id ID"));
            }
        };
        let audit = Window { since: signins.since - chrono::Duration::days(AUDIT_DAYS), until: signins.until };
        let (dir, tmp) = match &self.save_fetch {
            Some(d) => (d.clone(), None),
            None => {
                let t = tempfile::Builder::new().prefix("signin-doctor-fetch-").tempdir().map_err(|e| Error::from_write(&std::env::temp_dir(), &e))?;
                super::sources::remember_copy(t.path());
                // Ctrl-C while fetching removes what was fetched so far.
                super::sources::remove_copies_on_interrupt();
                (t.path().to_path_buf(), Some(t))
            }
        };
        let req = GraphRequest { version: GraphVersion::Beta, signins, audit: Some(audit), who, non_interactive: false };
        // A kept directory is refreshed: each call asks for a new window.
        let fetched = self.auth.fetcher()?.graph(&req, &dir, &Output { gzip: false, restart: true })?;
        if fetched.signins.is_empty() {
            let whose = match &req.who {
                Who::User(u) => format!("of {u}"),
                Who::RequestId(i) => format!("with the request id {i}"),
                Who::CorrelationId(c) => format!("with the correlation id {c}"),
                _ => "at all".to_string(),
            };
            let (a, b) = (req.signins.since.format("%Y-%m-%d %H:%M UTC"), req.signins.until.format("%Y-%m-%d %H:%M UTC"));
            return Err(Error::from_parts(ErrorKind::NotFound, format!("Microsoft Graph holds no sign-in {whose} from {a} to {b}"), Path::new(""))
                .with_hint("check the name or id; a sign-in shows in Graph a few minutes after it happens, and Graph keeps 30 days"));
        }
        super::ui::detail(format!("fetched {} records from Microsoft Graph into {}", fetched.records, dir.display()));
        let mut audit = fetched.audit;
        if fetched.audit_read && audit.is_empty() {
            // Read, and empty: no audit events for the user, which is not the
            // same as no audit log (its facts would be unknown).
            let none = dir.join("audit-none.json");
            std::fs::write(&none, "{\"value\": []}\n").map_err(|e| Error::from_write(&none, &e))?;
            audit.push(none);
        }
        Ok(Fetch { signins: fetched.signins, audit, _dir: tmp })
    }
}
