//! The rule model: what a RON rule file holds.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// One rule file: a tree of nodes. Node ids are global across all files, so a
/// branch may lead into another file's tree.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename = "Tree", deny_unknown_fields)]
pub struct TreeFile {
    /// The tree's id, e.g. `mfa`.
    pub id: String,
    /// A title for pictures and listings.
    pub title: String,
    /// What the tree is for.
    #[serde(default)]
    pub description: Option<String>,
    /// Whether walks start in this tree. Exactly one tree is the entry.
    #[serde(default)]
    pub entry: bool,
    /// The first node of the tree (required for the entry tree).
    #[serde(default)]
    pub start: Option<String>,
    /// The nodes.
    #[serde(default)]
    pub nodes: Vec<Node>,
    /// Admin-center navigation paths that steps name as `{nav.KEY}`: kept in
    /// one place, so that when Microsoft renames a blade it is one edit.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub paths: BTreeMap<String, String>,
    /// The steps that verify the caller out of band, put first in every
    /// diagnosis with `changes_credentials: true`. One file defines them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verify_caller: Vec<String>,
}

/// A node of a tree.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[non_exhaustive]
pub enum Node {
    /// A test over facts with three branches.
    Check(Check),
    /// A route on one fact's value: several cases, a default, and unknown.
    Switch(Switch),
    /// A question for the agent.
    Question(Question),
    /// A diagnosis: where a walk ends.
    Diagnosis(Diagnosis),
}

impl Node {
    /// The node id.
    pub fn id(&self) -> &str {
        match self {
            Node::Check(c) => &c.id,
            Node::Switch(s) => &s.id,
            Node::Question(q) => &q.id,
            Node::Diagnosis(d) => &d.id,
        }
    }
    /// "check", "question" or "diagnosis".
    pub fn kind(&self) -> &'static str {
        match self {
            Node::Check(_) => "check",
            Node::Switch(_) => "switch",
            Node::Question(_) => "question",
            Node::Diagnosis(_) => "diagnosis",
        }
    }
    /// Outgoing branches: (label, field name in the file, target).
    pub fn branches(&self) -> Vec<Branch<'_>> {
        match self {
            Node::Check(c) => [("yes", &c.yes), ("no", &c.no), ("unknown", &c.unknown)]
                .into_iter()
                .filter(|(k, t)| *k != "unknown" || t.is_some() || c.when.can_be_unknown())
                .map(|(k, t)| Branch { label: k.to_string(), key: k, choice: None, target: t.as_deref() })
                .collect(),
            Node::Switch(s) => s
                .cases
                .iter()
                .map(|c| Branch { label: c.label.clone(), key: "next", choice: Some(c.label.as_str()), target: c.next.as_deref() })
                .chain([
                    Branch { label: "default".into(), key: "default", choice: None, target: s.default.as_deref() },
                    Branch { label: "unknown".into(), key: "unknown", choice: None, target: s.unknown.as_deref() },
                ])
                .collect(),
            Node::Question(q) => q
                .choices
                .iter()
                .map(|c| Branch { label: c.label.clone(), key: "next", choice: Some(c.id.as_str()), target: c.next.as_deref() })
                .chain(std::iter::once(Branch { label: "Don't know".into(), key: "dont_know", choice: Some(DONT_KNOW), target: q.dont_know.as_deref() }))
                .collect(),
            Node::Diagnosis(_) => Vec::new(),
        }
    }
}

/// The reserved choice id every question offers.
pub const DONT_KNOW: &str = "dont-know";

/// One outgoing edge of a node.
#[derive(Debug, Clone)]
pub struct Branch<'a> {
    /// What the edge means: yes / no / unknown, or a choice's label.
    pub label: String,
    /// The field that holds the target in the file.
    pub key: &'static str,
    /// The choice id, for question branches.
    pub choice: Option<&'a str>,
    /// Where it leads; `None` when the author left it out.
    pub target: Option<&'a str>,
}

/// A check: `when` is evaluated over the facts; the walk takes `yes`, `no`,
/// or `unknown` when a fact it needs is unknown.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// Node id.
    pub id: String,
    /// The check as a question an agent can read aloud: "Is this a break-glass account?"
    pub label: String,
    /// The condition.
    pub when: Cond,
    /// Where to go when the condition holds.
    #[serde(default)]
    pub yes: Option<String>,
    /// Where to go when it does not.
    #[serde(default)]
    pub no: Option<String>,
    /// Where to go when the data cannot tell (often a question).
    #[serde(default)]
    pub unknown: Option<String>,
}

/// A route on one fact: the first case whose values hold the fact's value is
/// taken; `default` when none does; `unknown` when the fact is unknown.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Switch {
    /// Node id.
    pub id: String,
    /// The route as a question: "What kind of failure is it?"
    pub label: String,
    /// The fact routed on.
    pub fact: String,
    /// The cases, tried in order.
    #[serde(default)]
    pub cases: Vec<SwitchCase>,
    /// Where to go when no case matches.
    #[serde(default)]
    pub default: Option<String>,
    /// Where to go when the fact is unknown.
    #[serde(default)]
    pub unknown: Option<String>,
}

/// One case of a [`Switch`].
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SwitchCase {
    /// The values that select this case (for a list fact: any element).
    pub values: Vec<Literal>,
    /// What the case means, in words; also its branch name.
    pub label: String,
    /// Where it leads.
    #[serde(default)]
    pub next: Option<String>,
}

/// A question for the helpdesk agent.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Node id, also the question id used in answers.
    pub id: String,
    /// The question. `{fact.name}` is replaced by the fact's value.
    pub text: String,
    /// How to find the answer (where to look, what to ask).
    #[serde(default)]
    pub help: Option<String>,
    /// The choices; "Don't know" is added by the engine.
    #[serde(default)]
    pub choices: Vec<Choice>,
    /// Where "Don't know" leads.
    #[serde(default)]
    pub dont_know: Option<String>,
}

/// One answer to a question.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    /// Choice id used in answers (`--answer question=choice`).
    pub id: String,
    /// What the agent sees.
    pub label: String,
    /// Where it leads.
    #[serde(default)]
    pub next: Option<String>,
}

/// How serious a diagnosis is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all(serialize = "lowercase"))]
pub enum Severity {
    /// Nothing is wrong.
    Info,
    /// A user's own problem, easily fixed.
    Low,
    /// Blocks the user; needs the helpdesk.
    Medium,
    /// Needs an admin or security review.
    High,
    /// A security incident until proven otherwise.
    Critical,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        })
    }
}

/// A diagnosis.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Diagnosis {
    /// Stable id, e.g. `stale-authenticator-registration`.
    pub id: String,
    /// Short title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// What happened, in a few sentences for the agent.
    pub summary: String,
    /// Facts to show as evidence.
    #[serde(default)]
    pub evidence: Vec<String>,
    /// Whether the steps change a credential, a method, a block or a risk
    /// state (reset a password, issue a Temporary Access Pass, change a phone
    /// number, unblock, dismiss risk, re-enable). Such a diagnosis begins with
    /// the rules' `verify_caller` steps, and `check` fails one whose steps do
    /// that without saying so.
    #[serde(default)]
    pub changes_credentials: bool,
    /// Ordered steps for the agent, with portal paths (`{nav.KEY}`).
    #[serde(default)]
    pub next_steps: Vec<String>,
    /// How many of the loaded diagnosis's `next_steps` are the shared
    /// verification steps put first (not written in a rule file).
    #[serde(skip)]
    pub verify_steps: usize,
    /// Links to documentation.
    #[serde(default)]
    pub references: Vec<String>,
}

/// A literal in a condition.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Literal {
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Number(f64),
    /// Text.
    Text(String),
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Number(n) if n.fract() == 0.0 => write!(f, "{}", *n as i64),
            Literal::Number(n) => write!(f, "{n}"),
            Literal::Text(s) => write!(f, "\"{s}\""),
        }
    }
}

/// A condition over facts. Text comparisons ignore case.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub enum Cond {
    /// The fact equals the value.
    Eq(String, Literal),
    /// The fact does not equal the value.
    Ne(String, Literal),
    /// The fact is one of the values (for a list fact: any element is).
    In(String, Vec<Literal>),
    /// Number less than (for a list fact: its length).
    Lt(String, f64),
    /// Number less than or equal.
    Le(String, f64),
    /// Number greater than.
    Gt(String, f64),
    /// Number greater than or equal.
    Ge(String, f64),
    /// Text contains the part; a list has the element.
    Contains(String, String),
    /// Text matches the regular expression.
    Matches(String, String),
    /// The fact is known.
    Known(String),
    /// The fact is unknown.
    Unknown(String),
    /// All hold.
    All(Vec<Cond>),
    /// Any holds.
    Any(Vec<Cond>),
    /// Does not hold.
    Not(Box<Cond>),
}

impl Cond {
    /// Whether the condition can evaluate to unknown (`Known` and `Unknown`
    /// never do, so their checks need no `unknown` branch).
    pub fn can_be_unknown(&self) -> bool {
        match self {
            Cond::Known(_) | Cond::Unknown(_) => false,
            Cond::All(v) | Cond::Any(v) => v.iter().any(Cond::can_be_unknown),
            Cond::Not(c) => c.can_be_unknown(),
            _ => true,
        }
    }

    /// Every fact name the condition uses.
    pub fn facts(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }
    fn collect<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Cond::Eq(f, _)
            | Cond::Ne(f, _)
            | Cond::In(f, _)
            | Cond::Lt(f, _)
            | Cond::Le(f, _)
            | Cond::Gt(f, _)
            | Cond::Ge(f, _)
            | Cond::Contains(f, _)
            | Cond::Matches(f, _)
            | Cond::Known(f)
            | Cond::Unknown(f) => {
                if !out.contains(&f.as_str()) {
                    out.push(f)
                }
            }
            Cond::All(v) | Cond::Any(v) => v.iter().for_each(|c| c.collect(out)),
            Cond::Not(c) => c.collect(out),
        }
    }
}

fn num(n: f64) -> String {
    Literal::Number(n).to_string()
}

impl fmt::Display for Cond {
    /// The condition in words an author can read.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |v: &Vec<Cond>, sep: &str| v.iter().map(|c| format!("({c})")).collect::<Vec<_>>().join(sep);
        match self {
            Cond::Eq(x, v) => write!(f, "{x} is {v}"),
            Cond::Ne(x, v) => write!(f, "{x} is not {v}"),
            Cond::In(x, v) => write!(f, "{x} is one of {}", v.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")),
            Cond::Lt(x, n) => write!(f, "{x} < {}", num(*n)),
            Cond::Le(x, n) => write!(f, "{x} <= {}", num(*n)),
            Cond::Gt(x, n) => write!(f, "{x} > {}", num(*n)),
            Cond::Ge(x, n) => write!(f, "{x} >= {}", num(*n)),
            Cond::Contains(x, s) => write!(f, "{x} contains \"{s}\""),
            Cond::Matches(x, s) => write!(f, "{x} matches /{s}/"),
            Cond::Known(x) => write!(f, "{x} is known"),
            Cond::Unknown(x) => write!(f, "{x} is unknown"),
            Cond::All(v) => f.write_str(&join(v, " and ")),
            Cond::Any(v) => f.write_str(&join(v, " or ")),
            Cond::Not(c) => write!(f, "not ({c})"),
        }
    }
}
