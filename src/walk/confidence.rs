//! How sure an outcome is: from the data, with the caller's answers, or
//! provisional.

use super::Step;
use crate::rules::DONT_KNOW;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How an outcome was reached, from the surest to the least sure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// From the data alone: no question was asked.
    Data,
    /// With the caller's answers to the tree's questions.
    Answers,
    /// Provisional: someone answered "don't know" (or batch triage took the
    /// don't-know branch), so the diagnosis rests on a default, not a fact.
    Provisional,
}

impl Confidence {
    /// How a walk that went through these steps was reached.
    pub fn of(trace: &[Step]) -> Confidence {
        trace
            .iter()
            .filter_map(|s| match s {
                Step::Question { choice, .. } if choice == DONT_KNOW => Some(Confidence::Provisional),
                Step::Question { .. } => Some(Confidence::Answers),
                _ => None,
            })
            .max()
            .unwrap_or(Confidence::Data)
    }
    /// The word used in outputs: `data`, `answers` or `provisional`.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Data => "data",
            Confidence::Answers => "answers",
            Confidence::Provisional => "provisional",
        }
    }
    /// What it means, for an agent.
    pub fn says(self) -> &'static str {
        match self {
            Confidence::Data => "from the log data alone",
            Confidence::Answers => "from the log data and the caller's answers",
            Confidence::Provisional => "provisional: a question was answered \"don't know\", so this rests on a default, not on a fact",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
