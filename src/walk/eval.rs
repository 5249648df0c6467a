//! Condition evaluation in three-valued logic: a condition over an unknown
//! fact is unknown, and All/Any/Not follow Kleene's rules (All is false as
//! soon as one part is false, even if another is unknown).

use crate::facts::{Facts, Value};
use crate::rules::{Cond, Literal, Rules};

/// The result of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tri {
    /// The condition holds.
    Yes,
    /// It does not.
    No,
    /// The data cannot tell.
    Unknown,
}

impl Tri {
    fn from(b: bool) -> Tri {
        if b {
            Tri::Yes
        } else {
            Tri::No
        }
    }
    /// The branch name: yes, no, unknown.
    pub fn as_str(self) -> &'static str {
        match self {
            Tri::Yes => "yes",
            Tri::No => "no",
            Tri::Unknown => "unknown",
        }
    }
}

pub(crate) fn eq_lit(v: &Value, l: &Literal) -> bool {
    match (v, l) {
        (Value::Bool(a), Literal::Bool(b)) => a == b,
        (Value::Number(a), Literal::Number(b)) => (a - b).abs() < 1e-9,
        (Value::Text(a), Literal::Text(b)) => a.eq_ignore_ascii_case(b),
        (Value::List(a), Literal::Text(b)) => a.iter().any(|x| x.eq_ignore_ascii_case(b)),
        _ => false,
    }
}

/// Whether `text` contains `part`, ignoring case: without a lowercased copy
/// of each when both are ASCII (a walk tests failure reasons this way).
fn contains_ignoring_case(text: &str, part: &str) -> bool {
    if text.is_ascii() && part.is_ascii() {
        crate::logs::contains_ci(text, part)
    } else {
        text.to_lowercase().contains(&part.to_lowercase())
    }
}

pub(crate) fn eval(c: &Cond, facts: &Facts, rules: &Rules) -> Tri {
    let get = |f: &str| facts.value(f);
    let num = |f: &str, op: fn(f64, f64) -> bool, n: f64| match get(f) {
        Some(Value::Number(x)) => Tri::from(op(*x, n)),
        Some(Value::List(v)) => Tri::from(op(v.len() as f64, n)),
        Some(_) => Tri::No,
        None => Tri::Unknown,
    };
    match c {
        Cond::Eq(f, l) => get(f).map_or(Tri::Unknown, |v| Tri::from(eq_lit(v, l))),
        Cond::Ne(f, l) => get(f).map_or(Tri::Unknown, |v| Tri::from(!eq_lit(v, l))),
        Cond::In(f, ls) => get(f).map_or(Tri::Unknown, |v| Tri::from(ls.iter().any(|l| eq_lit(v, l)))),
        Cond::Lt(f, n) => num(f, |a, b| a < b, *n),
        Cond::Le(f, n) => num(f, |a, b| a <= b, *n),
        Cond::Gt(f, n) => num(f, |a, b| a > b, *n),
        Cond::Ge(f, n) => num(f, |a, b| a >= b, *n),
        Cond::Contains(f, s) => match get(f) {
            Some(Value::Text(t)) => Tri::from(contains_ignoring_case(t, s)),
            Some(Value::List(v)) => Tri::from(v.iter().any(|x| x.eq_ignore_ascii_case(s))),
            Some(_) => Tri::No,
            None => Tri::Unknown,
        },
        Cond::Matches(f, p) => match (get(f), rules.regex(p)) {
            (Some(Value::Text(t)), Some(re)) => Tri::from(re.is_match(t)),
            (None, _) => Tri::Unknown,
            _ => Tri::No,
        },
        Cond::Known(f) => Tri::from(get(f).is_some()),
        Cond::Unknown(f) => Tri::from(get(f).is_none()),
        // Every part is evaluated (no short cut): where batch triage derives
        // facts as a walk reads them, one walk asks for all a condition reads
        // (fewer walks again; a short cut would end alike).
        Cond::All(v) => v.iter().map(|c| eval(c, facts, rules)).fold(Tri::Yes, |acc, r| match (acc, r) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Unknown, _) | (_, Tri::Unknown) => Tri::Unknown,
            _ => Tri::Yes,
        }),
        Cond::Any(v) => v.iter().map(|c| eval(c, facts, rules)).fold(Tri::No, |acc, r| match (acc, r) {
            (Tri::Yes, _) | (_, Tri::Yes) => Tri::Yes,
            (Tri::Unknown, _) | (_, Tri::Unknown) => Tri::Unknown,
            _ => Tri::No,
        }),
        Cond::Not(c) => match eval(c, facts, rules) {
            Tri::Yes => Tri::No,
            Tri::No => Tri::Yes,
            Tri::Unknown => Tri::Unknown,
        },
    }
}
