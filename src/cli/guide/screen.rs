//! What the agent sees at each question: who and which sign-in (at every
//! question, so it never scrolls away), what the data settled in a few
//! plain lines (every check with its facts on request), and how far the
//! walk has come; and the result with how sure it is.

use super::*;
use signin_doctor::output::{settled_lines, terminal_safe};

/// What has been shown of the walk so far.
pub(super) struct Screen {
    /// Every check with the facts it read, not the short summary.
    pub details: bool,
    /// How many steps of the trace have been shown.
    shown: usize,
}

impl Screen {
    pub fn new(details: bool) -> Screen {
        Screen { details, shown: 0 }
    }

    /// Show the walk from its start again (after an answer was changed).
    pub fn again(&mut self) {
        self.shown = 0;
    }

    /// The header line: who, when, which app, which error; or, without a
    /// log, what the caller read out.
    pub fn header(&self, session: &Session) {
        outln!("\n── {} ──", terminal_safe(&who(session)));
    }

    /// The steps not shown yet: short, or in full with `details`.
    pub fn steps(&mut self, outcome: &Outcome, session: &Session) {
        let new = &outcome.trace[self.shown.min(outcome.trace.len())..];
        let from_log = !session.subject.records.is_empty();
        if self.details {
            print_steps(new, self.shown);
        } else {
            let lines = settled_lines(new, from_log);
            if !lines.is_empty() {
                let what = if from_log { "the log shows" } else { "the caller's error code shows" };
                outln!("{}{what}:", if self.shown == 0 { "What " } else { "Then " });
                for l in lines {
                    outln!("  • {l}");
                }
            }
        }
        self.shown = outcome.trace.len();
    }

    /// Every step of the walk so far, each with where its answer came from.
    pub fn all_steps(&self, outcome: &Outcome) {
        print_steps(&outcome.trace, 0);
    }
}

fn print_steps(steps: &[Step], first: usize) {
    if steps.iter().all(|s| matches!(s, Step::Question { .. })) {
        return;
    }
    if first == 0 {
        outln!("What the data settled (and what the caller answered):");
    }
    for line in output::trace_lines_from(steps, first) {
        let source = if line.split_once(". ").is_some_and(|(_, rest)| rest.starts_with("Asked: ")) { "caller" } else { "data  " };
        outln!("  {source} │ {line}");
    }
}

/// The header's text.
pub(super) fn who(session: &Session) -> String {
    let s = &session.subject;
    if !s.records.is_empty() {
        return output::subject_line(s);
    }
    let mut parts = vec!["no sign-in log".to_string()];
    if let Some(u) = &s.user {
        parts.push(format!("caller {u}"));
    }
    if let Some(c) = s.error_code {
        parts.push(format!("error {c} read out"));
    }
    if let Some(c) = &session.call.case {
        parts.push(format!("case {c}"));
    }
    parts.join(" · ")
}

/// The question's place in the walk and how to find the answer.
pub(super) fn question_intro(q: &Prompt) {
    if let Some(p) = q.progress {
        outln!("{p}");
    }
    if let Some(h) = &q.help {
        outln!("  How to find out: {h}");
    }
}

/// The result in a few lines, before the agent finishes: the diagnosis, how
/// sure it is (a provisional one says so in capitals), its cause, and the
/// notes about changed rules again, next to the result they changed.
pub(super) fn result_lines(outcome: &Outcome, session: &Session, resume_notes: &[String]) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(d) = outcome.diagnosis() {
        lines.push(format!("Result: {} [{}] (severity {})", d.title, d.id, d.severity));
        lines.push(match outcome.confidence {
            Confidence::Provisional => format!("PROVISIONAL: {}", outcome.confidence.says()),
            _ => format!("How sure: {}", output::how_sure(outcome, !session.subject.records.is_empty())),
        });
        lines.push(format!("  {}", d.summary.trim()));
    }
    for n in resume_notes {
        lines.push(format!("Note: {n}"));
    }
    lines
}
