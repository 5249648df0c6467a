//! Every path that leads to a diagnosis, as conditions an author can read.

use super::cases::leads_to;
use crate::error::{Error, ErrorKind, Result};
use crate::rules::{Node, Rules};
use serde::Serialize;

/// One step of a path: at a node, which branches lead on, and what they mean.
#[derive(Debug, Clone, Serialize)]
pub struct PathStep {
    /// Node id.
    pub node: String,
    /// `file:line:col`.
    pub location: Option<String>,
    /// The branch or branches taken (yes, no, unknown, a case label or a choice id).
    pub branches: Vec<String>,
    /// What must be true, in words.
    pub condition: String,
}

const LIMIT: usize = 500;

fn step(n: &Node, target: &str, rules: &Rules) -> PathStep {
    let taken: Vec<_> = n.branches().into_iter().filter(|b| b.target == Some(target)).collect();
    let keys: Vec<String> = taken.iter().map(|b| b.choice.map(str::to_string).unwrap_or_else(|| b.key.to_string())).collect();
    let condition = match n {
        Node::Check(c) => {
            let words = match keys.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
                ["yes"] => format!("{}", c.when),
                ["no"] => format!("not ({})", c.when),
                ["unknown"] => format!("unknown: {}", c.when),
                ["no", "unknown"] => format!("not known to hold: {}", c.when),
                ["yes", "unknown"] => format!("holds or unknown: {}", c.when),
                _ => format!("any outcome of {}", c.when),
            };
            format!("{} → {}: {words}", c.label, keys.join(" or "))
        }
        Node::Switch(s) => {
            let parts: Vec<String> = taken
                .iter()
                .map(|b| match b.key {
                    "default" => format!("{} is none of the listed values", s.fact),
                    "unknown" => format!("{} is unknown", s.fact),
                    _ => {
                        let case = s.cases.iter().find(|c| Some(c.label.as_str()) == b.choice);
                        let vals = case.map(|c| c.values.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")).unwrap_or_default();
                        format!("{} is one of {vals} ({})", s.fact, b.label)
                    }
                })
                .collect();
            format!("{} → {}", s.label, parts.join("; or "))
        }
        Node::Question(q) => {
            let labels: Vec<String> = taken.iter().map(|b| format!("\"{}\"", b.label)).collect();
            format!("the agent asks \"{}\" and the answer is {}", q.text, labels.join(" or "))
        }
        Node::Diagnosis(_) => String::new(),
    };
    PathStep { node: n.id().to_string(), location: rules.location(n.id()), branches: keys, condition }
}

/// Every path from the start to `diagnosis` (at most 500), each a list of steps.
pub fn explain(rules: &Rules, diagnosis: &str) -> Result<(Vec<Vec<PathStep>>, bool)> {
    if rules.diagnosis(diagnosis).is_none() {
        let ids: Vec<&str> = rules.nodes().filter(|n| n.kind() == "diagnosis").map(|n| n.id()).collect();
        return Err(Error::new(ErrorKind::NotFound, format!("there is no diagnosis `{diagnosis}`")).hint(format!("the diagnoses are: {}", ids.join(", "))));
    }
    let leads = leads_to(rules, diagnosis);
    let mut out = Vec::new();
    let mut truncated = false;
    // An explicit stack, not recursion: a rule author's tree may be a chain
    // of 100k checks, and recursion per node overflowed the thread's stack.
    // Each frame is a node and the distinct targets still to follow from it
    // that can reach the diagnosis; `path` holds the steps taken to get there.
    let targets = |n: &Node| -> Vec<String> {
        let mut seen: Vec<String> = Vec::new();
        for t in n.branches().into_iter().filter_map(|b| b.target) {
            if leads.contains(t) && !seen.iter().any(|s| s == t) {
                seen.push(t.to_string());
            }
        }
        seen.reverse();
        seen
    };
    let start = rules.start();
    if start.id() == diagnosis {
        // The walk starts at the diagnosis: one path, with no steps.
        return Ok((vec![Vec::new()], false));
    }
    let mut frames: Vec<(&Node, Vec<String>)> = vec![(start, targets(start))];
    let mut path: Vec<PathStep> = Vec::new();
    while let Some((node, todo)) = frames.last_mut() {
        let node: &Node = node;
        let Some(t) = todo.pop() else {
            frames.pop();
            path.pop();
            continue;
        };
        let Some(next) = rules.node(&t) else { continue };
        let step = step(node, &t, rules);
        if next.id() == diagnosis {
            if out.len() >= LIMIT {
                // Enough to read; the rest would only cost time (a tree of
                // diamonds has exponentially many paths).
                truncated = true;
                break;
            }
            path.push(step);
            out.push(path.clone());
            path.pop();
        } else {
            path.push(step);
            frames.push((next, targets(next)));
        }
    }
    Ok((out, truncated))
}
