//! Coverage counted in decision paths: which nodes, which branches (the
//! "don't know" and "unknown" branches included) and which diagnoses a set of
//! case runs reached, and what they missed, with file:line.

use super::cases::CaseRun;
use crate::rules::{Node, Rules};
use serde::Serialize;
use std::collections::HashSet;

/// Something the cases did not reach.
#[derive(Debug, Clone, Serialize)]
pub struct Missing {
    /// `node`, `branch` or `diagnosis`.
    pub kind: &'static str,
    /// Node id.
    pub node: String,
    /// The branch: yes / no / unknown, or the choice id (`dont-know` included).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// `file:line:col`.
    pub location: Option<String>,
}

/// Covered and total counts, and the list of what is missing.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// Nodes reached / all nodes.
    pub nodes: (usize, usize),
    /// Branches taken / all branches.
    pub branches: (usize, usize),
    /// Diagnoses reached / all diagnoses.
    pub diagnoses: (usize, usize),
    /// What was not reached, in file order.
    pub missing: Vec<Missing>,
}

impl Coverage {
    /// Measure what `runs` reached in `rules`.
    pub fn of<'a>(rules: &Rules, runs: impl IntoIterator<Item = &'a CaseRun>) -> Coverage {
        let mut nodes: HashSet<String> = HashSet::new();
        let mut branches: HashSet<(String, String)> = HashSet::new();
        for r in runs {
            nodes.extend(r.path.iter().cloned());
            for s in r.trace() {
                branches.insert((s.node().to_string(), s.branch().to_string()));
            }
        }
        let mut c = Coverage { nodes: (0, 0), branches: (0, 0), diagnoses: (0, 0), missing: Vec::new() };
        for n in rules.nodes() {
            let reached = nodes.contains(n.id());
            c.nodes.1 += 1;
            c.nodes.0 += usize::from(reached);
            if let Node::Diagnosis(_) = n {
                c.diagnoses.1 += 1;
                c.diagnoses.0 += usize::from(reached);
                if !reached {
                    c.missing.push(Missing { kind: "diagnosis", node: n.id().into(), branch: None, location: rules.location(n.id()) });
                }
                continue;
            }
            if !reached {
                c.missing.push(Missing { kind: "node", node: n.id().into(), branch: None, location: rules.location(n.id()) });
            }
            for b in n.branches() {
                let key = b.choice.unwrap_or(b.key).to_string();
                c.branches.1 += 1;
                if branches.contains(&(n.id().to_string(), key.clone())) {
                    c.branches.0 += 1;
                } else {
                    let loc_key = if b.key == "next" { key.as_str() } else { b.key };
                    c.missing.push(Missing { kind: "branch", node: n.id().into(), location: rules.branch_location(n.id(), loc_key), branch: Some(key) });
                }
            }
        }
        c
    }

    /// Whether everything was covered.
    pub fn complete(&self) -> bool {
        self.missing.is_empty()
    }

    /// A short report.
    pub fn report(&self) -> String {
        let pct = |(a, b): (usize, usize)| if b == 0 { 100.0 } else { a as f64 * 100.0 / b as f64 };
        let mut s = format!(
            "coverage: branches {}/{} ({:.0}%), nodes {}/{} ({:.0}%), diagnoses {}/{} ({:.0}%)\n",
            self.branches.0,
            self.branches.1,
            pct(self.branches),
            self.nodes.0,
            self.nodes.1,
            pct(self.nodes),
            self.diagnoses.0,
            self.diagnoses.1,
            pct(self.diagnoses)
        );
        for m in &self.missing {
            let at = m.location.as_deref().unwrap_or("?");
            match &m.branch {
                Some(b) => s.push_str(&format!("  not covered: {at}: branch `{b}` of `{}`\n", m.node)),
                None => s.push_str(&format!("  not covered: {at}: {} `{}`\n", m.kind, m.node)),
            }
        }
        s
    }
}
