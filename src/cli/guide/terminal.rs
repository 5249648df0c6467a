//! The walk in a terminal: arrow keys, typed answers, notes, back and save.

use super::text_input::{read_text, Typed};
use super::*;

#[derive(Clone)]
enum Pick {
    Choice(String, String),
    Finish,
    Back,
    Note,
    Details,
    Save,
}

impl std::fmt::Display for Pick {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Pick::Choice(_, label) => f.write_str(label),
            Pick::Finish => f.write_str("✓ Finish: show the next steps and write the ticket note"),
            Pick::Back => f.write_str("← Back: change an earlier answer"),
            Pick::Note => f.write_str("✎ Note: add a note for the ticket"),
            Pick::Details => f.write_str("☰ Details: every check the data settled, with its facts"),
            Pick::Save => f.write_str("⤓ Save: save the session and stop"),
        }
    }
}

/// What typed text picks, best first: a number picks the choice with that
/// number; a choice id picks that choice; otherwise the typed words must
/// begin the label's words from its start ("no" is "No, nothing arrived",
/// never "... did not approve ..."); "back", "note", "details", "save"
/// and "finish" pick the actions. Nothing else matches, so a stray word cannot pick an answer.
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
        Pick::Finish => "finish",
        Pick::Back => "back",
        Pick::Note => "note",
        Pick::Details => "details",
        Pick::Save => "save",
    };
    keyword.starts_with(&input).then_some(40)
}

/// Whether the typed words begin the label's words, in order, from the
/// label's first word (its number left out).
fn leading_words(typed: &str, label: &str) -> bool {
    let text = label.split_once(". ").filter(|(n, _)| n.chars().all(|c| c.is_ascii_digit())).map_or(label, |(_, t)| t);
    // Apostrophes are dropped, so "dont" and "don't" both begin "Don't know".
    let words =
        |s: &str| -> Vec<String> { s.split(|c: char| !c.is_alphanumeric() && !matches!(c, '\'' | '’')).map(|w| w.replace(['\'', '’'], "").to_lowercase()).filter(|w| !w.is_empty()).collect() };
    let (typed, words) = (words(typed), words(text));
    !typed.is_empty() && typed.len() <= words.len() && typed.iter().zip(&words).enumerate().all(|(i, (t, w))| if i + 1 == typed.len() { w.starts_with(t.as_str()) } else { t == w })
}

/// What the walk does after the agent's pick.
enum Flow {
    /// Show the walk again and go on.
    Again,
    /// The agent finished with the result.
    Done,
    /// Stop with this exit code (saved, or interrupted).
    Stop(i32),
}

fn prompt_error(e: inquire::InquireError) -> Error {
    Error::from_parts(ErrorKind::Session, format!("the terminal prompt failed: {e}"), Path::new(""))
}

fn interrupted(a: &Args, session: &Session) -> Result<Flow, Error> {
    let path = save_path(a, session);
    save(session, &path)?;
    eprintln!("\nInterrupted. Session saved to {}; continue with: signin-doctor guide --resume {}", path.display(), path.display());
    Ok(Flow::Stop(130))
}

fn save_and_stop(a: &Args, session: &Session) -> Result<Flow, Error> {
    let path = save_path(a, session);
    save(session, &path)?;
    outln!("Session saved to {}; continue with: signin-doctor guide --resume {}", path.display(), path.display());
    Ok(Flow::Stop(exit::NEEDS_ANSWER))
}

/// The footer: the keys and words that act.
const FOOTER: &str = "↑↓ or the number or first words of an answer, then Enter · Esc: back · type note, details or save";

fn ask_choice(q: &Prompt, current: Option<&str>, with_actions: bool) -> Result<Pick, inquire::InquireError> {
    let mut options: Vec<Pick> = q.choices.iter().enumerate().map(|(i, c)| Pick::Choice(c.id.clone(), format!("{}. {}", i + 1, c.label))).collect();
    if with_actions {
        options.extend([Pick::Back, Pick::Note, Pick::Details, Pick::Save]);
    }
    let cursor = current.and_then(|c| q.choices.iter().position(|x| x.id == c)).unwrap_or(0);
    inquire::Select::new(&q.text, options)
        .with_help_message(if with_actions { FOOTER } else { "↑↓ or the number or first words of an answer, then Enter · Esc: keep the answer" })
        .with_scorer(&score)
        .with_starting_cursor(cursor)
        .with_page_size(12)
        .prompt()
}

fn typed(prompt: &str) -> Result<Typed, Error> {
    read_text(prompt).map_err(|e| Error::from_parts(ErrorKind::Session, format!("the terminal prompt failed: {e}"), Path::new("")))
}

/// A note for the ticket; a paste of several lines is kept whole.
fn take_note(a: &Args, session: &mut Session, at: &str) -> Result<Flow, Error> {
    outln!("  (Enter ends the note; a pasted text of several lines is kept whole; Esc: no note)");
    let note = match typed("Note for the ticket: ")? {
        Typed::Text(t) => t,
        Typed::Cancelled => return Ok(Flow::Again),
        Typed::Interrupted => return interrupted(a, session),
    };
    let note = note.trim();
    if !note.is_empty() {
        session.add_note(at, note);
        let lines = note.lines().count();
        outln!("  (note added{})", if lines > 1 { format!(", {lines} lines") } else { String::new() });
    }
    Ok(Flow::Again)
}

/// Change an earlier answer: pick the question (the only one, or from a
/// list), and answer it again. Later answers stay and are used again where
/// the new path passes them.
fn go_back(a: &Args, rules: &Rules, session: &mut Session, outcome: &Outcome, screen: &mut Screen) -> Result<Flow, Error> {
    use inquire::InquireError::{OperationCanceled, OperationInterrupted};
    let answered: Vec<(String, String)> = outcome
        .trace
        .iter()
        .filter_map(|s| match s {
            Step::Question { node, text, .. } => Some((node.clone(), text.clone())),
            _ => None,
        })
        .collect();
    if answered.is_empty() {
        outln!("  (no earlier question to go back to)");
        return Ok(Flow::Again);
    }
    let target = if answered.len() == 1 {
        answered[0].0.clone()
    } else {
        let labels: Vec<String> = answered.iter().enumerate().map(|(i, (_, text))| format!("{}. {text}", i + 1)).collect();
        match inquire::Select::new("Which answer do you want to change?", labels.clone()).with_starting_cursor(labels.len() - 1).prompt() {
            Ok(l) => answered[labels.iter().position(|x| *x == l).unwrap_or(0)].0.clone(),
            Err(OperationCanceled) => return Ok(Flow::Again),
            Err(OperationInterrupted) => return interrupted(a, session),
            Err(e) => return Err(prompt_error(e)),
        }
    };
    let Some(rq) = rules.question(&target) else { return Ok(Flow::Again) };
    let prompt = Prompt::from_question(rq, &session.facts);
    let current = session.answers.iter().find(|x| x.question == target).map(|x| x.choice.clone());
    match ask_choice(&prompt, current.as_deref(), false) {
        Ok(Pick::Choice(id, _)) => {
            session.answer(rules, &target, &id)?;
            screen.again();
            outln!("\nThe walk again, with the changed answer:");
            Ok(Flow::Again)
        }
        Ok(_) | Err(OperationCanceled) => Ok(Flow::Again),
        Err(OperationInterrupted) => interrupted(a, session),
        Err(e) => Err(prompt_error(e)),
    }
}

/// After the last answer: the result, and the choice to finish, go back,
/// add a note, see the details or save, before the ticket is written.
fn review(a: &Args, rules: &Rules, session: &mut Session, outcome: &Outcome, screen: &mut Screen, resume_notes: &[String]) -> Result<Flow, Error> {
    use inquire::InquireError::{OperationCanceled, OperationInterrupted};
    outln!("");
    for l in screen::result_lines(outcome, session, resume_notes) {
        outln!("{l}");
    }
    let asked = outcome.trace.iter().any(|s| matches!(s, Step::Question { .. }));
    let mut options = vec![Pick::Finish];
    if asked {
        options.push(Pick::Back);
    }
    options.extend([Pick::Note, Pick::Details, Pick::Save]);
    let help = if asked { "Enter finishes · Esc: back · type note, details or save" } else { "Enter finishes · type note, details or save" };
    match inquire::Select::new("Finish with this result?", options).with_help_message(help).with_scorer(&score).prompt() {
        Ok(Pick::Finish) => Ok(Flow::Done),
        Ok(Pick::Back) | Err(OperationCanceled) if asked => go_back(a, rules, session, outcome, screen),
        Ok(Pick::Note) => take_note(a, session, outcome.diagnosis().map_or("the end", |d| d.id.as_str())),
        Ok(Pick::Details) => {
            screen.all_steps(outcome);
            Ok(Flow::Again)
        }
        Ok(Pick::Save) => save_and_stop(a, session),
        Ok(_) | Err(OperationCanceled) => Ok(Flow::Again),
        Err(OperationInterrupted) => interrupted(a, session),
        Err(e) => Err(prompt_error(e)),
    }
}

/// Without a log and without --error-code: the code on the caller's screen,
/// if there is one (AADSTS50126 or 50126); Enter or Esc skips it.
pub(super) fn ask_error_code() -> Result<Option<i64>, Error> {
    outln!("If the caller's screen shows an error code (AADSTS followed by digits), type it; otherwise press Enter.");
    loop {
        let t = match typed("Error code: ")? {
            Typed::Text(t) => t,
            Typed::Cancelled => return Ok(None),
            Typed::Interrupted => return Err(Error::from_parts(ErrorKind::Session, "interrupted before the walk began; nothing to save", Path::new(""))),
        };
        if t.trim().is_empty() {
            return Ok(None);
        }
        match parse_error_code(&t) {
            Ok(c) => return Ok(Some(c)),
            Err(e) => outln!("  {}", e.message()),
        }
    }
}

pub(super) fn interactive_walk(a: &Args, rules: &Rules, session: &mut Session, screen: &mut Screen, resume_notes: &[String]) -> Result<Option<i32>, Error> {
    use inquire::InquireError::{OperationCanceled, OperationInterrupted};
    loop {
        let outcome = session.outcome(rules)?;
        screen.header(session);
        screen.steps(&outcome, session);
        let flow = match outcome.question().cloned() {
            None => review(a, rules, session, &outcome, screen, resume_notes)?,
            Some(q) => {
                outln!("");
                screen::question_intro(&q);
                match ask_choice(&q, None, true) {
                    Ok(Pick::Choice(id, _)) => {
                        session.answer(rules, &q.id, &id)?;
                        Flow::Again
                    }
                    Ok(Pick::Note) => take_note(a, session, &q.id)?,
                    Ok(Pick::Details) => {
                        screen.all_steps(&outcome);
                        Flow::Again
                    }
                    Ok(Pick::Save) => save_and_stop(a, session)?,
                    Ok(Pick::Back | Pick::Finish) | Err(OperationCanceled) => go_back(a, rules, session, &outcome, screen)?,
                    Err(OperationInterrupted) => interrupted(a, session)?,
                    Err(e) => return Err(prompt_error(e)),
                }
            }
        };
        match flow {
            Flow::Again => {}
            Flow::Done => return Ok(None),
            Flow::Stop(code) => return Ok(Some(code)),
        }
    }
}
