//! Output: text for an agent, JSON for other tools, the ticket note.

mod safe;
mod summary;
mod ticket;

pub use safe::{csv_safe, markdown_block, markdown_code, markdown_text, terminal_safe, SafeWriter};
pub use summary::{how_sure, settled_lines};
pub use ticket::{redact_text, redact_text_keeping, ticket, TicketFormat};

use crate::facts::Facts;
use crate::facts::Subject;
use crate::rules::Rules;
use crate::walk::{End, Outcome, Step, Tri};
use serde_json::json;
use std::fmt::Write;

/// One line describing the attempt: who, when, which app, which error.
pub fn subject_line(s: &Subject) -> String {
    let mut parts = Vec::new();
    parts.push(s.user.clone().unwrap_or_else(|| "(no user in the log)".into()));
    if let Some(t) = &s.time {
        parts.push(t.clone());
    }
    if let Some(a) = &s.app {
        parts.push(a.clone());
    }
    if let Some(c) = s.error_code {
        parts.push(format!("error {c}"));
    }
    if let Some(ip) = &s.ip_address {
        parts.push(format!("from {ip}"));
    }
    parts.join(" · ")
}

/// The trace as numbered sentences. A run of checks that read the same fact,
/// with the same value and result, is one line ("6-12. ... No to each").
pub fn trace_lines(trace: &[Step]) -> Vec<String> {
    trace_lines_from(trace, 0)
}

/// [`trace_lines`] for a part of a trace whose first step is number `first + 1`.
pub fn trace_lines_from(trace: &[Step], first: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < trace.len() {
        let mut j = i + 1;
        if let Step::Check { facts, result, .. } = &trace[i] {
            while let Some(Step::Check { facts: f2, result: r2, .. }) = trace.get(j) {
                if facts.len() == 1 && f2 == facts && r2 == result {
                    j += 1;
                } else {
                    break;
                }
            }
        }
        if j - i > 2 {
            let labels: Vec<&str> = trace[i..j]
                .iter()
                .filter_map(|s| match s {
                    Step::Check { label, .. } => Some(label.trim()),
                    _ => None,
                })
                .collect();
            if let Step::Check { facts, result, .. } = &trace[i] {
                let verdict = match result {
                    Tri::Yes => "Yes to each",
                    Tri::No => "No to each",
                    Tri::Unknown => "The data cannot tell any of them",
                };
                out.push(format!("{}-{}. {} {verdict}: {}.", first + i + 1, first + j, labels.join(" "), facts[0].say()));
            }
        } else {
            for (k, s) in trace[i..j].iter().enumerate() {
                out.push(format!("{}. {}", first + i + k + 1, s.says()));
            }
        }
        i = j;
    }
    out
}

/// What the next steps' heading says when they change credentials: the same
/// words in the text output, the ticket note and case snapshots.
pub const VERIFY_FIRST: &str = "these change the user's credentials: verify the caller first";

/// The heading of a diagnosis's next steps.
pub(crate) fn steps_heading(d: &crate::rules::Diagnosis) -> String {
    if d.changes_credentials {
        format!("Next steps ({VERIFY_FIRST})")
    } else {
        "Next steps".to_string()
    }
}

/// The outcome as text an agent can read aloud.
pub fn text(outcome: &Outcome, subject: &Subject, rules: &Rules) -> String {
    let mut o = String::new();
    if !subject.records.is_empty() {
        let _ = writeln!(o, "Sign-in attempt: {}", subject_line(subject));
        let recs: Vec<String> = subject
            .records
            .iter()
            .enumerate()
            .map(|(i, r)| match subject.record_ids.get(i) {
                Some(id) => format!("{id} ({r})"),
                None => r.clone(),
            })
            .collect();
        let _ = writeln!(o, "Records: {}", recs.join(", "));
        if let Some(c) = &subject.correlation_id {
            let _ = writeln!(o, "Correlation id: {c}");
        }
        o.push('\n');
    }
    if !outcome.trace.is_empty() {
        o.push_str("How we got here:\n");
        for line in trace_lines(&outcome.trace) {
            let _ = writeln!(o, "  {line}");
        }
        o.push('\n');
    }
    match &outcome.end {
        End::Diagnosis(d) => {
            let _ = writeln!(o, "Diagnosis: {} [{}] (severity: {})", d.title, d.id, d.severity);
            let _ = writeln!(o, "Confidence: {} ({})", outcome.confidence, how_sure(outcome, !subject.records.is_empty()));
            let _ = writeln!(o, "  {}", d.summary.trim());
            // Without a log, only what the caller gave is evidence.
            let evidence: Vec<_> = outcome.evidence.iter().filter(|e| !subject.records.is_empty() || e.value.is_some()).collect();
            if !evidence.is_empty() {
                o.push_str("\nEvidence:\n");
                for e in evidence {
                    let _ = writeln!(o, "  - {}", e.say());
                }
            }
            let _ = writeln!(o, "\n{}:", steps_heading(d));
            for (i, s) in d.next_steps.iter().enumerate() {
                let _ = writeln!(o, "  {}. {}", i + 1, s);
            }
            if !d.references.is_empty() {
                o.push_str("\nReferences:\n");
                for r in &d.references {
                    let _ = writeln!(o, "  - {r}");
                }
            }
        }
        End::NeedsAnswer(q) => {
            let _ = writeln!(o, "Question for the caller [{}]: {}", q.id, q.text);
            if let Some(h) = &q.help {
                let _ = writeln!(o, "  How to find out: {}", h.trim());
            }
            o.push_str("  Choices:\n");
            for c in &q.choices {
                let _ = writeln!(o, "    {} = {}", c.id, c.label);
            }
            let _ = writeln!(o, "  Answer with: --answer {}=<choice>   (or run `signin-doctor guide` to be asked)", q.id);
            if let Some(loc) = rules.location(&q.id) {
                let _ = writeln!(o, "  (rule: {loc})");
            }
        }
    }
    o
}

/// The version of the JSON contract [`json()`] writes (`diagnose --format
/// json` and the HTTP API alike); it grows by one when a field changes
/// meaning or goes away, not when one is added.
pub const SCHEMA_VERSION: u32 = 1;

/// The outcome as the JSON contract for other tools (README, "JSON output").
/// Besides the trace and the facts, it carries what a front end shows: the
/// one-line `header` (who, when, app, error) and the short plain `summary`
/// of what the data settled, and the questions already `answered` (to go
/// back to).
pub fn json(outcome: &Outcome, subject: &Subject, facts: &Facts, rules: &Rules) -> serde_json::Value {
    let answered: Vec<serde_json::Value> = outcome
        .trace
        .iter()
        .filter_map(|s| match s {
            Step::Question { node, text, choice, answer, .. } => Some(json!({"question": node, "text": text, "choice": choice, "answer": answer})),
            _ => None,
        })
        .collect();
    let mut v = json!({
        "schema_version": SCHEMA_VERSION,
        "header": if subject.records.is_empty() { None } else { Some(subject_line(subject)) },
        "summary": settled_lines(&outcome.trace, !subject.records.is_empty()),
        "answered": answered,
        "subject": subject,
        "trace": outcome.trace,
        "facts": facts,
        "rules": { "fingerprint": rules.fingerprint() },
        "confidence": outcome.confidence,
    });
    match &outcome.end {
        End::Diagnosis(d) => {
            v["diagnosis"] = json!({
                "id": d.id, "title": d.title, "severity": d.severity, "summary": d.summary.trim(),
                "changes_credentials": d.changes_credentials,
                "next_steps": d.next_steps, "references": d.references,
            });
            v["evidence"] = json!(outcome.evidence);
        }
        End::NeedsAnswer(q) => {
            v["needs_answer"] = json!({ "question": q });
        }
    }
    v
}
