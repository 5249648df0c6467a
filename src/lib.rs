//! # signin-doctor
//!
//! A troubleshooting rules engine for Microsoft Entra ID sign-in failures.
//! It takes a failed sign-in (Graph `signIn` JSON, or a Log Analytics row),
//! the user's audit events and the organisation's settings, derives typed
//! [`Facts`], and walks decision trees written in RON to a diagnosis with the
//! evidence and the next steps, asking the helpdesk agent where the data
//! cannot tell.
//!
//! The data flows in order: [`Evidence`] (files → records → attempts),
//! [`Facts`] (records + audit + org → typed facts, one history), [`Rules`]
//! (model → load → validate), [`Session`] (walk → trace → [`Outcome`]), and
//! the drivers on top: [`output`] (text, JSON, tickets), [`triage`] (whole
//! exports, the same reader, history and walk), [`authoring`] (case files,
//! coverage, pictures).
//!
//! ```
//! use signin_doctor::{Evidence, Facts, Rules, Session};
//!
//! let rules = Rules::embedded()?;
//! let evidence = Evidence::builder()
//!     .signins_file("examples/stale-authenticator/signin.json")?
//!     .audit_file("examples/stale-authenticator/audit.json")?
//!     .build();
//! let attempt = evidence.select(&Default::default())?;
//! let mut session = Session::new(&rules, Facts::derive(&attempt, &evidence, None), &attempt);
//!
//! // The data cannot tell what the user saw on their phone: the walk asks.
//! let outcome = session.outcome(&rules)?;
//! assert_eq!(outcome.question().map(|q| q.id.as_str()), Some("prompt-seen"));
//! session.answer(&rules, "prompt-seen", "no")?;
//! session.answer(&rules, "new-phone", "yes")?;
//! session.answer(&rules, "other-method", "yes")?;
//!
//! let outcome = session.outcome(&rules)?;
//! assert_eq!(outcome.diagnosis().map(|d| d.id.as_str()), Some("stale-authenticator-registration"));
//! for step in &outcome.trace {
//!     println!("{}", step.says());
//! }
//! # Ok::<(), signin_doctor::Error>(())
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod error;
mod facts;
mod limit;
mod logs;
mod rules;
mod text;
mod walk;

pub mod authoring;
#[cfg(feature = "fetch")]
pub mod fetch;
pub mod output;
pub mod triage;

/// The rule files' model, for tools that read the trees (every node kind and its branches).
pub mod model {
    pub use crate::rules::{Branch, Check, Choice, Cond, Diagnosis, Literal, Node, Question, Severity, Switch, SwitchCase, Tree, TreeFile, DONT_KNOW};
}

/// The log records as read (sign-ins, audit events and their parts), normalized over the formats.
pub mod records {
    pub use crate::logs::{
        AppIdentity, AuditEvent, AuthStep, CaPolicy, DeviceDetail, Initiator, Location, MfaDetail, ModifiedProperty, Origin, RequirementPolicy, SignIn, Status, Target, UserIdentity,
    };
}

pub use error::{Error, ErrorKind, Result};
pub use facts::{Fact, FactSpec, FactType, Facts, Located, LogIndex, OrgSettings, Source, Subject, Value, CATALOG};
pub use limit::{read_limits, read_text_file, set_read_limits, DEFAULT_LOG_FILE, DEFAULT_TEXT_FILE};
pub use logs::{Attempt, Evidence, EvidenceBuilder, InputFormat, Selector};
pub use rules::{Diagnosis, RuleError, RuleErrors, Rules, Severity, DONT_KNOW};
pub use walk::{Answer, Applied, Call, Confidence, End, FactUse, Line, Note, Outcome, Progress, Prompt, PromptChoice, Session, SessionKey, Step, Tri, SESSION_VERSION};
