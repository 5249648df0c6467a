//! Short forms for an agent on a call: what the data settled in a few plain
//! lines (no fact names), and the lines to paste at the top of a ticket.

use crate::walk::{End, Outcome, Session, Step, Tri};

/// At most this many established points are shown; the last ones are the
/// most specific (the walk narrows as it goes).
const MOST_POINTS: usize = 3;

/// What a stretch of the walk's trace settled, in at most five plain lines
/// without fact names: the points the data established (a check that said
/// yes, a switch that found its case), how many causes the data ruled out,
/// and how many points it could not tell. The questions the caller answered
/// are not in it (the agent asked them).
///
/// A walk with no data at all (every check "cannot tell") says nothing:
/// lines of "the data cannot tell" help nobody on a call without a log.
/// `from_log` is false when what is known came from the caller (an error
/// code read out), and the lines say so.
pub fn settled_lines(trace: &[Step], from_log: bool) -> Vec<String> {
    let mut points = Vec::new();
    let (mut ruled_out, mut unknown, mut known) = (0, 0, 0);
    for step in trace {
        match step {
            Step::Check { label, result: Tri::Yes, .. } => {
                points.push(format!("{} Yes.", label.trim()));
                known += 1;
            }
            Step::Check { result: Tri::No, .. } => {
                ruled_out += 1;
                known += 1;
            }
            Step::Check { result: Tri::Unknown, .. } => unknown += 1,
            Step::Switch { case, .. } if case == "unknown" => unknown += 1,
            Step::Switch { case, .. } if case == "default" => {
                ruled_out += 1;
                known += 1;
            }
            Step::Switch { label, case, .. } => {
                points.push(format!("{} {}.", label.trim(), capital(case)));
                known += 1;
            }
            Step::Question { .. } => {}
        }
    }
    if known == 0 {
        return Vec::new();
    }
    let mut lines: Vec<String> = points.split_off(points.len().saturating_sub(MOST_POINTS));
    if !points.is_empty() {
        lines.insert(0, format!("(and {} earlier point{} settled)", points.len(), plural(points.len())));
    }
    let (what, unknown_line) = if from_log {
        ("The log", format!("The log cannot show {unknown} point{}; the questions cover those that matter.", plural(unknown)))
    } else {
        ("That", format!("Without the log, {unknown} point{} stay unknown; the questions cover those that matter.", plural(unknown)))
    };
    if ruled_out > 0 {
        lines.push(format!("{what} rules out {ruled_out} other cause{}.", plural(ruled_out)));
    }
    if unknown > 0 {
        lines.push(unknown_line);
    }
    lines
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

/// How sure an outcome is, in words that fit whether there was a log:
/// without one, what the walk knows came from the caller.
pub fn how_sure(outcome: &Outcome, from_log: bool) -> &'static str {
    use crate::walk::Confidence;
    match (outcome.confidence, from_log) {
        (Confidence::Provisional, _) | (_, true) => outcome.confidence.says(),
        (_, false) => "from what the caller said (an error code read out, and their answers)",
    }
}

/// The first sentence of a text (a diagnosis's summary), for a short line.
fn first_sentence(text: &str) -> &str {
    let text = text.trim();
    match text.find(". ") {
        Some(i) => &text[..=i],
        None => text,
    }
}

/// Five to eight lines an agent pastes at the top of a ticket: the call
/// (case, agent, time), who and which sign-in, the diagnosis with how sure
/// it is, its cause in a sentence, and the first step. Values from the log
/// are passed through `clean` (redaction, escaping) by the caller.
pub(crate) fn paste_lines(session: &Session, outcome: &Outcome, clean: &dyn Fn(&str) -> String, code: &dyn Fn(&str) -> String) -> Vec<String> {
    let mut lines = Vec::new();
    let call = &session.call;
    let mut who = Vec::new();
    if let Some(c) = &call.case {
        who.push(format!("Case {}", clean(c)));
    }
    if let Some(a) = &call.agent {
        who.push(format!("agent {}", clean(a)));
    }
    if let Some(t) = &call.started {
        who.push(format!("call at {} UTC", clean(t)));
    }
    if !who.is_empty() {
        lines.push(capital(&who.join(" · ")));
    }
    let s = &session.subject;
    if s.records.is_empty() {
        lines.push("Sign-in log: none; the walk went by the caller's answers.".to_string());
    } else {
        // Log values (an app's name can hold a link) as inert code.
        lines.push(format!("Sign-in: {}", code(&super::subject_line(s))));
    }
    match &outcome.end {
        End::Diagnosis(d) => {
            lines.push(format!("Diagnosis: {} (severity {}).", d.title, d.severity));
            lines.push(format!("How sure: {}.", how_sure(outcome, !s.records.is_empty())));
            lines.push(format!("Cause: {}", first_sentence(&d.summary)));
            // The shared verification steps are one line; then the first step of this diagnosis.
            let verify = d.verify_steps.min(d.next_steps.len());
            if verify > 0 {
                lines.push(format!("Before any change: verify the caller out of band (step{} 1{} below).", plural(verify), if verify > 1 { format!("-{verify}") } else { String::new() }));
            }
            if let Some(first) = d.next_steps.get(verify) {
                let more = d.next_steps.len() - verify - 1;
                let tail = if more > 0 { format!(" ({more} more step{} below)", plural(more)) } else { String::new() };
                lines.push(format!("{}: {}{tail}", if verify > 0 { "Then" } else { "First step" }, first_sentence(first)));
            }
        }
        End::NeedsAnswer(q) => lines.push(format!("Open: the walk waits for an answer to \"{}\".", clean(&q.text))),
    }
    let asked = outcome.trace.iter().filter(|s| matches!(s, Step::Question { .. })).count();
    if asked > 0 || !session.notes.is_empty() {
        lines.push(format!("Questions answered: {asked}; agent notes: {}.", session.notes.len()));
    }
    lines
}
