//! Case files: inputs, scripted answers and the expected outcome, in RON.
//!
//! ```ron
//! Case(
//!     description: "No push arrives after a phone change",
//!     signins: [Path("../fixtures/x/signin.json")],   // or Json(r#"{...}"#)
//!     audit: [Path("../fixtures/x/audit.json")],
//!     org: Some(Path("../../examples/org.ron")),        // or Settings((...))
//!     answers: {"prompt-seen": "no", "new-phone": "yes"},
//!     expect: (diagnosis: "stale-authenticator-registration"),
//! )
//! ```

use crate::error::{Error, ErrorKind, Result};
use crate::facts::{Facts, OrgSettings};
use crate::logs::{Evidence, Selector};
use crate::rules::Rules;
use crate::text::{ron_error, ron_options};
use crate::walk::{End, Outcome, Session, Step};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// Log input of a case: a file (relative to the case file) or inline JSON.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub enum Input {
    /// A file, relative to the case file.
    Path(String),
    /// JSON text.
    Json(String),
}

/// Organisation settings of a case.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub enum OrgInput {
    /// A RON file, relative to the case file.
    Path(String),
    /// Inline settings.
    Settings(OrgSettings),
}

/// Which attempt to diagnose.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Select {
    /// Record id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Correlation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// User.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

/// What the case expects.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The diagnosis id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<String>,
    /// Or: the question the walk stops at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    /// Optionally, the node ids of the whole path, the end included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<Vec<String>>,
}

/// A case file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename = "Case", deny_unknown_fields)]
pub struct Case {
    /// What the case is about.
    #[serde(default)]
    pub description: Option<String>,
    /// Sign-in logs; none means a walk with no log (questions only).
    #[serde(default)]
    pub signins: Vec<Input>,
    /// Audit logs.
    #[serde(default)]
    pub audit: Vec<Input>,
    /// Organisation settings.
    #[serde(default)]
    pub org: Option<OrgInput>,
    /// Attempt selection (default: the most recent failure).
    #[serde(default)]
    pub select: Option<Select>,
    /// Scripted answers: question id → choice id.
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    /// The expected outcome.
    pub expect: Expect,
    #[serde(skip)]
    pub(crate) path: PathBuf,
}

/// Where an actual walk left the way to the expected outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Divergence {
    /// The node where the paths part.
    pub node: String,
    /// `file:line:col` of that node.
    pub location: Option<String>,
    /// The same place as separate fields (`file`, `line`, `column`), for tools.
    #[serde(flatten)]
    pub place: Option<super::Place>,
    /// The branch the walk took there.
    pub took: String,
    /// The branches there that lead towards the expected outcome.
    pub expected: Vec<String>,
}

/// The result of running one case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseRun {
    /// The case file.
    pub file: String,
    /// Its description.
    pub description: Option<String>,
    /// Pass or fail.
    pub passed: bool,
    /// Expected end (diagnosis or question id).
    pub expected: String,
    /// Actual end.
    pub actual: String,
    /// Where the paths part, on a failure.
    pub divergence: Option<Divergence>,
    /// The actual path.
    pub path: Vec<String>,
    /// The path the case expects, when it pins one (`expect: (path: [...])`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_path: Option<Vec<String>>,
    #[serde(skip)]
    pub(crate) outcome: Outcome,
    #[serde(skip)]
    pub(crate) session: Session,
}

impl Case {
    /// Read a case file.
    pub fn load(path: &Path) -> Result<Case> {
        let text = crate::limit::read_text_file(path)?;
        Case::from_str(path, &text)
    }

    /// Read a case from its text; `path` names it in errors, and paths in
    /// it are taken relative to its directory.
    pub fn from_str(path: &Path, text: &str) -> Result<Case> {
        let mut c: Case = ron_options().from_str(text).map_err(|e| {
            let (l, col, msg) = ron_error(&e);
            Error::new(ErrorKind::Syntax, format!("invalid case file: {msg}")).at_path(path).at(l, col).hint("see tests/cases/*.ron and rules/README.md")
        })?;
        c.path = path.to_path_buf();
        if c.expect.diagnosis.is_some() && c.expect.question.is_some() {
            return Err(Error::new(ErrorKind::Syntax, "the case expects both a diagnosis and a question").at_path(path).hint("a walk ends at one: keep diagnosis or question"));
        }
        if c.expect.diagnosis.is_none() && c.expect.question.is_none() {
            return Err(Error::new(ErrorKind::Syntax, "the case expects nothing").at_path(path).hint("set expect: (diagnosis: \"...\") or (question: \"...\")"));
        }
        Ok(c)
    }

    fn resolve(&self, p: &str) -> PathBuf {
        self.path.parent().unwrap_or(Path::new(".")).join(p)
    }

    /// Build the session the case describes (inputs, facts, answers).
    pub fn session(&self, rules: &Rules) -> Result<Session> {
        let mut session = if self.signins.is_empty() {
            Session::without_log(rules)
        } else {
            let mut b = Evidence::builder();
            for (i, s) in self.signins.iter().enumerate() {
                b = match s {
                    Input::Path(p) => b.signins_file(self.resolve(p))?,
                    Input::Json(t) => b.signins_str(format!("{}[signins {}]", self.path.display(), i + 1), t)?,
                };
            }
            for (i, s) in self.audit.iter().enumerate() {
                b = match s {
                    Input::Path(p) => b.audit_file(self.resolve(p))?,
                    Input::Json(t) => b.audit_str(format!("{}[audit {}]", self.path.display(), i + 1), t)?,
                };
            }
            let ev = b.build();
            let org = match &self.org {
                None => None,
                Some(OrgInput::Path(p)) => Some(OrgSettings::from_file(&self.resolve(p))?),
                Some(OrgInput::Settings(s)) => Some(OrgSettings::from_ron_str(&self.path, &ron::to_string(s).unwrap_or_default())?),
            };
            let sel = self.select.as_ref().map_or_else(Selector::default, |s| Selector::new(s.id.clone(), s.correlation_id.clone(), s.user.clone()));
            let attempt = ev.select(&sel)?;
            Session::new(rules, Facts::derive(&attempt, &ev, org.as_ref()), &attempt)
        };
        for (q, c) in &self.answers {
            session.answer(rules, q, c).map_err(|e| Error::new(ErrorKind::BadAnswer, format!("answers: {}", e.message())).at_path(&self.path))?;
        }
        Ok(session)
    }

    /// Run the case against the rules.
    pub fn run(&self, rules: &Rules) -> Result<CaseRun> {
        let session = self.session(rules)?;
        let outcome = session.outcome(rules)?;
        let (actual, expected) = match (&outcome.diagnosis(), &self.expect) {
            (Some(d), e) => (d.id.clone(), e.diagnosis.clone().or_else(|| e.question.clone().map(|q| format!("question {q}"))).unwrap_or_default()),
            (None, e) => (
                format!("question {}", outcome.question().map(|q| q.id.as_str()).unwrap_or("")),
                e.question.clone().map(|q| format!("question {q}")).or_else(|| e.diagnosis.clone()).unwrap_or_default(),
            ),
        };
        let path: Vec<String> = outcome.path().into_iter().map(String::from).collect();
        let mut passed = actual == expected;
        if let Some(p) = &self.expect.path {
            passed &= *p == path;
        }
        let divergence = if passed { None } else { self.divergence(rules, &outcome, &path) };
        Ok(CaseRun {
            file: self.path.display().to_string(),
            description: self.description.clone(),
            passed,
            expected,
            actual,
            divergence,
            path,
            expected_path: self.expect.path.clone(),
            outcome,
            session,
        })
    }

    /// Find the node where the actual path leaves the way to the expected outcome.
    fn divergence(&self, rules: &Rules, outcome: &Outcome, actual: &[String]) -> Option<Divergence> {
        if let Some(exp) = &self.expect.path {
            let k = exp.iter().zip(actual).take_while(|(a, b)| a == b).count();
            let node = actual.get(k.checked_sub(1)?)?.clone();
            let step = outcome.trace.get(k - 1);
            let location = rules.location(&node);
            return Some(Divergence {
                place: location.as_deref().and_then(super::Place::parse),
                location,
                took: step.map(|s| format!("{} → {}", s.branch(), s.next())).unwrap_or_default(),
                expected: exp.get(k).map(|n| vec![format!("→ {n}")]).unwrap_or_default(),
                node,
            });
        }
        let target = self.expect.diagnosis.as_deref().or(self.expect.question.as_deref())?;
        let leads = leads_to(rules, target);
        // The last step whose node could still reach the target.
        let step = outcome.trace.iter().rev().find(|s| leads.contains(s.node()))?;
        let node = rules.node(step.node())?;
        let expected = node
            .branches()
            .into_iter()
            .filter(|b| b.target.is_some_and(|t| leads.contains(t) || t == target))
            .map(|b| format!("{} → {}", b.choice.unwrap_or(&b.label), b.target.unwrap_or("")))
            .collect();
        let location = rules.location(step.node());
        Some(Divergence { node: step.node().to_string(), place: location.as_deref().and_then(super::Place::parse), location, took: format!("{} → {}", step.branch(), step.next()), expected })
    }
}

impl CaseRun {
    /// The case file's text with its expectation set to this run's outcome:
    /// the diagnosis (or question) it ended at and, where the case pins a
    /// path, the path it took. Only those values change: comments (inside
    /// `expect` too), layout and other fields are kept, and a file in the
    /// canonical layout (`fmt`) stays in it. `None` when nothing would
    /// change or the text has no `expect` to rewrite.
    pub fn rewrite_expect(&self, text: &str) -> Option<String> {
        let sf = crate::text::SourceFile::new(self.file.clone(), text.to_string());
        let (_, expect) = sf.field(0..text.len(), "expect")?;
        let (key, other) = if matches!(self.outcome.end, End::NeedsAnswer(_)) { ("question", "diagnosis") } else { ("diagnosis", "question") };
        let quoted = |s: &str| ron::to_string(s).unwrap_or_else(|_| format!("{s:?}"));
        // A run that stops at a question reads "question ID".
        let actual = if key == "question" { self.actual.strip_prefix("question ").unwrap_or(&self.actual) } else { &self.actual };
        let path = || format!("[{}]", self.path.iter().map(|n| quoted(n)).collect::<Vec<_>>().join(", "));
        // Values written plainly (a string, a list) are replaced where they
        // are; any other form (`Some("...")`) gets the whole value anew, in
        // the form case files use.
        let plain = |r: &std::ops::Range<usize>, first: char| text[r.clone()].starts_with(first);
        let end = [key, other].into_iter().find_map(|k| sf.field(expect.clone(), k).map(|f| (k, f)));
        let pinned = sf.field(expect.clone(), "path");
        let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
        match (end, &pinned) {
            (Some((k, (name, value))), path_field) if plain(&value, '"') && (self.expected_path.is_none() || path_field.as_ref().is_some_and(|(_, v)| plain(v, '['))) => {
                if k == key {
                    edits.push((value, quoted(actual)));
                } else {
                    edits.push((name.start..value.end, format!("{key}: {}", quoted(actual))));
                }
                if let (Some((_, v)), Some(_)) = (path_field, &self.expected_path) {
                    edits.push((v.clone(), path()));
                }
            }
            _ => {
                let pinned = if self.expected_path.is_some() { format!(", path: {}", path()) } else { String::new() };
                edits.push((expect.clone(), format!("({key}: {}{pinned})", quoted(actual))));
            }
        }
        edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
        let mut out = text.to_string();
        for (range, with) in edits {
            out.replace_range(range, &with);
        }
        // A file that was in the canonical layout stays in it (a longer
        // path breaks into lines as `fmt` would break it).
        let file = std::path::Path::new(&self.file);
        if super::format_ron(file, text).is_ok_and(|f| f == text) {
            if let Ok(f) = super::format_ron(file, &out) {
                out = f;
            }
        }
        (out != text).then_some(out)
    }
}

/// Every node from which `target` can be reached (the target included).
pub(crate) fn leads_to(rules: &Rules, target: &str) -> HashSet<String> {
    let mut set: HashSet<String> = HashSet::from([target.to_string()]);
    loop {
        let before = set.len();
        for n in rules.nodes() {
            if !set.contains(n.id()) && n.branches().iter().any(|b| b.target.is_some_and(|t| set.contains(t))) {
                set.insert(n.id().to_string());
            }
        }
        if set.len() == before {
            return set;
        }
    }
}

impl CaseRun {
    /// The outcome in words, as snapshotted: the end, the path and the trace.
    pub fn render(&self, rules: &Rules) -> String {
        let mut s = String::new();
        if let Some(d) = &self.description {
            s.push_str(&format!("case: {d}\n"));
        }
        match (self.outcome.diagnosis(), self.outcome.question()) {
            (Some(d), _) => s.push_str(&format!("diagnosis: {} ({}, severity {})\n", d.id, d.title, d.severity)),
            (_, Some(q)) => s.push_str(&format!("needs answer: {} ({})\n", q.id, q.text)),
            _ => {}
        }
        s.push_str(&format!("confidence: {} ({})\n", self.outcome.confidence, self.outcome.confidence.says()));
        s.push_str(&format!("path: {}\n", self.path.join(" → ")));
        s.push_str("trace:\n");
        for step in &self.outcome.trace {
            s.push_str(&format!("  - {}\n", step.says()));
        }
        if !self.outcome.evidence.is_empty() {
            s.push_str("evidence:\n");
            for e in &self.outcome.evidence {
                s.push_str(&format!("  - {}\n", e.say()));
            }
        }
        if let Some(d) = self.outcome.diagnosis() {
            s.push_str(&format!("{}:\n", crate::output::steps_heading(d).to_lowercase()));
            for (i, step) in d.next_steps.iter().enumerate() {
                s.push_str(&format!("  {}. {step}\n", i + 1));
            }
        }
        let _ = rules;
        s
    }

    /// The session the case built (facts and answers).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The outcome of the walk.
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }

    /// The steps taken.
    pub fn trace(&self) -> &[Step] {
        &self.outcome.trace
    }
}
