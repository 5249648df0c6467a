//! Free text on a terminal (a note for the ticket, an error code read out),
//! edited as in a shell: Backspace, Ctrl-U (the line so far), Ctrl-W (the
//! word before), Ctrl-C (stop and save), Esc or Ctrl-D on nothing (give up).
//!
//! A paste is kept whole: bracketed paste where the terminal has it, and
//! where it has not, a line break followed at once by more input is part of
//! the paste, not the end of the text (a person does not type the next key
//! within 60 ms of Enter; a paste delivers it in the same breath). Keys are
//! read through crossterm, the same reader the menus use, so no keystroke
//! is read ahead and lost between the two.

use super::MAX_LINE;
use crossterm::event::{self, DisableBracketedPaste, EnableBracketedPaste, Event, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::{cursor, queue, style, terminal};
use std::io::Write;
use std::time::Duration;

/// What the agent did with the text prompt.
pub(super) enum Typed {
    /// Entered this text (possibly empty, possibly several pasted lines).
    Text(String),
    /// Gave up (Esc, or Ctrl-D on an empty text).
    Cancelled,
    /// Pressed Ctrl-C: stop the call and save it.
    Interrupted,
}

/// Raw mode and bracketed paste for as long as it lives, whatever happens.
struct Raw;

impl Raw {
    fn on() -> std::io::Result<Raw> {
        terminal::enable_raw_mode()?;
        let _ = crossterm::execute!(std::io::stdout(), EnableBracketedPaste);
        Ok(Raw)
    }
}

impl Drop for Raw {
    fn drop(&mut self) {
        let _ = crossterm::execute!(std::io::stdout(), DisableBracketedPaste);
        let _ = terminal::disable_raw_mode();
    }
}

/// The text with its line breaks shown, cut from the front to fit the width.
fn visible(prompt: &str, text: &str) -> String {
    let width = terminal::size().map_or(80, |(w, _)| usize::from(w)).max(20);
    let shown: String = text.replace('\n', " ⏎ ").chars().filter(|c| !c.is_control()).collect();
    let room = width.saturating_sub(prompt.chars().count() + 2);
    let n = shown.chars().count();
    if n <= room {
        shown
    } else {
        format!("…{}", shown.chars().skip(n - room + 1).collect::<String>())
    }
}

fn render(out: &mut impl Write, prompt: &str, text: &str) -> std::io::Result<()> {
    queue!(out, cursor::MoveToColumn(0), terminal::Clear(terminal::ClearType::CurrentLine), style::Print(prompt), style::Print(visible(prompt, text)))?;
    out.flush()
}

/// Delete the word before the end, and the spaces after it, as Ctrl-W does.
fn delete_word(text: &mut String) {
    let trimmed = text.trim_end_matches([' ', '\t']).len();
    text.truncate(trimmed);
    let start = text.rfind([' ', '\t', '\n']).map_or(0, |i| i + 1);
    text.truncate(start);
}

/// Whether an event is input (a key pressed, a paste), not a key released,
/// a resize or a change of focus.
fn is_input(ev: &Event) -> bool {
    matches!(ev, Event::Paste(_)) || matches!(ev, Event::Key(k) if k.kind != KeyEventKind::Release)
}

/// After Enter: the next input if it comes within 60 ms (the rest of a
/// paste), ignoring key releases (Windows reports them), resizes and focus.
fn more_within_60ms() -> std::io::Result<Option<Event>> {
    let deadline = std::time::Instant::now() + Duration::from_millis(60);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() || !event::poll(left)? {
            return Ok(None);
        }
        let ev = event::read()?;
        if is_input(&ev) {
            return Ok(Some(ev));
        }
    }
}

/// Read one text at `prompt`.
pub(super) fn read_text(prompt: &str) -> std::io::Result<Typed> {
    let raw = Raw::on()?;
    let mut out = std::io::stdout();
    let mut text = String::new();
    let mut pending: Option<Event> = None;
    let mut cut = false;
    render(&mut out, prompt, &text)?;
    let typed = loop {
        let ev = match pending.take() {
            Some(ev) => ev,
            None => event::read()?,
        };
        match ev {
            Event::Paste(p) => text.push_str(&p.replace("\r\n", "\n").replace('\r', "\n")),
            Event::Key(k) if k.kind != KeyEventKind::Release => {
                // AltGr arrives as Ctrl+Alt on Windows: with Alt held it is a character, not a shortcut.
                let ctrl = k.modifiers.contains(KeyModifiers::CONTROL) && !k.modifiers.contains(KeyModifiers::ALT);
                match k.code {
                    KeyCode::Char('c') if ctrl => break Typed::Interrupted,
                    KeyCode::Char('d') if ctrl && text.is_empty() => break Typed::Cancelled,
                    KeyCode::Char('u') if ctrl => text.truncate(text.rfind('\n').map_or(0, |i| i + 1)),
                    KeyCode::Char('w') if ctrl => delete_word(&mut text),
                    KeyCode::Char(c) if !ctrl => text.push(c),
                    KeyCode::Tab => text.push(' '),
                    KeyCode::Backspace => {
                        text.pop();
                    }
                    KeyCode::Esc => break Typed::Cancelled,
                    KeyCode::Enter => match more_within_60ms()? {
                        // More input at once: a paste goes on past its line break.
                        Some(next) => {
                            text.push('\n');
                            pending = Some(next);
                        }
                        None => break Typed::Text(text),
                    },
                    _ => {}
                }
            }
            _ => {}
        }
        if text.len() > MAX_LINE {
            // A text this long is no note: keep what fits, and end it.
            let mut end = MAX_LINE;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
            cut = true;
            break Typed::Text(text);
        }
        render(&mut out, prompt, &text)?;
    };
    if cut {
        // The rest of an overlong paste goes nowhere, not into the next prompt.
        while more_within_60ms()?.is_some() {}
    }
    drop(raw);
    queue!(out, style::Print("\r\n"))?;
    if cut {
        queue!(out, style::Print(format!("(the text was cut at {} KiB)\r\n", MAX_LINE >> 10)))?;
    }
    out.flush()?;
    Ok(typed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctrl_w_deletes_the_word_before_as_a_shell_does() {
        let mut t = "Caller says the phone  ".to_string();
        delete_word(&mut t);
        assert_eq!(t, "Caller says the ");
        delete_word(&mut t);
        assert_eq!(t, "Caller says ");
        let mut t = "one\ntwo".to_string();
        delete_word(&mut t);
        assert_eq!(t, "one\n");
        let mut t = String::new();
        delete_word(&mut t);
        assert_eq!(t, "");
    }
}
