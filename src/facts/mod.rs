//! Facts: the typed, named values that rules test.
//!
//! The trees never see raw JSON. [`Facts::derive`] turns one sign-in attempt,
//! the surrounding logs and the organisation's settings into values named in
//! the [`CATALOG`]; any of them may be unknown. Each value carries its
//! [`Source`], so a trace can say where it came from.

mod catalog;
mod classify;
mod derive;
mod history;
mod index;
mod lazy;
mod org;
mod signals;
mod subject;

pub use catalog::{spec, FactSpec, CATALOG};
pub(crate) use derive::is_legacy_client;
pub(crate) use history::{history_user, Glimpse, HashMap as FastMap, HashSet as FastSet, History};
pub use index::{Located, LogIndex};
pub use org::OrgSettings;
pub use subject::Subject;

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU16, Ordering::Relaxed};
use std::sync::Arc;

/// The type of a fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FactType {
    /// `true` or `false`.
    Bool,
    /// A number (integer or decimal).
    Number,
    /// Text, compared without regard to case.
    Text,
    /// A list of texts.
    List,
}

impl fmt::Display for FactType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FactType::Bool => "bool",
            FactType::Number => "number",
            FactType::Text => "text",
            FactType::List => "list",
        })
    }
}

/// A fact's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(f64),
    /// Text.
    Text(String),
    /// A list of texts.
    List(Vec<String>),
}

impl Value {
    /// The type of this value.
    pub fn ty(&self) -> FactType {
        match self {
            Value::Bool(_) => FactType::Bool,
            Value::Number(_) => FactType::Number,
            Value::Text(_) => FactType::Text,
            Value::List(_) => FactType::List,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => write!(f, "{}", if *b { "yes" } else { "no" }),
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => write!(f, "{}", *n as i64),
            Value::Number(n) => write!(f, "{n:.1}"),
            Value::Text(s) => write!(f, "\"{s}\""),
            Value::List(v) if v.is_empty() => f.write_str("(none)"),
            Value::List(v) => write!(f, "{}", v.join(", ")),
        }
    }
}

/// Where a fact's value came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Source {
    /// The record it was read from: `file#record` and the record id, if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub record: Option<Arc<str>>,
    /// The field or setting, e.g. `status.errorCode` or `org break_glass_accounts`.
    pub field: Cow<'static, str>,
    /// Why it is unknown, or how it was worked out.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<Cow<'static, str>>,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.field)?;
        if let Some(r) = &self.record {
            write!(f, ", {r}")?;
        }
        if let Some(n) = &self.note {
            write!(f, "; {n}")?;
        }
        Ok(())
    }
}

/// One fact: a value, or unknown, and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    /// `None` when the data cannot tell.
    pub value: Option<Value>,
    /// Where the value came from, or why it is unknown.
    pub source: Source,
}

/// The facts of one sign-in attempt.
///
/// ```
/// use signin_doctor::{Facts, Value};
/// let mut facts = Facts::default();
/// facts.set("signin.error_code", Value::Number(500121.0), "status.errorCode", None);
/// assert_eq!(facts.value("signin.error_code"), Some(&Value::Number(500121.0)));
/// assert_eq!(facts.value("mfa.outcome"), None); // unknown
/// ```
#[derive(Default, Deserialize)]
#[serde(transparent)]
pub struct Facts {
    /// Hashed, not ordered: an attempt's fifty-odd facts are set and read
    /// once each in batch triage, where a tree map's string comparisons and
    /// moves cost more than the walk. Every view of them is sorted by name.
    map: HashMap<Cow<'static, str>, Fact, foldhash::fast::FixedState>,
    /// Groups of facts not derived yet (see `lazy`): batch triage derives
    /// the audit log's and the history's facts only for walks that read them.
    #[serde(skip)]
    pending: u16,
    /// Of those, the groups a walk asked for: derived before it walks again.
    /// Atomic (relaxed), not a `Cell`, so facts stay `Sync` for callers who
    /// share a session or a result between threads.
    #[serde(skip)]
    wanted: AtomicU16,
    /// Values only: notes that must be formatted ([`Facts::note_with`]) are
    /// left out. Batch triage's walks read values, and its results carry
    /// no facts unless asked to keep them (then every note is made).
    #[serde(skip)]
    values_only: bool,
}

impl Clone for Facts {
    fn clone(&self) -> Facts {
        Facts { map: self.map.clone(), pending: self.pending, wanted: AtomicU16::new(self.wanted.load(Relaxed)), values_only: self.values_only }
    }
}

/// Two sets of facts are equal when they hold the same facts.
impl PartialEq for Facts {
    fn eq(&self, other: &Facts) -> bool {
        self.map == other.map
    }
}

impl fmt::Debug for Facts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Facts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl Facts {
    pub(crate) fn with_capacity(n: usize) -> Facts {
        Facts { map: HashMap::with_capacity_and_hasher(n, Default::default()), pending: 0, wanted: AtomicU16::new(0), values_only: false }
    }

    /// Forget every fact, keeping the allocation.
    pub(crate) fn clear(&mut self) {
        self.map.clear();
        self.pending = 0;
        self.wanted.store(0, Relaxed);
    }

    /// The fact by name; a fact of a group not derived yet is noted as
    /// wanted (and is unknown until its group is derived).
    fn lookup(&self, name: &str) -> Option<&Fact> {
        let found = self.map.get(name);
        if found.is_none() && self.pending != 0 {
            self.wanted.fetch_or(lazy::group_of(name) & self.pending, Relaxed);
        }
        found
    }

    /// Set a known value; `record` names the record it came from (`file#N`).
    pub fn set(&mut self, name: impl Into<Cow<'static, str>>, value: Value, field: impl Into<Cow<'static, str>>, record: Option<Arc<str>>) {
        self.map.insert(name.into(), Fact { value: Some(value), source: Source { record, field: field.into(), note: None } });
    }

    /// [`Facts::note`] with a note worked out only where notes are kept:
    /// not for batch triage's walks, which read values only.
    pub(crate) fn note_with(&mut self, name: &str, note: impl FnOnce() -> String) {
        if !self.values_only {
            self.note(name, note());
        }
    }

    /// Record why a fact is unknown.
    pub fn unknown(&mut self, name: impl Into<Cow<'static, str>>, field: impl Into<Cow<'static, str>>, why: impl Into<Cow<'static, str>>) {
        self.map.insert(name.into(), Fact { value: None, source: Source { record: None, field: field.into(), note: Some(why.into()) } });
    }

    /// Add a note about how a value was worked out.
    pub fn note(&mut self, name: &str, note: impl Into<Cow<'static, str>>) {
        if let Some(f) = self.map.get_mut(name) {
            f.source.note = Some(note.into());
        }
    }

    /// The fact, if it was recorded (known or with a reason for being unknown).
    /// Where batch triage has not derived a fact's group yet, it is absent,
    /// and the read is noted so that the group is derived before the walk
    /// is repeated.
    pub fn get(&self, name: &str) -> Option<&Fact> {
        self.lookup(name)
    }

    /// The value, when known (a read noted as [`Facts::get`]'s is).
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.lookup(name).and_then(|f| f.value.as_ref())
    }

    /// All recorded facts, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Fact)> {
        let mut all: Vec<(&str, &Fact)> = self.map.iter().map(|(k, v)| (k.as_ref(), v)).collect();
        all.sort_unstable_by_key(|(k, _)| *k);
        all.into_iter()
    }

    /// Only the known facts, by name.
    pub fn known(&self) -> impl Iterator<Item = (&str, &Value, &Source)> {
        self.iter().filter_map(|(k, f)| f.value.as_ref().map(|v| (k, v, &f.source)))
    }
}
