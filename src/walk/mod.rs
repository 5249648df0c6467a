//! Walk: session → trace → diagnosis.
//!
//! A walk starts at the entry tree's start node and follows branches: checks
//! evaluate facts, questions take the agent's answer, a diagnosis ends it.
//! The walk is a pure function of the rules, the facts and the answers, so a
//! [`Session`] that stores only facts and answers can be saved, carried
//! between requests, resumed, and taken back to any question.

mod confidence;
mod eval;
mod interpret;
mod line;
mod prompt;
mod seal;

pub use confidence::Confidence;
pub use line::{Applied, Line};
pub(crate) use prompt::{capital, fill, prompt};
pub use prompt::{Progress, Prompt, PromptChoice};
pub use seal::{SessionKey, SESSION_VERSION};

pub use eval::Tri;

use crate::error::{Error, ErrorKind, Result};
use crate::facts::{Facts, Source, Subject, Value};
use crate::rules::{Diagnosis, Question, Rules, DONT_KNOW};
use serde::{Deserialize, Serialize};

/// A fact as a step used it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactUse {
    /// The fact's name.
    pub name: String,
    /// Its value; `None` when unknown.
    pub value: Option<Value>,
    /// Where it came from, or why it is unknown.
    pub source: Source,
}

impl FactUse {
    fn of(facts: &Facts, name: &str) -> FactUse {
        match facts.get(name) {
            Some(f) => FactUse { name: name.to_string(), value: f.value.clone(), source: f.source.clone() },
            None => FactUse { name: name.to_string(), value: None, source: Source { record: None, field: "".into(), note: Some("not derived from these inputs".into()) } },
        }
    }
    /// The fact in words: "signin.error_code is 500121 (status.errorCode of sign-in …)".
    pub fn say(&self) -> String {
        match &self.value {
            Some(v) => format!("{} is {v} ({})", self.name, self.source),
            None => format!("{} is unknown ({})", self.name, self.source.note.as_deref().unwrap_or("the data cannot tell")),
        }
    }
}

/// One step of a walk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
#[non_exhaustive]
pub enum Step {
    /// A check over facts.
    Check {
        /// Node id.
        node: String,
        /// The check's label.
        label: String,
        /// The condition, in words.
        condition: String,
        /// The facts it read.
        facts: Vec<FactUse>,
        /// The outcome.
        result: Tri,
        /// Where the walk went.
        next: String,
        /// The step in plain words.
        says: String,
    },
    /// A route on one fact.
    Switch {
        /// Node id.
        node: String,
        /// The switch's label.
        label: String,
        /// The fact it read.
        facts: Vec<FactUse>,
        /// The case taken: its label, or `default` / `unknown`.
        case: String,
        /// Where the walk went.
        next: String,
        /// The step in plain words.
        says: String,
    },
    /// A question the agent answered.
    Question {
        /// Question id.
        node: String,
        /// The question as asked.
        text: String,
        /// The choice id.
        choice: String,
        /// The choice's label.
        answer: String,
        /// Where the walk went.
        next: String,
        /// The step in plain words.
        says: String,
    },
}

impl Step {
    /// The node id.
    pub fn node(&self) -> &str {
        match self {
            Step::Check { node, .. } | Step::Switch { node, .. } | Step::Question { node, .. } => node,
        }
    }
    /// Where the walk went from here.
    pub fn next(&self) -> &str {
        match self {
            Step::Check { next, .. } | Step::Switch { next, .. } | Step::Question { next, .. } => next,
        }
    }
    /// The plain-words sentence.
    pub fn says(&self) -> &str {
        match self {
            Step::Check { says, .. } | Step::Switch { says, .. } | Step::Question { says, .. } => says,
        }
    }
    /// The branch taken: yes/no/unknown, or the choice id.
    pub fn branch(&self) -> &str {
        match self {
            Step::Check { result, .. } => result.as_str(),
            Step::Switch { case, .. } => case,
            Step::Question { choice, .. } => choice,
        }
    }
}

/// Where a walk ended.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub enum End {
    /// A diagnosis was reached.
    Diagnosis(Diagnosis),
    /// The walk waits for the answer to this question.
    NeedsAnswer(Prompt),
}

/// The result of a walk: the trace and where it ended.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Outcome {
    /// The steps taken, in order.
    pub trace: Vec<Step>,
    /// Where the walk ended.
    pub end: End,
    /// The diagnosis's evidence facts (empty while a question is open).
    pub evidence: Vec<FactUse>,
    /// How the walk got here: data alone, the caller's answers, or provisional.
    pub confidence: Confidence,
}

impl Outcome {
    /// The diagnosis, if the walk reached one.
    pub fn diagnosis(&self) -> Option<&Diagnosis> {
        match &self.end {
            End::Diagnosis(d) => Some(d),
            End::NeedsAnswer(_) => None,
        }
    }
    /// The open question, if any.
    pub fn question(&self) -> Option<&Prompt> {
        match &self.end {
            End::NeedsAnswer(p) => Some(p),
            End::Diagnosis(_) => None,
        }
    }
    /// Node ids of the path, the end included.
    pub fn path(&self) -> Vec<&str> {
        let mut p: Vec<&str> = self.trace.iter().map(Step::node).collect();
        p.push(match &self.end {
            End::Diagnosis(d) => &d.id,
            End::NeedsAnswer(q) => &q.id,
        });
        p
    }
}

/// Walk the rules with these facts and answers, writing the trace; an
/// unanswered question stops the walk.
pub(crate) fn walk(rules: &Rules, facts: &Facts, answers: &[Answer]) -> Result<Outcome> {
    let mut tracer = interpret::Tracer::default();
    let (stop, _) = interpret::interpret(rules, facts, answers, interpret::Unanswered::Stop, &mut tracer)?;
    let trace = tracer.0;
    let confidence = Confidence::of(&trace);
    Ok(match stop {
        interpret::Stop::Question(q) => {
            let number = 1 + trace.iter().filter(|s| matches!(s, Step::Question { .. })).count();
            let progress = Progress { number, at_most: number - 1 + interpret::questions_ahead(rules, facts, &q.id).max(1) };
            Outcome { trace, end: End::NeedsAnswer(Prompt { progress: Some(progress), ..prompt(q, facts) }), evidence: Vec::new(), confidence }
        }
        interpret::Stop::Diagnosis(d) => {
            let evidence = d.evidence.iter().map(|f| FactUse::of(facts, f)).collect();
            Outcome { trace, end: End::Diagnosis(filled(d, facts)), evidence, confidence }
        }
    })
}

/// The diagnosis with the facts' values in its summary and steps. A step
/// whose every value is unknown says nothing and is left out (never one of
/// the verification steps, which come first and name no facts).
fn filled(d: &Diagnosis, facts: &Facts) -> Diagnosis {
    let mut d = d.clone();
    d.summary = fill(&d.summary, facts);
    let verify = d.verify_steps;
    d.next_steps = std::mem::take(&mut d.next_steps).into_iter().enumerate().filter_map(|(i, s)| if i < verify { Some(s) } else { prompt::fill_step(&s, facts) }).collect();
    d
}

/// Walk with no agent and no trace, as batch triage does: where the tree
/// asks, take its "don't know" branch. Returns the diagnosis and the first
/// question passed that way (the diagnosis is then provisional).
pub(crate) fn unattended<'r>(rules: &'r Rules, facts: &Facts) -> Result<(&'r Diagnosis, Option<&'r Question>)> {
    match interpret::interpret(rules, facts, &[], interpret::Unanswered::DontKnow, &mut interpret::Discard)? {
        (interpret::Stop::Diagnosis(d), q) => Ok((d, q)),
        (interpret::Stop::Question(q), _) => Err(Error::new(ErrorKind::InvalidRules, format!("internal: the walk stopped at `{}` with no agent", q.id))),
    }
}

/// An answer to a question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// Question id.
    pub question: String,
    /// Choice id, or `dont-know`.
    pub choice: String,
}

impl std::str::FromStr for Answer {
    type Err = Error;
    /// Parse `QUESTION_ID=CHOICE_ID`.
    fn from_str(s: &str) -> Result<Answer> {
        match s.split_once('=') {
            Some((q, c)) if !q.trim().is_empty() && !c.trim().is_empty() => Ok(Answer { question: q.trim().into(), choice: c.trim().into() }),
            _ => Err(Error::new(ErrorKind::BadAnswer, format!("`{s}` is not an answer")).hint("write QUESTION_ID=CHOICE_ID, e.g. new-phone=yes")),
        }
    }
}

/// An agent's note, attached at a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    /// The question or node the walk stood at when the note was written.
    pub at: String,
    /// The text.
    pub text: String,
}

/// The call a session belongs to, for the first lines of its ticket note.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    /// The ticket or case number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// The agent on the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// When the call started, in UTC (`2026-11-30 09:14`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
}

impl Call {
    /// Whether nothing is known about the call.
    pub fn is_empty(&self) -> bool {
        self.case.is_none() && self.agent.is_none() && self.started.is_none()
    }
}

/// A resumable troubleshooting session: facts, answers and notes.
///
/// It is saved as sealed JSON ([`Session::to_sealed_json`]), so a file or a
/// web page can carry it between requests, and it is believed again only if
/// the seal holds ([`Session::from_sealed_json`]).
///
/// ```
/// use signin_doctor::{Evidence, Facts, Rules, Session, SessionKey};
/// let rules = Rules::embedded()?;
/// let ev = Evidence::builder().signins_file("examples/stale-authenticator/signin.json")?.build();
/// let attempt = ev.select(&Default::default())?;
/// let mut session = Session::new(&rules, Facts::derive(&attempt, &ev, None), &attempt);
/// while let Some(q) = session.outcome(&rules)?.question().cloned() {
///     // A real caller asks the agent; this one answers "don't know".
///     session.answer(&rules, &q.id, "dont-know")?;
/// }
/// let key = SessionKey::generate()?;
/// let saved = session.to_sealed_json(&key)?;
/// let (back, _) = Session::from_sealed_json(&saved, &rules, &key, false)?;
/// assert!(back.outcome(&rules)?.diagnosis().is_some());
///
/// // A forged fact breaks the seal.
/// let forged = saved.replacen("\"value\": false", "\"value\": true", 1);
/// assert!(Session::from_sealed_json(&forged, &rules, &key, false).is_err());
/// # Ok::<(), signin_doctor::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Format version.
    pub version: u32,
    /// [`Rules::fingerprint`] of the rules the session was made with.
    pub rules_fingerprint: String,
    /// What is being diagnosed.
    pub subject: Subject,
    /// The facts.
    pub facts: Facts,
    /// Answers, in the order given.
    pub answers: Vec<Answer>,
    /// The agent's notes.
    #[serde(default)]
    pub notes: Vec<Note>,
    /// The call the session belongs to (case number, agent, time).
    #[serde(default, skip_serializing_if = "Call::is_empty")]
    pub call: Call,
    /// The seal of a saved session ([`Session::to_sealed_json`]); `None` in memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<String>,
}

impl Session {
    /// Start a session for what was diagnosed (an [`Attempt`](crate::Attempt), or its [`Subject`]).
    pub fn new(rules: &Rules, facts: Facts, subject: impl Into<Subject>) -> Session {
        Session { version: SESSION_VERSION, rules_fingerprint: rules.fingerprint().into(), subject: subject.into(), facts, answers: Vec::new(), notes: Vec::new(), call: Call::default(), seal: None }
    }

    /// Start a session with no log: every fact is unknown, so the walk goes by questions.
    pub fn without_log(rules: &Rules) -> Session {
        Session {
            version: SESSION_VERSION,
            rules_fingerprint: rules.fingerprint().into(),
            subject: Subject::default(),
            facts: Facts::default(),
            answers: Vec::new(),
            notes: Vec::new(),
            call: Call::default(),
            seal: None,
        }
    }

    /// Start a session with no log from the error code the caller reads out
    /// (`AADSTS50126` is 50126): the walk starts from what that code says.
    pub fn from_error_code(rules: &Rules, code: i64) -> Session {
        let mut s = Session::without_log(rules);
        s.facts.set("signin.error_code", Value::Number(code as f64), "the error code the caller read out", None);
        s.subject.error_code = Some(code);
        s
    }

    /// Walk as far as the facts and answers go. Without a log, what the
    /// data "settled" came from the caller (an error code read out), so the
    /// outcome is at best as sure as the caller's answers.
    pub fn outcome(&self, rules: &Rules) -> Result<Outcome> {
        let mut o = walk(rules, &self.facts, &self.answers)?;
        if self.subject.records.is_empty() && self.facts.iter().next().is_some() {
            o.confidence = o.confidence.max(Confidence::Answers);
        }
        Ok(o)
    }

    /// Answer a question (replacing an earlier answer to it). The question
    /// need not be on the current path: answers given ahead are used when
    /// the walk gets there.
    pub fn answer(&mut self, rules: &Rules, question: &str, choice: &str) -> Result<()> {
        let Some(q) = rules.question(question) else {
            let hint = match rules.node(question) {
                Some(n) => format!("`{question}` is a {}, not a question", n.kind()),
                None => "`signin-doctor explain` and the rule files list the question ids".to_string(),
            };
            return Err(Error::new(ErrorKind::BadAnswer, format!("there is no question `{question}`")).hint(hint));
        };
        if choice != DONT_KNOW && !q.choices.iter().any(|c| c.id == choice) {
            let ids: Vec<&str> = q.choices.iter().map(|c| c.id.as_str()).chain([DONT_KNOW]).collect();
            return Err(Error::new(ErrorKind::BadAnswer, format!("question `{question}` has no choice `{choice}`")).hint(format!("choose one of: {}", ids.join(", "))));
        }
        self.answers.retain(|a| a.question != question);
        self.answers.push(Answer { question: question.into(), choice: choice.into() });
        Ok(())
    }

    /// Take back the answer to a question; answers to later questions are kept
    /// and used again if the walk passes them.
    pub fn unanswer(&mut self, question: &str) {
        self.answers.retain(|a| a.question != question);
    }

    /// Attach a note at the current step.
    pub fn add_note(&mut self, at: &str, text: &str) {
        self.notes.push(Note { at: at.into(), text: text.into() });
    }

    /// After loading a saved session: drop answers the current rules no longer
    /// accept, and say what changed. Empty when the rules are the same.
    pub fn reconcile(&mut self, rules: &Rules) -> Vec<String> {
        let mut msgs = Vec::new();
        if self.rules_fingerprint == rules.fingerprint() {
            return msgs;
        }
        msgs.push(format!("the rules changed since this session was saved (saved with {}, now {})", self.rules_fingerprint, rules.fingerprint()));
        let before = self.answers.clone();
        self.answers.retain(|a| match rules.question(&a.question) {
            Some(q) => a.choice == DONT_KNOW || q.choices.iter().any(|c| c.id == a.choice),
            None => false,
        });
        for a in before.iter().filter(|a| !self.answers.contains(a)) {
            msgs.push(format!("dropped the answer {}={}: the question or choice no longer exists", a.question, a.choice));
        }
        self.rules_fingerprint = rules.fingerprint().into();
        msgs
    }
}
