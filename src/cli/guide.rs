//! `signin-doctor guide`: a guided walk for a helpdesk agent with a caller on
//! the line. On a terminal it asks with arrow keys or numbers; with no
//! terminal it reads answers line by line from standard input (README,
//! "Guided mode without a terminal"), and never waits for a terminal.

use super::common::load_rules;
use super::exit;
use super::{out, outln};
use clap::ValueEnum;
use signin_doctor::output::{self, TicketFormat};
use signin_doctor::{Answer, Applied, Line, Outcome, Prompt, Step};
use signin_doctor::{Error, ErrorKind, Facts, Rules, Selector, Session};
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
    #[arg(long, value_name = "FILE")]
    signin: Vec<PathBuf>,
    /// Audit log.
    #[arg(long, value_name = "FILE", requires = "signin")]
    audit: Vec<PathBuf>,
    /// Organisation settings (RON).
    #[arg(long, value_name = "FILE", requires = "signin")]
    org: Option<PathBuf>,
    /// Diagnose the attempt holding this record id.
    #[arg(long, value_name = "ID", requires = "signin", conflicts_with_all = ["correlation_id", "user"])]
    id: Option<String>,
    /// Diagnose the attempt with this correlation id.
    #[arg(long, value_name = "ID", requires = "signin", conflicts_with = "user")]
    correlation_id: Option<String>,
    /// Diagnose this user's latest failure (UPN or object id).
    #[arg(long, value_name = "UPN", requires = "signin")]
    user: Option<String>,
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
    #[arg(long, value_name = "FILE", conflicts_with_all = ["signin", "audit", "org"])]
    resume: Option<PathBuf>,
    /// Resume a session saved with other rules: walk it again with these
    /// (answers they no longer accept are dropped, and you are told).
    #[arg(long, requires = "resume")]
    accept_rule_changes: bool,
}

fn save(session: &Session, path: &Path) -> Result<(), Error> {
    let text = session.to_sealed_json(&super::key::session_key()?)?;
    super::outfile::write_file(path, (text + "\n").as_bytes())
}

/// A library error about a session, with the file it came from.
pub fn at_file(e: Error, path: &Path) -> Error {
    let err = Error::from_parts(e.kind(), e.message(), path);
    match e.hint_text() {
        Some(h) => err.with_hint(h),
        None => err,
    }
}

pub fn load_session(path: &Path, rules: &Rules, accept_rule_changes: bool) -> Result<Session, Error> {
    let text = signin_doctor::read_text_file(path)?;
    let (s, notes) = Session::from_sealed_json(&text, rules, &super::key::session_key()?, accept_rule_changes).map_err(|e| at_file(e, path))?;
    for msg in notes {
        eprintln!("note: {msg}");
    }
    Ok(s)
}

fn start(a: &Args, rules: &Rules) -> Result<Session, Error> {
    if let Some(p) = &a.resume {
        return load_session(p, rules, a.accept_rule_changes);
    }
    if a.signin.is_empty() {
        return Ok(Session::without_log(rules));
    }
    let (ev, org) = super::common::load_logs(&a.signin, &a.audit, a.org.as_ref(), a.input_format, false)?;
    let selector = who_and_which(a, &ev)?;
    let attempt = ev.select(&selector)?;
    super::common::say_if_success(&attempt, &selector);
    Ok(Session::new(rules, Facts::derive(&attempt, &ev, org.as_ref()), &attempt))
}

/// Who is on the line, and which of their sign-ins they mean. A log of
/// several users' failures and no --user: in a terminal the agent picks the
/// user, without one it is an error listing them (never the newest failure
/// of whoever). A user with several failures: in a terminal the agent picks
/// one (newest first); without one the newest, and a note lists the others.
fn who_and_which(a: &Args, ev: &signin_doctor::Evidence) -> Result<Selector, Error> {
    if a.id.is_some() || a.correlation_id.is_some() {
        return Ok(Selector::new(a.id.clone(), a.correlation_id.clone(), a.user.clone()));
    }
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let failed: Vec<signin_doctor::Attempt> = ev.attempts().into_iter().filter(signin_doctor::Attempt::failed).collect();
    let user_of = |at: &signin_doctor::Attempt| {
        let d = at.deciding();
        d.user_principal_name.clone().or_else(|| d.user_id.clone()).unwrap_or_else(|| "(no user in the log)".into())
    };
    let user = match &a.user {
        Some(u) => u.clone(),
        None => {
            let mut users: Vec<(String, usize)> = Vec::new();
            for at in failed.iter().rev() {
                let u = user_of(at);
                match users.iter_mut().find(|(x, _)| x.eq_ignore_ascii_case(&u)) {
                    Some((_, n)) => *n += 1,
                    None => users.push((u, 1)),
                }
            }
            if users.len() <= 1 {
                return Ok(Selector::new(None, None, None));
            }
            let labels: Vec<String> = users.iter().map(|(u, n)| format!("{u} ({n} failed sign-in{})", if *n == 1 { "" } else { "s" })).collect();
            if !interactive {
                let shown: Vec<&str> = labels.iter().take(20).map(String::as_str).collect();
                let more = if labels.len() > 20 { format!(" and {} more", labels.len() - 20) } else { String::new() };
                return Err(Error::from_parts(ErrorKind::NotFound, format!("the log holds failed sign-ins of {} users; say who is on the line with --user", users.len()), Path::new(""))
                    .with_hint(format!("{}{more}", shown.join(", "))));
            }
            match inquire::Select::new("The log holds several users' failures. Who is on the line?", labels.clone())
                .with_scorer(&|input, _, label, _| (input.is_empty() || label.to_lowercase().starts_with(&input.trim().to_lowercase())).then_some(0))
                .prompt()
            {
                Ok(l) => users[labels.iter().position(|x| *x == l).unwrap_or(0)].0.clone(),
                Err(e) => return Err(Error::from_parts(ErrorKind::Session, format!("no user was picked: {e}"), Path::new(""))),
            }
        }
    };
    let theirs: Vec<&signin_doctor::Attempt> =
        failed.iter().rev().filter(|at| at.records().iter().any(|r| [&r.user_principal_name, &r.user_id].iter().any(|x| x.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(&user))))).collect();
    if theirs.len() <= 1 {
        return Ok(Selector::new(None, None, Some(user)));
    }
    let describe = |at: &signin_doctor::Attempt| {
        let d = at.deciding();
        let when = d.created.map_or("(no time)".to_string(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string());
        let app = d.app_display_name.as_deref().unwrap_or("(no app)");
        let code = d.error_code().map_or("no error code".to_string(), |c| format!("error {c}"));
        let id = d.id.as_deref().map(|i| format!(" · id {i}")).unwrap_or_default();
        output::terminal_safe(&format!("{when} · {app} · {code}{id}")).into_owned()
    };
    let labels: Vec<String> = theirs.iter().map(|at| describe(at)).collect();
    let pick = if interactive {
        match inquire::Select::new(&format!("{user} has {} failed sign-ins. Which one is the call about?", theirs.len()), labels.clone()).prompt() {
            Ok(l) => labels.iter().position(|x| *x == l).unwrap_or(0),
            Err(e) => return Err(Error::from_parts(ErrorKind::Session, format!("no sign-in was picked: {e}"), Path::new(""))),
        }
    } else {
        eprintln!("note: {} has {} failed sign-ins; taking the latest ({}). Pick another with --id: {}", output::terminal_safe(&user), theirs.len(), labels[0], labels[1..].join("; "));
        0
    };
    let chosen = theirs[pick];
    let id = chosen.deciding().id.clone();
    Ok(match id {
        Some(id) => Selector::new(Some(id), None, None),
        None => Selector::new(None, chosen.correlation_id().map(String::from), Some(user)),
    })
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

pub fn run(a: Args) -> Result<i32, Error> {
    check_outputs(&a)?;
    let rules = load_rules(a.rules.as_ref())?;
    let mut session = start(&a, &rules)?;
    for s in &a.answer {
        let ans: Answer = s.parse()?;
        session.answer(&rules, &ans.question, &ans.choice)?;
    }
    if !session.subject.records.is_empty() {
        outln!("Sign-in attempt: {}", output::subject_line(&session.subject));
    } else {
        outln!("No sign-in log: the walk goes by what the caller tells you.");
    }
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let code = if interactive { interactive_walk(&a, &rules, &mut session)? } else { line_walk(&a, &rules, &mut session)? };
    if let Some(code) = code {
        return Ok(code);
    }
    finish(&a, &rules, &session)
}

fn finish(a: &Args, rules: &Rules, session: &Session) -> Result<i32, Error> {
    let outcome = session.outcome(rules)?;
    outln!("");
    out!("{}", diagnosis_part(&outcome, rules, session));
    let fmt = match a.ticket_format {
        NoteFormat::Markdown => TicketFormat::Markdown,
        NoteFormat::Text => TicketFormat::Text,
    };
    let note = output::ticket(session, &outcome, rules, fmt, a.redact);
    outln!("\n──────── ticket note ────────\n");
    out!("{note}");
    if let Some(p) = &a.ticket {
        super::outfile::write_file(p, note.as_bytes())?;
        eprintln!("ticket note written to {}", p.display());
    }
    if let Some(p) = &a.save {
        save(session, p)?;
        eprintln!("session saved to {}", p.display());
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

fn print_new_steps(outcome: &Outcome, shown: &mut usize) {
    if *shown == 0 && outcome.trace.iter().any(|s| !matches!(s, Step::Question { .. })) {
        outln!("\nWhat the data settled (and what the caller answered):");
    }
    // Each line says where its answer came from: the data, or the caller.
    for line in output::trace_lines_from(&outcome.trace[(*shown).min(outcome.trace.len())..], *shown) {
        let source = if line.split_once(". ").is_some_and(|(_, rest)| rest.starts_with("Asked: ")) { "caller" } else { "data  " };
        outln!("  {source} │ {line}");
    }
    *shown = outcome.trace.len();
}

// ---- on a terminal ------------------------------------------------------------------------

#[derive(Clone)]
enum Pick {
    Choice(String, String),
    Back,
    Note,
    Save,
}

impl std::fmt::Display for Pick {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Pick::Choice(_, label) => f.write_str(label),
            Pick::Back => f.write_str("← Go back and change an earlier answer"),
            Pick::Note => f.write_str("✎ Add a note for the ticket"),
            Pick::Save => f.write_str("⤓ Save the session and stop"),
        }
    }
}

/// What typed text picks, best first: a number picks the choice with that
/// number; a choice id picks that choice; otherwise the typed words must
/// begin the label's words from its start ("no" is "No, nothing arrived",
/// never "... did not approve ..."); "back", "note" and "save" pick the
/// actions. Nothing else matches, so a stray word cannot pick an answer.
fn score(input: &str, pick: &Pick, label: &str, _: usize) -> Option<i64> {
    let input = input.trim().to_lowercase();
    if input.is_empty() {
        return Some(0);
    }
    if input.chars().all(|c| c.is_ascii_digit()) {
        return label.starts_with(&format!("{input}. ")).then_some(100);
    }
    let keyword = match pick {
        Pick::Choice(id, _) => return (id.eq_ignore_ascii_case(&input).then_some(90)).or_else(|| leading_words(&input, label).then_some(50)),
        Pick::Back => "back",
        Pick::Note => "note",
        Pick::Save => "save",
    };
    keyword.starts_with(&input).then_some(40)
}

/// Whether the typed words begin the label's words, in order, from the
/// label's first word (its number left out).
fn leading_words(typed: &str, label: &str) -> bool {
    let text = label.split_once(". ").filter(|(n, _)| n.chars().all(|c| c.is_ascii_digit())).map_or(label, |(_, t)| t);
    let words = |s: &str| -> Vec<String> { s.split(|c: char| !c.is_alphanumeric() && c != '\'').filter(|w| !w.is_empty()).map(str::to_lowercase).collect() };
    let (typed, words) = (words(typed), words(text));
    !typed.is_empty() && typed.len() <= words.len() && typed.iter().zip(&words).enumerate().all(|(i, (t, w))| if i + 1 == typed.len() { w.starts_with(t.as_str()) } else { t == w })
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

/// Keystrokes already waiting after a prompt returned (the rest of a paste),
/// as text: characters and line breaks, taken until the input has been
/// quiet for 60 ms. Empty when nothing is waiting or the terminal cannot say.
fn rest_of_paste() -> String {
    use crossterm::event::{poll, read, Event, KeyCode, KeyEventKind};
    let mut text = String::new();
    if crossterm::terminal::enable_raw_mode().is_err() {
        return text;
    }
    while poll(std::time::Duration::from_millis(60)).unwrap_or(false) {
        match read() {
            Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => match k.code {
                KeyCode::Char(c) => text.push(c),
                KeyCode::Enter => text.push('\n'),
                KeyCode::Tab => text.push('\t'),
                _ => {}
            },
            Ok(Event::Paste(p)) => text.push_str(&p),
            Ok(_) => {}
            Err(_) => break,
        }
        if text.len() > MAX_LINE {
            break;
        }
    }
    let _ = crossterm::terminal::disable_raw_mode();
    text
}

fn interrupted(a: &Args, session: &Session) -> Result<Option<i32>, Error> {
    let path = save_path(a, session);
    save(session, &path)?;
    eprintln!("\nInterrupted. Session saved to {}; continue with: signin-doctor guide --resume {}", path.display(), path.display());
    Ok(Some(130))
}

fn ask_choice(q: &Prompt, current: Option<&str>, with_actions: bool) -> Result<Pick, inquire::InquireError> {
    let mut options: Vec<Pick> = q.choices.iter().enumerate().map(|(i, c)| Pick::Choice(c.id.clone(), format!("{}. {}", i + 1, c.label))).collect();
    if with_actions {
        options.extend([Pick::Back, Pick::Note, Pick::Save]);
    }
    let cursor = current.and_then(|c| q.choices.iter().position(|x| x.id == c)).unwrap_or(0);
    inquire::Select::new(&q.text, options)
        .with_help_message("↑↓, or type the number or the answer's first words, then Enter · Esc goes back")
        .with_scorer(&score)
        .with_starting_cursor(cursor)
        .with_page_size(12)
        .prompt()
}

fn interactive_walk(a: &Args, rules: &Rules, session: &mut Session) -> Result<Option<i32>, Error> {
    use inquire::InquireError::{OperationCanceled, OperationInterrupted};
    let mut shown = 0;
    loop {
        let outcome = session.outcome(rules)?;
        print_new_steps(&outcome, &mut shown);
        let Some(q) = outcome.question().cloned() else { return Ok(None) };
        outln!("");
        if let Some(h) = &q.help {
            outln!("  How to find out: {h}");
        }
        let answered: Vec<(String, String)> = outcome
            .trace
            .iter()
            .filter_map(|s| match s {
                Step::Question { node, text, .. } => Some((node.clone(), text.clone())),
                _ => None,
            })
            .collect();
        match ask_choice(&q, None, true) {
            Ok(Pick::Choice(id, _)) => session.answer(rules, &q.id, &id)?,
            Ok(Pick::Note) => match inquire::Text::new("Note for the ticket:").with_help_message("Enter ends the note; a pasted text of several lines is kept whole").prompt() {
                Ok(t) => {
                    // A paste of several lines (a terminal without bracketed
                    // paste) ends the prompt at its first line break: the rest
                    // is still waiting as keystrokes. It belongs to the note,
                    // never to the next question.
                    let rest = rest_of_paste();
                    let note = if rest.is_empty() { t.trim().to_string() } else { format!("{}\n{}", t.trim_end(), rest.trim_end()) };
                    if !note.trim().is_empty() {
                        session.add_note(&q.id, note.trim());
                        if !rest.is_empty() {
                            outln!("  (the pasted lines went into the note: {} lines in all)", note.lines().count());
                        }
                    }
                }
                Err(OperationCanceled) => {}
                Err(OperationInterrupted) => return interrupted(a, session),
                Err(e) => return Err(Error::from_parts(ErrorKind::Session, e.to_string(), Path::new(""))),
            },
            Ok(Pick::Save) => {
                let path = save_path(a, session);
                save(session, &path)?;
                outln!("Session saved to {}; continue with: signin-doctor guide --resume {}", path.display(), path.display());
                return Ok(Some(exit::NEEDS_ANSWER));
            }
            Ok(Pick::Back) | Err(OperationCanceled) => {
                if answered.is_empty() {
                    outln!("  (no earlier question to go back to)");
                    continue;
                }
                let target = if answered.len() == 1 {
                    answered[0].0.clone()
                } else {
                    let labels: Vec<String> = answered.iter().map(|(id, text)| format!("{id}: {text}")).collect();
                    match inquire::Select::new("Which answer do you want to change?", labels.clone()).with_starting_cursor(labels.len() - 1).prompt() {
                        Ok(l) => answered[labels.iter().position(|x| *x == l).unwrap_or(0)].0.clone(),
                        Err(OperationCanceled) => continue,
                        Err(OperationInterrupted) => return interrupted(a, session),
                        Err(e) => return Err(Error::from_parts(ErrorKind::Session, e.to_string(), Path::new(""))),
                    }
                };
                // Ask that question again; later answers stay and are reused where the new path passes them.
                let Some(rq) = rules.question(&target) else { continue };
                let prompt = Prompt::from_question(rq, &session.facts);
                let current = session.answers.iter().find(|x| x.question == target).map(|x| x.choice.clone());
                match ask_choice(&prompt, current.as_deref(), false) {
                    Ok(Pick::Choice(id, _)) => {
                        session.answer(rules, &target, &id)?;
                        shown = 0;
                        outln!("\nThe walk again, with the changed answer:");
                    }
                    Ok(_) | Err(OperationCanceled) => {}
                    Err(OperationInterrupted) => return interrupted(a, session),
                    Err(e) => return Err(Error::from_parts(ErrorKind::Session, e.to_string(), Path::new(""))),
                }
            }
            Err(OperationInterrupted) => return interrupted(a, session),
            Err(e) => return Err(Error::from_parts(ErrorKind::Session, format!("the terminal prompt failed: {e}"), Path::new(""))),
        }
    }
}

// ---- without a terminal: one line per answer ----------------------------------------------

/// The longest line the protocol reads (a note pasted from a log is far
/// shorter); a longer one is an error, not memory without end.
const MAX_LINE: usize = 64 << 10;

/// One line of standard input, at most `MAX_LINE` bytes; `None` at the end.
fn next_line<R: BufRead>(input: &mut R) -> Option<std::io::Result<String>> {
    let mut buf = Vec::new();
    match std::io::Read::take(input, MAX_LINE as u64 + 1).read_until(b'\n', &mut buf) {
        Ok(0) => None,
        Ok(_) if buf.len() > MAX_LINE && !buf.ends_with(b"\n") => Some(Err(std::io::Error::other(format!("a line is longer than {} KiB", MAX_LINE >> 10)))),
        Ok(_) => Some(String::from_utf8(buf).map(|s| s.trim_end_matches(['\n', '\r']).to_string()).map_err(|_| std::io::Error::other("a line is not UTF-8 text"))),
        Err(e) => Some(Err(e)),
    }
}

/// Lines after the walk has reached its diagnosis are not dropped: a note
/// goes into the ticket, blank lines and comments are nothing, and anything
/// else (an answer no question is waiting for) is an error naming its line.
fn after_the_end(input: &mut impl BufRead, n: &mut usize, session: &mut Session, at: &str) -> Result<(), Error> {
    while let Some(l) = next_line(input) {
        let l = l.map_err(|e| Error::from_parts(ErrorKind::Io, format!("cannot read standard input: {e}"), Path::new("")))?;
        *n += 1;
        match Line::parse(&l) {
            Ok(Line::Nothing | Line::Quit) => {}
            Ok(Line::Note(text)) => session.add_note(at, &text),
            _ => {
                return Err(Error::from_parts(
                    ErrorKind::BadAnswer,
                    format!("standard input line {n}: the walk has already reached its diagnosis ({at}); only notes can follow, not `{}`", l.trim()),
                    Path::new(""),
                ))
            }
        }
    }
    Ok(())
}

fn line_walk(a: &Args, rules: &Rules, session: &mut Session) -> Result<Option<i32>, Error> {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut shown = 0;
    let mut n = 0;
    let mut asked = String::new();
    loop {
        let outcome = session.outcome(rules)?;
        print_new_steps(&outcome, &mut shown);
        let Some(q) = outcome.question().cloned() else {
            after_the_end(&mut input, &mut n, session, outcome.diagnosis().map_or("the end", |d| d.id.as_str()))?;
            return Ok(None);
        };
        if asked != q.id {
            outln!("\n? [{}] {}", q.id, q.text);
            if let Some(h) = &q.help {
                outln!("  help: {h}");
            }
            let ids: Vec<&str> = q.choices.iter().map(|c| c.id.as_str()).collect();
            outln!("  choices: {}", ids.join(" | "));
            asked = q.id.clone();
        }
        let (line, n) = loop {
            match next_line(&mut input) {
                None => {
                    if let Some(p) = &a.save {
                        save(session, p)?;
                        eprintln!("session saved to {}", p.display());
                    }
                    eprintln!("error: no answer on standard input for question `{}` (standard input is not a terminal; see README, \"Guided mode without a terminal\")", q.id);
                    return Ok(Some(exit::NEEDS_ANSWER));
                }
                Some(Err(e)) => return Err(Error::from_parts(ErrorKind::Io, format!("cannot read standard input: {e}"), Path::new(""))),
                Some(Ok(l)) => {
                    n += 1;
                    match Line::parse(&l) {
                        Ok(Line::Nothing) => {}
                        other => break (other, n),
                    }
                }
            }
        };
        let at = |e: Error| Error::from_parts(e.kind(), format!("standard input line {n}: {}", e), Path::new(""));
        let line = line.map_err(at)?;
        match session.apply_line(rules, &q.id, &line).map_err(at)? {
            Applied::Continue => match line {
                Line::Note(_) => outln!("  (note added)"),
                // A step back or an answer ahead can change the path: show the walk again from the top.
                Line::Back(_) | Line::AnswerTo(_) => {
                    shown = 0;
                    asked.clear();
                }
                _ => {}
            },
            Applied::Save(file) => {
                let p = match file {
                    Some(f) => {
                        let p = PathBuf::from(f);
                        confined(&p)?;
                        p
                    }
                    None => save_path(a, session),
                };
                save_checked(a, session, &p)?;
                eprintln!("session saved to {}", p.display());
            }
            Applied::Quit => {
                if let Some(p) = &a.save {
                    save(session, p)?;
                    eprintln!("session saved to {}", p.display());
                }
                return Ok(Some(exit::NEEDS_ANSWER));
            }
        }
    }
}
