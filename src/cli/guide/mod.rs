//! `signin-doctor guide`: a guided walk for a helpdesk agent with a caller on
//! the line. On a terminal it asks with arrow keys or numbers; with no
//! terminal it reads answers line by line from standard input (README,
//! "Guided mode without a terminal"), and never waits for a terminal.

mod lines;
mod screen;
mod select;
mod terminal;
mod text_input;

use lines::{line_walk, MAX_LINE};
use screen::Screen;
use terminal::interactive_walk;

use super::common::load_rules;
use super::exit;
use super::{out, outln};
use clap::ValueEnum;
use signin_doctor::output::{self, TicketFormat};
use signin_doctor::{Answer, Applied, Confidence, Line, Outcome, Prompt, Step};
use signin_doctor::{Error, ErrorKind, Rules, Selector, Session};
use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum NoteFormat {
    /// Markdown.
    Markdown,
    /// Plain text.
    Text,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Sign-in log. Without one, the walk starts from what the user sees.
    #[arg(long, value_name = "FILE", conflicts_with = "from_graph")]
    signin: Vec<PathBuf>,
    /// Audit log.
    #[arg(long, value_name = "FILE", requires = "signin")]
    audit: Vec<PathBuf>,
    /// Organisation settings (RON), with a log (--signin or --from-graph).
    #[arg(long, value_name = "FILE")]
    org: Option<PathBuf>,
    /// Diagnose the attempt holding this record id (without a log: the
    /// request id the caller read out, to say which log to fetch).
    #[arg(long, value_name = "ID", conflicts_with_all = ["correlation_id", "user"])]
    id: Option<String>,
    /// Diagnose the attempt with this correlation id (without a log: the one
    /// the caller read out, to say which log to fetch).
    #[arg(long, value_name = "ID", conflicts_with = "user")]
    correlation_id: Option<String>,
    /// Diagnose this user's latest failure (UPN or object id); without a
    /// log, the caller's name for the ticket.
    #[arg(long, value_name = "UPN")]
    user: Option<String>,
    /// Without a log: the error code on the caller's screen (AADSTS50126 or
    /// 50126); the walk starts from it.
    #[arg(long, value_name = "CODE", conflicts_with_all = ["signin", "resume", "from_graph"])]
    error_code: Option<String>,
    /// The ticket or case number, for the ticket note.
    #[arg(long = "case", value_name = "ID")]
    case_id: Option<String>,
    /// The agent's name, for the ticket note.
    #[arg(long, value_name = "NAME", env = "SIGNIN_DOCTOR_AGENT")]
    agent: Option<String>,
    /// Show every check the data settled with the facts it read, not the
    /// short summary (in a terminal, "details" shows them at any question).
    #[arg(long)]
    details: bool,
    /// Rule directory (default: the rules built into this binary).
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// Answer questions ahead: QUESTION_ID=CHOICE_ID (repeatable).
    #[arg(long, value_name = "QUESTION_ID=CHOICE_ID")]
    answer: Vec<String>,
    /// Also write the ticket note to this file.
    #[arg(long, value_name = "FILE")]
    ticket: Option<PathBuf>,
    /// The ticket note's format.
    #[arg(long, value_enum, default_value_t = NoteFormat::Markdown)]
    ticket_format: NoteFormat,
    /// Mask user names, UPNs and IP addresses in the ticket note.
    #[arg(long)]
    redact: bool,
    /// Save the session here at the end, on "save", and on Ctrl-C.
    #[arg(long, value_name = "FILE")]
    save: Option<PathBuf>,
    /// Force the input format instead of detecting it.
    #[arg(long, value_enum, default_value_t = super::common::FormatArg::Auto)]
    input_format: super::common::FormatArg,
    /// Resume a saved session (its facts are in the file; no log is needed).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["signin", "audit", "org", "from_graph"])]
    resume: Option<PathBuf>,
    /// Resume a session saved with other rules: walk it again with these
    /// (answers they no longer accept are dropped, and you are told).
    #[arg(long, requires = "resume")]
    accept_rule_changes: bool,
    #[command(flatten)]
    graph: super::fetch::FromGraph,
}

fn save(session: &Session, path: &Path) -> Result<(), Error> {
    let text = session.to_sealed_json(&super::key::session_key()?)?;
    super::outfile::write_file(path, (text + "\n").as_bytes())?;
    // Personal data: readable by its owner only, even saved over a file that was not.
    #[cfg(unix)]
    if std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|e| Error::from_write(path, &e))?;
    }
    Ok(())
}

/// A library error about a session, with the file it came from.
pub fn at_file(e: Error, path: &Path) -> Error {
    let err = Error::from_parts(e.kind(), e.message(), path);
    match e.hint_text() {
        Some(h) => err.with_hint(h),
        None => err,
    }
}

/// Read a saved session; the notes about changed rules are printed and
/// given back, to be said again next to the result.
pub fn load_session(path: &Path, rules: &Rules, accept_rule_changes: bool) -> Result<(Session, Vec<String>), Error> {
    let text = signin_doctor::read_text_file(path)?;
    let (s, notes) = Session::from_sealed_json(&text, rules, &super::key::session_key()?, accept_rule_changes).map_err(|e| at_file(e, path))?;
    for msg in &notes {
        super::ui::note(format!("note: {msg}"));
    }
    Ok((s, notes))
}

/// An error code as a caller reads it out: `AADSTS50126`, `50126`.
pub(super) fn parse_error_code(text: &str) -> Result<i64, Error> {
    let t = text.trim();
    let digits = if t.len() >= 6 && t.is_char_boundary(6) && t[..6].eq_ignore_ascii_case("aadsts") { &t[6..] } else { t };
    match digits.parse::<i64>() {
        Ok(c) if (1..1_000_000_000).contains(&c) && digits.chars().all(|c| c.is_ascii_digit()) => Ok(c),
        _ => Err(Error::from_parts(ErrorKind::BadAnswer, format!("`{}` is not an error code", output::terminal_safe(t)), Path::new(""))
            .with_hint("an error code is AADSTS followed by digits, e.g. AADSTS50126, or the digits alone")),
    }
}

/// Without a log: what the caller read out starts the walk, and a request
/// id, correlation id or user name says which log to fetch.
fn start_without_log(a: &Args, rules: &Rules, interactive: bool) -> Result<Session, Error> {
    outln!("No sign-in log: the walk goes by what the caller tells you.");
    let filter = match (&a.id, &a.correlation_id, &a.user) {
        (Some(id), _, _) => Some(format!("Request ID {id}")),
        (_, Some(c), _) => Some(format!("Correlation ID {c}")),
        (_, _, Some(u)) => Some(format!("User {u}, the last 24 hours")),
        _ => None,
    };
    if let Some(f) = filter {
        let f = output::terminal_safe(&f);
        outln!("To diagnose from the log: Entra admin center > Monitoring & health > Sign-in logs, filter by {f}, Download > JSON;");
        outln!("then run `signin-doctor guide --signin FILE` with the same option. Until then, the walk goes by the caller's answers.");
    }
    let code = match &a.error_code {
        Some(c) => Some(parse_error_code(c)?),
        None if interactive => terminal::ask_error_code()?,
        None => None,
    };
    let mut session = match code {
        Some(c) => Session::from_error_code(rules, c),
        None => Session::without_log(rules),
    };
    session.subject.user = a.user.clone();
    session.subject.correlation_id = a.correlation_id.clone();
    session.subject.record_ids = a.id.iter().cloned().collect();
    Ok(session)
}

fn start(a: &Args, rules: &Rules, interactive: bool) -> Result<(Session, Vec<String>), Error> {
    if let Some(p) = &a.resume {
        return load_session(p, rules, a.accept_rule_changes);
    }
    if a.signin.is_empty() {
        return Ok((start_without_log(a, rules, interactive)?, Vec::new()));
    }
    let logs = super::common::Logs::open(&a.signin, &a.audit, a.input_format)?;
    let org = a.org.as_ref().map(|p| signin_doctor::OrgSettings::from_file(p)).transpose()?;
    let by_id = a.id.is_some() || a.correlation_id.is_some();
    let user = if by_id { None } else { select::who(a, &logs.failed_users(), interactive)? };
    let selector = Selector::new(a.id.clone(), a.correlation_id.clone(), user.clone().or_else(|| a.user.clone()));
    let located = logs.locate(&selector)?;
    let selector = match user {
        Some(u) => select::which(&located.evidence, u, interactive)?,
        None => selector,
    };
    let attempt = located.evidence.select(&selector)?;
    super::common::say_if_success(&attempt, &selector);
    Ok((Session::new(rules, located.facts(&attempt, org.as_ref()), &attempt), Vec::new()))
}

/// The files the call reads, which nothing it writes may replace.
fn inputs_of(a: &Args) -> Vec<(&'static str, PathBuf)> {
    let mut inputs: Vec<(&str, PathBuf)> = super::common::rule_files(a.rules.as_ref());
    inputs.extend(a.signin.iter().map(|p| ("--signin", p.clone())));
    inputs.extend(a.audit.iter().map(|p| ("--audit", p.clone())));
    inputs.extend(a.org.iter().map(|p| ("--org", p.clone())));
    inputs
}

/// Refuse a ticket or session path that would overwrite an input (a saved
/// session may be written back over the one resumed) or cannot be written,
/// before the call starts rather than at its end; and make sure the key that
/// seals a saved session is at hand, so a Ctrl-C save cannot fail on it.
fn check_outputs(a: &Args) -> Result<(), Error> {
    let inputs = inputs_of(a);
    let inputs: Vec<(&str, &Path)> = inputs.iter().map(|(f, p)| (*f, p.as_path())).collect();
    let mut outputs: Vec<(&str, &Path)> = Vec::new();
    outputs.extend(a.ticket.iter().map(|p| ("--ticket", p.as_path())));
    outputs.extend(a.save.iter().map(|p| ("--save", p.as_path())));
    super::outfile::check(&outputs, &inputs)?;
    if let (Some(t), Some(r)) = (&a.ticket, &a.resume) {
        super::outfile::check(&[("--ticket", t)], &[("--resume", r)])?;
    }
    super::key::session_key()?;
    Ok(())
}

/// A file named on a `save FILE` line (a chat bot may pass a caller's text
/// into it) must stay below the working directory.
fn confined(path: &Path) -> Result<(), Error> {
    if path.is_absolute() || path.components().any(|c| !matches!(c, std::path::Component::Normal(_) | std::path::Component::CurDir)) {
        return Err(Error::from_parts(ErrorKind::Write, "a `save` line writes only below the working directory (no absolute path, no `..`)", path)
            .with_hint("give --save FILE on the command line to save elsewhere"));
    }
    Ok(())
}

/// A save at run time gets the same checks as --save.
fn save_checked(a: &Args, session: &Session, path: &Path) -> Result<(), Error> {
    let inputs = inputs_of(a);
    let inputs: Vec<(&str, &Path)> = inputs.iter().map(|(f, p)| (*f, p.as_path())).collect();
    super::outfile::check(&[("save", path)], &inputs)?;
    if let Some(t) = &a.ticket {
        super::outfile::check(&[("save", path)], &[("--ticket", t)])?;
    }
    save(session, path)
}

/// Whether the walk can use the terminal's keys: both ends a terminal, and
/// not a dumb one (TERM=dumb gets the line protocol: no cursor codes).
fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal() && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

pub fn run(mut a: Args) -> Result<i32, Error> {
    if a.org.is_some() && a.signin.is_empty() && !a.graph.from_graph {
        return Err(Error::from_parts(ErrorKind::BadOrg, "--org needs a log: the settings are read with --signin FILE or --from-graph", Path::new("")));
    }
    check_outputs(&a)?;
    // Fetched logs are read as files, and removed when the call ends.
    let _fetched = if a.graph.from_graph {
        let f = a.graph.fetch(a.id.as_deref(), a.correlation_id.as_deref(), a.user.as_deref(), None)?;
        a.signin = f.signins.clone();
        a.audit = f.audit.clone();
        Some(f)
    } else {
        None
    };
    let rules = load_rules(a.rules.as_ref())?;
    let interactive = interactive();
    if !super::ui::color_stdout() {
        inquire::set_global_render_config(inquire::ui::RenderConfig::empty());
    }
    let (mut session, resume_notes) = start(&a, &rules, interactive)?;
    if a.case_id.is_some() {
        session.call.case = a.case_id.clone();
    }
    if a.agent.is_some() {
        session.call.agent = a.agent.clone();
    }
    session.call.started.get_or_insert_with(|| chrono::Utc::now().format("%Y-%m-%d %H:%M").to_string());
    for s in &a.answer {
        let ans: Answer = s.parse()?;
        session.answer(&rules, &ans.question, &ans.choice)?;
    }
    let mut screen = Screen::new(a.details);
    if !interactive {
        // A terminal shows the header at every question; the line protocol once.
        screen.header(&session);
    }
    let code = if interactive { interactive_walk(&a, &rules, &mut session, &mut screen, &resume_notes)? } else { line_walk(&a, &rules, &mut session, &mut screen)? };
    if let Some(code) = code {
        return Ok(code);
    }
    finish(&a, &rules, &session, &resume_notes)
}

fn finish(a: &Args, rules: &Rules, session: &Session, resume_notes: &[String]) -> Result<i32, Error> {
    let outcome = session.outcome(rules)?;
    outln!("");
    out!("{}", diagnosis_part(&outcome, rules, session));
    if outcome.confidence == Confidence::Provisional {
        outln!("\nPROVISIONAL: {}.", outcome.confidence.says());
    }
    for n in resume_notes {
        outln!("Note: {n}");
    }
    let fmt = match a.ticket_format {
        NoteFormat::Markdown => TicketFormat::Markdown,
        NoteFormat::Text => TicketFormat::Text,
    };
    let note = output::ticket(session, &outcome, rules, fmt, a.redact);
    outln!("\n──────── ticket note ────────\n");
    out!("{note}");
    if let Some(p) = &a.ticket {
        super::outfile::write_file(p, note.as_bytes())?;
        super::ui::note(format!("ticket note written to {}", p.display()));
    }
    if let Some(p) = &a.save {
        save(session, p)?;
        super::ui::note(format!("session saved to {}", p.display()));
    }
    Ok(exit::OK)
}

/// The diagnosis, its evidence and next steps (the text output without the trace).
fn diagnosis_part(outcome: &Outcome, rules: &Rules, session: &Session) -> String {
    let full = output::text(outcome, &session.subject, rules);
    match full.find("Diagnosis: ") {
        Some(i) => full[i..].to_string(),
        None => full,
    }
}

/// Where a session is saved when no file was named: back to the file it
/// was resumed from, else a new file named for the time and the user, never
/// over an existing one.
fn save_path(a: &Args, session: &Session) -> PathBuf {
    if let Some(p) = a.save.clone().or_else(|| a.resume.clone()) {
        return p;
    }
    let user: String =
        session.subject.user.as_deref().unwrap_or("no-log").split('@').next().unwrap_or("").chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')).take(40).collect();
    let stem = format!("signin-doctor-session-{}-{}", chrono::Utc::now().format("%Y%m%d-%H%M%S"), if user.is_empty() { "user" } else { &user });
    let mut path = PathBuf::from(format!("{stem}.json"));
    let mut n = 2;
    while path.exists() {
        path = PathBuf::from(format!("{stem}-{n}.json"));
        n += 1;
    }
    path
}
