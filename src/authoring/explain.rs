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
    let mut stack: Vec<PathStep> = Vec::new();
    let mut truncated = false;
    fn dfs(rules: &Rules, n: &Node, target: &str, leads: &std::collections::HashSet<String>, stack: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>, truncated: &mut bool) {
        if n.id() == target {
            if out.len() >= LIMIT {
                *truncated = true;
            } else {
                out.push(stack.clone());
            }
            return;
        }
        let mut seen: Vec<&str> = Vec::new();
        for b in n.branches() {
            let Some(t) = b.target else { continue };
            if seen.contains(&t) || !leads.contains(t) {
                continue;
            }
            seen.push(t);
            let Some(next) = rules.node(t) else { continue };
            stack.push(step(n, t, rules));
            dfs(rules, next, target, leads, stack, out, truncated);
            stack.pop();
        }
    }
    dfs(rules, rules.start(), diagnosis, &leads, &mut stack, &mut out, &mut truncated);
    Ok((out, truncated))
}
