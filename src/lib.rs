//! # signin-doctor
//!
//! A troubleshooting rules engine for Microsoft Entra ID sign-in failures.
//! It takes a failed sign-in (Graph `signIn` JSON, or a Log Analytics row),
//! the user's audit events and the organisation's settings, derives typed
//! [`Facts`], and walks decision trees written in RON to a diagnosis with the
//! evidence and the next steps, asking the helpdesk agent where the data
//! cannot tell.
//!
//! The data flows through the modules in order: [`logs`] (files → records →
//! attempts), [`facts`] (records + audit + org → facts), [`rules`] (model →
//! load → validate), [`walk`] (session → trace → diagnosis), [`output`].
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
//! let q = session.outcome(&rules)?.question().cloned().expect("a question");
//! assert_eq!(q.id, "prompt-seen");
//! session.answer(&rules, "prompt-seen", "no")?;
//! session.answer(&rules, "new-phone", "yes")?;
//! session.answer(&rules, "other-method", "yes")?;
//!
//! let outcome = session.outcome(&rules)?;
//! assert_eq!(outcome.diagnosis().unwrap().id, "stale-authenticator-registration");
//! for step in &outcome.trace {
//!     println!("{}", step.says());
//! }
//! # Ok::<(), signin_doctor::Error>(())
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod authoring;
mod error;
pub mod facts;
pub mod logs;
pub mod output;
pub mod rules;
mod text;
pub mod triage;
pub mod walk;

pub use error::{Error, ErrorKind, Result};
pub use facts::{FactType, Facts, OrgSettings, Value};
pub use logs::{Attempt, Evidence, InputFormat, Selector};
pub use rules::{RuleErrors, Rules};
pub use walk::{Confidence, Outcome, Session, Step};
