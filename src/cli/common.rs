//! Shared CLI pieces: loading rules and inputs, reporting errors.

use clap::ValueEnum;
use signin_doctor::{Error, Evidence, OrgSettings, Rules, Selector};
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
    if std::io::stderr().is_terminal() {
        let mut s = codespan_reporting::term::termcolor::StandardStream::stderr(codespan_reporting::term::termcolor::ColorChoice::Auto);
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
    #[arg(long, value_name = "FILE", required = true)]
    pub signin: Vec<PathBuf>,
    /// Audit log (Graph directoryAudit, same shapes). Without it, audit facts are unknown.
    #[arg(long, value_name = "FILE")]
    pub audit: Vec<PathBuf>,
    /// Organisation settings (RON; see examples/org.ron).
    #[arg(long, value_name = "FILE")]
    pub org: Option<PathBuf>,
    /// Diagnose the attempt holding this record id (request id).
    #[arg(long, value_name = "ID", conflicts_with_all = ["correlation_id", "user"])]
    pub id: Option<String>,
    /// Diagnose the attempt with this correlation id.
    #[arg(long, value_name = "ID", conflicts_with = "user")]
    pub correlation_id: Option<String>,
    /// Diagnose this user's most recent failure (UPN or object id).
    #[arg(long, value_name = "UPN")]
    pub user: Option<String>,
    /// Force the input format instead of detecting it.
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    pub input_format: FormatArg,
}

/// Read sign-ins, audit events and org settings from the command line's files.
pub fn load_logs(signin: &[PathBuf], audit: &[PathBuf], org: Option<&PathBuf>, format: FormatArg, skip_bad: bool) -> Result<(Evidence, Option<OrgSettings>), Error> {
    let mut b = Evidence::builder().input_format(format.get()).skip_bad_records(skip_bad);
    for s in signin {
        b = b.signins_file(s)?;
    }
    for a in audit {
        b = b.audit_file(a)?;
    }
    let org = org.map(|p| OrgSettings::from_file(p)).transpose()?;
    Ok((b.build(), org))
}

impl Inputs {
    pub fn load(&self) -> Result<(Evidence, Option<OrgSettings>), Error> {
        load_logs(&self.signin, &self.audit, self.org.as_ref(), self.input_format, false)
    }
    pub fn selector(&self) -> Selector {
        Selector::new(self.id.clone(), self.correlation_id.clone(), self.user.clone())
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
        eprintln!("{}", signin_doctor::output::terminal_safe(&note));
    }
}
