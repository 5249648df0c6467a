//! Placeholders in the texts of nodes. Question texts and help, diagnosis
//! summaries and next steps are filled with facts' values; labels and
//! titles are shown as written.

use super::validate::{placeholders, Ctx};
use super::Node;
use crate::facts::FactType;

/// Check a node's texts: every `{fact}` names a fact; summaries and steps,
/// which go into tickets as Markdown, name only numbers and yes/no facts
/// (a text from a log could carry a link or markup there); labels and
/// titles name none.
pub(super) fn check(node: &Node, ctx: &mut Ctx) {
    let mut raw: Vec<&str> = Vec::new();
    match node {
        Node::Question(q) => {
            for name in q.help.iter().flat_map(|h| placeholders(h)) {
                ctx.fact(name);
            }
            raw.extend(q.choices.iter().map(|c| c.label.as_str()));
        }
        Node::Check(c) => raw.push(&c.label),
        Node::Switch(sw) => {
            raw.push(&sw.label);
            raw.extend(sw.cases.iter().map(|c| c.label.as_str()));
        }
        Node::Diagnosis(d) => {
            raw.push(&d.title);
            // `{nav.KEY}` paths are checked with the steps.
            for text in d.next_steps.iter().chain([&d.summary]) {
                for name in placeholders(text).filter(|p| !p.starts_with("nav.")) {
                    if let Some(ty @ (FactType::Text | FactType::List)) = ctx.fact(name) {
                        let at = ctx.at_string(name);
                        ctx.err(
                            "text-in-step",
                            at,
                            format!("`{{{name}}}` is a {ty} fact: its value comes from a log, and summaries and steps go into tickets as written"),
                            Some("name only number and yes/no facts in summaries and steps; show a text fact as evidence instead".into()),
                        );
                    }
                }
            }
        }
    }
    for text in raw {
        if let Some(name) = placeholders(text).next() {
            let at = ctx.at_string(text);
            ctx.err(
                "unfilled-placeholder",
                at,
                format!("`{{{name}}}` in a label or title is shown as written, never filled"),
                Some("values are filled only in question texts and help, diagnosis summaries and next steps; name the value in words here".into()),
            );
        }
    }
}
