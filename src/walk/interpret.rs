//! The one tree interpreter. Every walk goes through [`interpret`]: the
//! traced walk of `diagnose`, `guide`, the session and the API (a sink that
//! writes the trace; an open question stops the walk), and batch triage (a
//! sink that discards; an open question is passed by its "don't know"
//! branch). The branch taken at each node is decided in one place.

use super::eval::{self, Tri};
use super::{capital, fill, Answer, FactUse, Step};
use crate::error::{Error, ErrorKind, Result};
use crate::facts::{Facts, Value};
use crate::rules::{Check, Diagnosis, Node, Question, Rules, Switch, DONT_KNOW};

/// What the walk does at a question nobody has answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unanswered {
    /// Stop there: the walk needs the answer.
    Stop,
    /// Take the "don't know" branch and go on (batch triage).
    DontKnow,
}

/// Where the walk ended.
pub(crate) enum Stop<'r> {
    Diagnosis(&'r Diagnosis),
    Question(&'r Question),
}

/// What the interpreter tells the sink at each step. The default methods
/// discard, so an unattended walk costs no formatting.
pub(crate) trait Sink {
    fn check(&mut self, _c: &Check, _facts: &Facts, _result: Tri, _next: &str) {}
    fn switch(&mut self, _sw: &Switch, _fact: FactUse, _case: &str, _next: &str) {}
    /// A question passed with an answer (`label` is the choice's label).
    fn question(&mut self, _q: &Question, _facts: &Facts, _choice: &str, _label: &str, _next: &str) {}
    /// Whether the sink wants the switch's fact with its provenance.
    fn wants_facts(&self) -> bool {
        false
    }
}

/// A sink that keeps nothing.
pub(crate) struct Discard;
impl Sink for Discard {}

/// A sink that writes the trace an agent reads.
#[derive(Default)]
pub(crate) struct Tracer(pub(crate) Vec<Step>);

impl Sink for Tracer {
    fn check(&mut self, c: &Check, facts: &Facts, result: Tri, next: &str) {
        let uses: Vec<FactUse> = c.when.facts().into_iter().map(|f| FactUse::of(facts, f)).collect();
        let verdict = match result {
            Tri::Yes => "Yes",
            Tri::No => "No",
            Tri::Unknown => "The data cannot tell",
        };
        let says = format!("{} {verdict}: {}.", c.label.trim_end(), uses.iter().map(FactUse::say).collect::<Vec<_>>().join("; "));
        self.0.push(Step::Check { node: c.id.clone(), label: c.label.clone(), condition: c.when.to_string(), facts: uses, result, next: next.to_string(), says });
    }
    fn switch(&mut self, sw: &Switch, fact: FactUse, case: &str, next: &str) {
        let answer = match case {
            "unknown" => "The data cannot tell".to_string(),
            "default" => "None of the listed kinds".to_string(),
            c => capital(c),
        };
        let says = format!("{} {answer}: {}.", sw.label.trim_end(), fact.say());
        self.0.push(Step::Switch { node: sw.id.clone(), label: sw.label.clone(), facts: vec![fact], case: case.to_string(), next: next.to_string(), says });
    }
    fn question(&mut self, q: &Question, facts: &Facts, choice: &str, label: &str, next: &str) {
        let text = fill(&q.text, facts);
        let says = format!("Asked: \"{text}\" The agent answered: {}.", capital(label));
        self.0.push(Step::Question { node: q.id.clone(), text, choice: choice.to_string(), answer: label.to_string(), next: next.to_string(), says });
    }
    fn wants_facts(&self) -> bool {
        true
    }
}

/// Where a switch goes for a value: (the case's label, or `default` /
/// `unknown`; the next node).
fn route<'r>(sw: &'r Switch, value: Option<&Value>) -> (&'r str, Option<&'r str>) {
    match value {
        None => ("unknown", sw.unknown.as_deref()),
        Some(v) => match sw.cases.iter().find(|c| c.values.iter().any(|l| eval::eq_lit(v, l))) {
            Some(c) => (&c.label, c.next.as_deref()),
            None => ("default", sw.default.as_deref()),
        },
    }
}

/// Where a check goes with these facts: (its result, the next node).
fn check_next<'r>(c: &'r Check, facts: &Facts, rules: &Rules) -> (Tri, Option<&'r str>) {
    let result = eval::eval(&c.when, facts, rules);
    let next = match result {
        Tri::Yes => &c.yes,
        Tri::No => &c.no,
        Tri::Unknown => &c.unknown,
    };
    (result, next.as_deref())
}

/// The most questions a walk from node `from` can still ask (`from` itself
/// included), the data deciding every check and switch on the way and the
/// answers only the questions. It is what "question 2 of at most 4" counts.
/// Each node is counted once, without recursion, so a deep tree cannot
/// overflow the stack; a cycle (in rules nobody validated) counts as nothing.
pub(crate) fn questions_ahead(rules: &Rules, facts: &Facts, from: &str) -> usize {
    use std::collections::HashMap;
    let next_of = |node: &'_ Node| -> Vec<String> {
        match node {
            Node::Check(c) => check_next(c, facts, rules).1.into_iter().map(String::from).collect(),
            Node::Switch(sw) => route(sw, facts.value(&sw.fact)).1.into_iter().map(String::from).collect(),
            Node::Question(q) => q.choices.iter().filter_map(|c| c.next.clone()).chain(q.dont_know.clone()).collect(),
            Node::Diagnosis(_) => Vec::new(),
        }
    };
    // None while a node is being counted; Some(n) once it is.
    let mut counted: HashMap<String, Option<usize>> = HashMap::new();
    let mut stack: Vec<(String, bool)> = vec![(from.to_string(), false)];
    while let Some((id, expanded)) = stack.pop() {
        let Some(node) = rules.node(&id) else {
            counted.insert(id, Some(0));
            continue;
        };
        let next = next_of(node);
        if expanded {
            let most = next.iter().filter_map(|n| counted.get(n).copied().flatten()).max().unwrap_or(0);
            counted.insert(id, Some(most + usize::from(matches!(node, Node::Question(_)))));
            continue;
        }
        if counted.contains_key(&id) {
            continue;
        }
        counted.insert(id.clone(), None);
        stack.push((id, true));
        stack.extend(next.into_iter().filter(|n| !counted.contains_key(n)).map(|n| (n, false)));
    }
    counted.get(from).copied().flatten().unwrap_or(0)
}

fn broken(id: &str) -> Error {
    Error::new(ErrorKind::InvalidRules, format!("internal: node `{id}` has a branch the checks should have caught"))
}

/// Walk the rules from the start node with these facts and answers, telling
/// `sink` each step. Returns where the walk stopped and the first question
/// passed by its "don't know" branch because nobody answered it.
pub(crate) fn interpret<'r>(rules: &'r Rules, facts: &Facts, answers: &[Answer], unanswered: Unanswered, sink: &mut dyn Sink) -> Result<(Stop<'r>, Option<&'r Question>)> {
    let mut node = rules.start();
    let mut defaulted = None;
    // A validated tree has no cycle; the bound guards against a rule set that was not validated.
    for _ in 0..=rules.nodes().count() {
        let next = match node {
            Node::Check(c) => {
                let (result, next) = check_next(c, facts, rules);
                let next = next.ok_or_else(|| broken(&c.id))?;
                sink.check(c, facts, result, next);
                next
            }
            Node::Switch(sw) => {
                let (case, next) = route(sw, facts.value(&sw.fact));
                let next = next.ok_or_else(|| broken(&sw.id))?;
                if sink.wants_facts() {
                    sink.switch(sw, FactUse::of(facts, &sw.fact), case, next);
                }
                next
            }
            Node::Question(q) => {
                let choice = match answers.iter().rev().find(|a| a.question == q.id) {
                    Some(a) => a.choice.as_str(),
                    None if unanswered == Unanswered::Stop => return Ok((Stop::Question(q), defaulted)),
                    None => {
                        defaulted.get_or_insert(q);
                        DONT_KNOW
                    }
                };
                let (label, next) = if choice == DONT_KNOW {
                    ("Don't know", q.dont_know.as_deref())
                } else {
                    match q.choices.iter().find(|c| c.id == choice) {
                        Some(c) => (c.label.as_str(), c.next.as_deref()),
                        None => return Err(Error::new(ErrorKind::BadAnswer, format!("question `{}` has no choice `{choice}`", q.id))),
                    }
                };
                let next = next.ok_or_else(|| broken(&q.id))?;
                sink.question(q, facts, choice, label, next);
                next
            }
            Node::Diagnosis(d) => return Ok((Stop::Diagnosis(d), defaulted)),
        };
        node = rules.node(next).ok_or_else(|| broken(node.id()))?;
    }
    Err(broken(node.id()))
}
