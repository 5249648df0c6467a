//! The walk in a terminal: arrow keys, typed answers, notes, back and save.

use super::*;

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

pub(super) fn interactive_walk(a: &Args, rules: &Rules, session: &mut Session) -> Result<Option<i32>, Error> {
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
