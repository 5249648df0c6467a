//! The guided walk's line protocol: what a line of text asks of a session,
//! for `guide` without a terminal, scripts and chat bots. One parser, so
//! every driver reads a line the same way (and the fuzzer reaches it).

use super::{Answer, Session};
use crate::error::{Error, ErrorKind, Result};
use crate::rules::Rules;

/// One line of the protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Line {
    /// Blank, or a `#` comment: nothing to do.
    Nothing,
    /// `back QUESTION`: take back the answer to an earlier question.
    Back(String),
    /// `note TEXT`: a note for the ticket, at the current question.
    Note(String),
    /// `save [FILE]`: save the session (to FILE, or where the driver saves).
    Save(Option<String>),
    /// `quit`: stop here.
    Quit,
    /// `QUESTION=CHOICE`: answer any question, on the path or ahead.
    AnswerTo(Answer),
    /// `CHOICE`: answer the current question.
    Choice(String),
}

impl Line {
    /// Read one line (surrounding whitespace ignored).
    ///
    /// ```
    /// use signin_doctor::Line;
    /// assert_eq!(Line::parse("  no ")?, Line::Choice("no".into()));
    /// assert_eq!(Line::parse("note caller rang back")?, Line::Note("caller rang back".into()));
    /// assert_eq!(Line::parse("# a comment")?, Line::Nothing);
    /// assert!(Line::parse("=x").is_err());
    /// # Ok::<(), signin_doctor::Error>(())
    /// ```
    pub fn parse(line: &str) -> Result<Line> {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            return Ok(Line::Nothing);
        }
        let (word, rest) = t.split_once(char::is_whitespace).map_or((t, ""), |(w, r)| (w, r.trim()));
        Ok(match word {
            "back" => Line::Back(rest.to_string()),
            "note" => Line::Note(rest.to_string()),
            "save" => Line::Save((!rest.is_empty()).then(|| rest.to_string())),
            "quit" => Line::Quit,
            _ if t.contains('=') => Line::AnswerTo(t.parse()?),
            choice => Line::Choice(choice.to_string()),
        })
    }
}

/// What applying a line asks of the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The session changed (or not): walk on.
    Continue,
    /// Save the session (to this file, or the driver's).
    Save(Option<String>),
    /// Stop here.
    Quit,
}

impl Session {
    /// Apply one line at the question the walk stands at (`current`).
    /// Answers are checked against the rules; a `back` must name a question.
    pub fn apply_line(&mut self, rules: &Rules, current: &str, line: &Line) -> Result<Applied> {
        match line {
            Line::Nothing => {}
            Line::Back(q) => {
                if q.is_empty() || rules.question(q).is_none() {
                    return Err(Error::new(ErrorKind::BadAnswer, format!("`back` needs an earlier question id, not `{q}`")));
                }
                self.unanswer(q);
            }
            Line::Note(text) => self.add_note(current, text),
            Line::Save(file) => return Ok(Applied::Save(file.clone())),
            Line::Quit => return Ok(Applied::Quit),
            Line::AnswerTo(a) => self.answer(rules, &a.question, &a.choice)?,
            Line::Choice(c) => self.answer(rules, current, c)?,
        }
        Ok(Applied::Continue)
    }
}
