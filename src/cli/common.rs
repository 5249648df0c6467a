//! Shared CLI pieces: loading rules and inputs, reporting errors.

use clap::ValueEnum;
use signin_doctor::{Error, Evidence, EvidenceBuilder, OrgSettings, Rules, Selector};
use std::io::IsTerminal;
use std::path::PathBuf;

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Text for a person.
    #[default]
    Text,
    /// JSON for other tools.
    Json,
}

/// `--input-format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum FormatArg {
    /// Detect from the content.
    #[default]
    Auto,
    /// JSON in any shape (object, array, Graph page, JSON Lines, Log Analytics, Azure Monitor).
    Json,
    /// A CSV export (Entra admin center or Log Analytics; the kind is read from the header row).
    Csv,
}

impl FormatArg {
    pub fn get(self) -> signin_doctor::InputFormat {
        match self {
            FormatArg::Auto => signin_doctor::InputFormat::Auto,
            FormatArg::Json => signin_doctor::InputFormat::Json,
            FormatArg::Csv => signin_doctor::InputFormat::Csv,
        }
    }
}

/// Print an error to stderr and return its exit code.
pub fn report(e: &Error) -> i32 {
    // An error may quote a record or a file name: control characters are escaped.
    let text = e.to_string();
    let text = signin_doctor::output::terminal_safe(&text);
    if let Some(errs) = e.rule_errors() {
        eprint!("{}", render_rule_errors(errs));
    }
    eprintln!("error: {text}");
    super::exit::of(e)
}

pub fn render_rule_errors(errs: &signin_doctor::RuleErrors) -> String {
    if std::io::stderr().is_terminal() || super::ui::color_choice() == super::ui::ColorChoice::Always {
        use codespan_reporting::term::termcolor::ColorChoice;
        let choice = if super::ui::color_stderr() { ColorChoice::Always } else { ColorChoice::Never };
        let mut s = codespan_reporting::term::termcolor::StandardStream::stderr(choice);
        let _ = errs.render(&mut s);
        String::new()
    } else {
        errs.render_plain()
    }
}

/// Rules from `--rules DIR`, else the embedded ones.
pub fn load_rules(dir: Option<&PathBuf>) -> Result<Rules, Error> {
    match dir {
        Some(d) => Rules::load_dir(d),
        None => Rules::embedded(),
    }
    .inspect(|r| super::ui::detail(format!("rules: {} ({} trees, fingerprint {})", dir.map_or_else(|| "built in".to_string(), |d| d.display().to_string()), r.trees().len(), r.fingerprint())))
}

/// The rule files of `--rules DIR`, as inputs no output may overwrite.
pub fn rule_files(dir: Option<&PathBuf>) -> Vec<(&'static str, PathBuf)> {
    let Some(d) = dir else { return Vec::new() };
    let Ok(rd) = std::fs::read_dir(d) else { return Vec::new() };
    rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "ron")).map(|p| ("--rules", p)).collect()
}

/// Inputs shared by commands that read logs.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Inputs {
    /// Sign-in log: Graph signIn JSON (object, array or {"value": [...]}), JSON Lines, Log Analytics rows.
    #[arg(long, value_name = "FILE", required_unless_present = "from_graph", conflicts_with = "from_graph")]
    pub signin: Vec<PathBuf>,
    /// Audit log (Graph directoryAudit, same shapes). Without it, audit facts are unknown.
    #[arg(long, value_name = "FILE", conflicts_with = "from_graph")]
    pub audit: Vec<PathBuf>,
    /// Organisation settings (RON; see examples/org.ron).
    #[arg(long, value_name = "FILE")]
    pub org: Option<PathBuf>,
    #[command(flatten)]
    pub pick: Pick,
    /// Force the input format instead of detecting it.
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    pub input_format: FormatArg,
    #[command(flatten)]
    pub graph: super::fetch::FromGraph,
}

/// Which attempt of a log: by record id, correlation id or user (the
/// latest failure); by default the latest failed attempt.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Pick {
    /// The attempt holding this record id (request id).
    #[arg(long, value_name = "ID", conflicts_with_all = ["correlation_id", "user"])]
    pub id: Option<String>,
    /// The attempt with this correlation id.
    #[arg(long, value_name = "ID", conflicts_with = "user")]
    pub correlation_id: Option<String>,
    /// This user's most recent failure (UPN or object id).
    #[arg(long, value_name = "UPN")]
    pub user: Option<String>,
}

impl Pick {
    pub fn selector(&self) -> Selector {
        Selector::new(self.id.clone(), self.correlation_id.clone(), self.user.clone())
    }
}

/// Read sign-ins, audit events and org settings from the command line's files.
pub fn load_logs(signin: &[PathBuf], audit: &[PathBuf], org: Option<&PathBuf>, format: FormatArg, skip_bad: bool) -> Result<(Evidence, Option<OrgSettings>), Error> {
    load_logs_with(Evidence::builder(), signin, audit, org, format, skip_bad)
}

/// [`load_logs`] into a builder set up by the caller (batch triage keeps
/// only the audit log's index).
pub fn load_logs_with(b: EvidenceBuilder, signin: &[PathBuf], audit: &[PathBuf], org: Option<&PathBuf>, format: FormatArg, skip_bad: bool) -> Result<(Evidence, Option<OrgSettings>), Error> {
    let mut b = b.input_format(format.get()).skip_bad_records(skip_bad);
    for s in signin {
        b = b.signins_file(s)?;
    }
    for a in audit {
        b = b.audit_file(a)?;
    }
    let org = org.map(|p| OrgSettings::from_file(p)).transpose()?;
    Ok((b.build(), org))
}

/// The sign-in logs of a call: regular files are streamed once and indexed
/// (a 300 MB export is never held whole); standard input, pipes and devices
/// are loaded whole, as they cannot be read twice.
pub enum Logs {
    Indexed(Box<(signin_doctor::LogIndex, signin_doctor::EvidenceBuilder)>),
    Whole(Evidence),
}

impl Logs {
    pub fn open(signin: &[PathBuf], audit: &[PathBuf], format: FormatArg) -> Result<Logs, Error> {
        let regular = |p: &PathBuf| p.as_os_str() != "-" && std::fs::metadata(p).is_ok_and(|m| m.is_file());
        if !signin.iter().all(regular) {
            let (ev, _) = load_logs(signin, audit, None, format, false)?;
            return Ok(Logs::Whole(ev));
        }
        let index = match signin_doctor::LogIndex::scan(signin, format.get()) {
            Ok(index) => index,
            // The whole-record reader says more exactly what is wrong with a
            // record (its column, a hint) and reads a few layouts the
            // streaming one refuses (pages nested in an array): let it.
            Err(_) => return Ok(Logs::Whole(load_logs(signin, audit, None, format, false)?.0)),
        };
        let mut b = Evidence::builder().input_format(format.get());
        for a in audit {
            b = b.audit_file(a)?;
        }
        Ok(Logs::Indexed(Box::new((index, b))))
    }

    /// The users with failed sign-ins, newest failure first, with their failed attempts.
    pub fn failed_users(&self) -> Vec<(String, usize)> {
        match self {
            Logs::Indexed(ib) => ib.0.failed_users(),
            Logs::Whole(ev) => ev.failed_users(),
        }
    }

    /// The records the selector picks from, with the whole log's history.
    pub fn locate(self, sel: &Selector) -> Result<signin_doctor::Located, Error> {
        match self {
            Logs::Indexed(ib) => {
                let (index, b) = *ib;
                index.locate(sel, b)
            }
            Logs::Whole(ev) => Ok(signin_doctor::Located::whole(ev)),
        }
    }
}

impl Inputs {
    /// With `--from-graph`, fetch the picked attempt's logs, which are then
    /// read as files; the fetch's files last as long as what it returns.
    pub fn fetch_if_asked(&mut self) -> Result<Option<super::fetch::Fetch>, Error> {
        if !self.graph.from_graph {
            return Ok(None);
        }
        let f = self.graph.fetch(self.pick.id.as_deref(), self.pick.correlation_id.as_deref(), self.pick.user.as_deref(), None)?;
        self.signin = f.signins.clone();
        self.audit = f.audit.clone();
        Ok(Some(f))
    }
    /// The attempt the options select, with its facts' surroundings.
    pub fn locate(&self) -> Result<(signin_doctor::Located, signin_doctor::Attempt, Option<OrgSettings>), Error> {
        let org = self.org.as_ref().map(|p| OrgSettings::from_file(p)).transpose()?;
        let located = Logs::open(&self.signin, &self.audit, self.input_format)?.locate(&self.selector())?;
        let attempt = located.evidence.select(&self.selector())?;
        Ok((located, attempt, org))
    }
    pub fn selector(&self) -> Selector {
        self.pick.selector()
    }
}

/// Say on standard error when the attempt picked for a named user is a
/// success (the user's log holds no failure): the walk then examines it.
pub fn say_if_success(attempt: &signin_doctor::Attempt, selector: &Selector) {
    if let (false, Some(user)) = (attempt.failed(), selector.user.as_deref()) {
        let d = attempt.deciding();
        let when = d.created.map(|t| t.format(" at %Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default();
        let app = d.app_display_name.as_deref().map(|a| format!(" to {a}")).unwrap_or_default();
        let note = format!("note: the log holds no failed sign-in for {user}; examining their latest successful sign-in{app}{when}, to see whether it was really theirs.");
        super::ui::note(signin_doctor::output::terminal_safe(&note));
    }
}

/// A `--since`/`--until` value, read against the clock now.
pub fn when(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    signin_doctor::triage::parse_when(s, chrono::Utc::now())
}

/// Refuse a window that holds no time: `since` at or after `until`.
pub fn nonempty(since: chrono::DateTime<chrono::Utc>, until: chrono::DateTime<chrono::Utc>) -> Result<(), String> {
    if since >= until {
        return Err(format!("--since ({}) is not before --until ({}): the window is empty", since.format("%Y-%m-%d %H:%M:%S UTC"), until.format("%Y-%m-%d %H:%M:%S UTC")));
    }
    Ok(())
}
