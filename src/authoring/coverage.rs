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
    /// The same place as separate fields (`file`, `line`, `column`), for tools.
    #[serde(flatten)]
    pub place: Option<super::Place>,
}

/// Covered out of a total.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Count {
    /// How many the cases reached.
    pub covered: usize,
    /// How many there are.
    pub total: usize,
}

impl Count {
    /// The share covered, in percent (100 when there is nothing to cover).
    pub fn percent(&self) -> f64 {
        if self.total == 0 {
            100.0
        } else {
            self.covered as f64 * 100.0 / self.total as f64
        }
    }
    fn add(&mut self, covered: bool) {
        self.total += 1;
        self.covered += usize::from(covered);
    }
}

/// Covered and total counts, and the list of what is missing.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// Nodes reached, of all nodes.
    pub nodes: Count,
    /// Branches taken, of all branches.
    pub branches: Count,
    /// Diagnoses reached, of all diagnoses.
    pub diagnoses: Count,
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
        let zero = Count { covered: 0, total: 0 };
        let mut c = Coverage { nodes: zero, branches: zero, diagnoses: zero, missing: Vec::new() };
        let missing = |kind: &'static str, node: &str, branch: Option<String>, location: Option<String>| Missing {
            kind,
            node: node.into(),
            branch,
            place: location.as_deref().and_then(super::Place::parse),
            location,
        };
        for n in rules.nodes() {
            let reached = nodes.contains(n.id());
            c.nodes.add(reached);
            if let Node::Diagnosis(_) = n {
                c.diagnoses.add(reached);
                if !reached {
                    c.missing.push(missing("diagnosis", n.id(), None, rules.location(n.id())));
                }
                continue;
            }
            if !reached {
                c.missing.push(missing("node", n.id(), None, rules.location(n.id())));
            }
            for b in n.branches() {
                let key = b.choice.unwrap_or(b.key).to_string();
                let taken = branches.contains(&(n.id().to_string(), key.clone()));
                c.branches.add(taken);
                if !taken {
                    let loc_key = if b.key == "next" { key.as_str() } else { b.key };
                    c.missing.push(missing("branch", n.id(), Some(key.clone()), rules.branch_location(n.id(), loc_key)));
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
        let c = |n: Count| format!("{}/{} ({:.0}%)", n.covered, n.total, n.percent());
        let mut s = format!("coverage: branches {}, nodes {}, diagnoses {}\n", c(self.branches), c(self.nodes), c(self.diagnoses));
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
