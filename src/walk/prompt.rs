//! A question as the agent sees it: its text with the facts filled in, its
//! choices, and how far the walk has come.

use crate::facts::{Facts, Value};
use crate::rules::{Question, DONT_KNOW};
use serde::{Deserialize, Serialize};

/// A question waiting for an answer, as shown to the agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Prompt {
    /// Question id.
    pub id: String,
    /// The text, with `{fact}` placeholders filled in.
    pub text: String,
    /// How to find the answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The choices, "Don't know" last.
    pub choices: Vec<PromptChoice>,
    /// Where the question stands in the walk: "question 2 of at most 4".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<Progress>,
}

/// How far a walk has come: this question's number, and the most questions
/// the walk can ask in all, given the data (the answers to come decide how
/// many of them are asked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// This question's number on the path (the first question asked is 1).
    pub number: usize,
    /// The most questions the walk can ask in all, this one included.
    pub at_most: usize,
}

impl std::fmt::Display for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.at_most <= self.number {
            write!(f, "Question {}, the last one", self.number)
        } else {
            write!(f, "Question {} of at most {}", self.number, self.at_most)
        }
    }
}

/// One choice of a [`Prompt`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptChoice {
    /// Choice id.
    pub id: String,
    /// Label.
    pub label: String,
}

/// Fill `{fact.name}` placeholders with the facts' values. A value comes
/// from a log, so it goes in with control characters escaped and on one
/// line: a question is shown by terminals, prompts and web pages alike.
///
/// A sentence whose placeholders all name facts the data does not hold is left
/// out ("Last registration in the audit log: {..}." says nothing without an
/// audit log), unless that would leave nothing; then it reads "(unknown)".
pub(crate) fn fill(text: &str, facts: &Facts) -> String {
    fill_known(text, facts).unwrap_or_else(|| fill_all(text, facts))
}

/// A next step with the facts' values; `None` when every sentence names
/// a fact the data does not hold (the step would say nothing).
pub(crate) fn fill_step(text: &str, facts: &Facts) -> Option<String> {
    fill_known(text, facts)
}

/// [`fill`], or `None` when every sentence names a fact the data does not
/// hold (a help text that would say nothing).
fn fill_known(text: &str, facts: &Facts) -> Option<String> {
    // A sentence goes only when it would say nothing: every value it names
    // is unknown. One known value among unknown ones keeps it (the country
    // and address of a sign-in matter even when its risk level is unknown).
    let known = |sentence: &str| {
        let mut names = crate::rules::placeholders(sentence).peekable();
        names.peek().is_none() || names.any(|name| facts.value(name.trim()).is_some())
    };
    let kept: String = sentences(text).into_iter().filter(|s| known(s)).collect();
    (!kept.trim().is_empty()).then(|| fill_all(kept.trim(), facts))
}

/// A text cut after each ". ", "? " and "! " (each piece keeps its end and
/// the space), so the pieces put together are the text again. Placeholders
/// are not cut.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut depth) = (0, 0usize);
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b'.' | b'?' | b'!' if depth == 0 && bytes.get(i + 1).is_some_and(u8::is_ascii_whitespace) => {
                out.push(&text[start..=i + 1]);
                start = i + 2;
            }
            _ => {}
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

fn fill_all(text: &str, facts: &Facts) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        match rest[i + 1..].find('}') {
            Some(j) => {
                let name = rest[i + 1..i + 1 + j].trim();
                let value = match facts.value(name) {
                    Some(Value::Text(s)) => s.clone(),
                    Some(v) => v.to_string(),
                    None => "(unknown)".to_string(),
                };
                out.push_str(&crate::output::terminal_safe(&value.replace(['\n', '\r', '\t'], " ")));
                rest = &rest[i + 2 + j..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

impl Prompt {
    /// The prompt for a question, with its placeholders filled from the facts.
    pub fn from_question(q: &Question, facts: &Facts) -> Prompt {
        prompt(q, facts)
    }
}

pub(crate) fn prompt(q: &Question, facts: &Facts) -> Prompt {
    let mut choices: Vec<PromptChoice> = q.choices.iter().map(|c| PromptChoice { id: c.id.clone(), label: c.label.clone() }).collect();
    choices.push(PromptChoice { id: DONT_KNOW.into(), label: "Don't know".into() });
    Prompt { id: q.id.clone(), text: fill(&q.text, facts), help: q.help.as_ref().and_then(|h| fill_known(h, facts)), choices, progress: None }
}

pub(crate) fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sentence_goes_only_when_every_value_it_names_is_unknown() {
        let mut f = Facts::default();
        f.set("signin.country", Value::Text("FR".into()), "location.countryOrRegion", None);
        let text = "The sign-in came from {signin.country} (risk {signin.risk_level}). Last change: {audit.recent_change_by}. Is the user there now?";
        assert_eq!(fill(text, &f), "The sign-in came from FR (risk (unknown)). Is the user there now?");
        assert_eq!(fill_known("Last change: {audit.recent_change_by}.", &f), None, "a help text that would say nothing");
        assert_eq!(fill("Only {audit.recent_change_by}.", &f), "Only (unknown).", "a question keeps its only sentence");
    }
}
