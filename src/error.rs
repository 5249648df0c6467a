//! Errors: each names the file and the place in it, and says what to do.

use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::text::RuleErrors;

/// What went wrong, in classes a caller can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// A file could not be read (missing, unreadable).
    Io,
    /// A file is empty.
    Empty,
    /// Malformed JSON or RON.
    Syntax,
    /// Valid JSON that is not the kind of log expected (e.g. an audit log given as sign-ins).
    NotALog,
    /// One record could not be read.
    BadRecord,
    /// The organisation settings file is invalid.
    BadOrg,
    /// An answer names a question or choice the rules do not have.
    BadAnswer,
    /// The selection (`--id`, `--correlation-id`, `--user`) matches nothing, or the log holds no failure.
    NotFound,
    /// The rules failed their load-time checks; see [`Error::rule_errors`].
    InvalidRules,
    /// A saved session does not fit these rules or is damaged.
    Session,
    /// A file is larger than the cap on what is read whole (`--max-input-mib`).
    TooLarge,
    /// An output could not be written, or would overwrite an input.
    Write,
    /// Signing in to Microsoft Entra ID to read the logs failed (a wrong or
    /// expired secret, an unknown app or tenant, a refused device code).
    Auth,
    /// Microsoft Graph or Log Analytics refused or failed a request: a
    /// missing permission or licence, throttling past the retries, a page
    /// that is not what the API sends.
    Service,
}

/// An error with the file and place it concerns.
///
/// ```
/// use signin_doctor::{Evidence, ErrorKind};
/// let err = Evidence::builder().signins_str("log.json", "[1, 2").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Syntax);
/// assert_eq!(err.line(), Some(1));
/// assert!(err.to_string().starts_with("log.json:1:"));
///
/// // The underlying error is kept as the cause.
/// let err = Evidence::builder().signins_file("no/such/file.json").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Io);
/// let cause = std::error::Error::source(&err);
/// assert!(cause.is_some_and(|c| c.downcast_ref::<std::io::Error>().is_some()));
/// ```
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Error(Box<Inner>);

#[derive(Debug, thiserror::Error)]
#[error("{}", render(self))]
struct Inner {
    kind: ErrorKind,
    path: Option<PathBuf>,
    line: Option<usize>,
    column: Option<usize>,
    record: Option<usize>,
    message: String,
    hint: Option<String>,
    rules: Option<Box<RuleErrors>>,
    /// The underlying error (I/O, JSON, CSV), when there is one.
    #[source]
    cause: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error(Box::new(Inner { kind, path: None, line: None, column: None, record: None, message: message.into(), hint: None, rules: None, cause: None }))
    }
    pub(crate) fn io(path: &Path, err: &std::io::Error) -> Self {
        if let Some(big) = err.get_ref().and_then(|e| e.downcast_ref::<crate::limit::TooLarge>()) {
            return crate::limit::too_large(path, big.0);
        }
        let what = match err.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => err.to_string(),
        };
        Error::new(ErrorKind::Io, format!("cannot read the file: {what}")).at_path(path).caused_by(std::io::Error::new(err.kind(), err.to_string()))
    }
    /// An output that could not be written: "cannot write", with the reason.
    pub fn from_write(path: &Path, err: &std::io::Error) -> Self {
        let what = match err.kind() {
            std::io::ErrorKind::NotFound => "its directory does not exist".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => err.to_string(),
        };
        Error::new(ErrorKind::Write, format!("cannot write the file: {what}")).at_path(path).caused_by(std::io::Error::new(err.kind(), err.to_string()))
    }
    /// Keep the underlying error, for [`std::error::Error::source`].
    pub(crate) fn caused_by(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.0.cause = Some(Box::new(cause));
        self
    }
    /// An error of a given kind about a file (an empty path names no file).
    pub fn from_parts(kind: ErrorKind, message: impl Into<String>, path: &Path) -> Self {
        let e = Error::new(kind, message);
        if path.as_os_str().is_empty() {
            e
        } else {
            e.at_path(path)
        }
    }
    /// An I/O error on a file, worded for a person ("no such file").
    pub fn from_io(path: &Path, err: &std::io::Error) -> Self {
        Error::io(path, err)
    }
    pub(crate) fn at_path(mut self, path: &Path) -> Self {
        self.0.path = Some(path.to_path_buf());
        self
    }
    pub(crate) fn at(mut self, line: usize, column: usize) -> Self {
        self.0.line = Some(line);
        self.0.column = Some(column);
        self
    }
    pub(crate) fn record(mut self, n: usize) -> Self {
        self.0.record = Some(n);
        self
    }
    /// The same error with what to do about it.
    pub fn with_hint(self, hint: impl Into<String>) -> Self {
        self.hint(hint)
    }
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.0.hint = Some(hint.into());
        self
    }
    pub(crate) fn rules(errors: RuleErrors) -> Self {
        let n = errors.len();
        let mut e = Error::new(ErrorKind::InvalidRules, format!("the rules have {n} error{}", if n == 1 { "" } else { "s" }));
        e.0.rules = Some(Box::new(errors));
        e
    }

    /// The class of error.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }
    /// The file concerned, if any.
    pub fn path(&self) -> Option<&Path> {
        self.0.path.as_deref()
    }
    /// 1-based line in the file.
    pub fn line(&self) -> Option<usize> {
        self.0.line
    }
    /// 1-based column in the line.
    pub fn column(&self) -> Option<usize> {
        self.0.column
    }
    /// 1-based record number within the file.
    pub fn record_number(&self) -> Option<usize> {
        self.0.record
    }
    /// The message, without the place.
    pub fn message(&self) -> &str {
        &self.0.message
    }
    /// What to do about it, when the tool knows.
    pub fn hint_text(&self) -> Option<&str> {
        self.0.hint.as_deref()
    }
    /// The individual rule errors, for [`ErrorKind::InvalidRules`].
    pub fn rule_errors(&self) -> Option<&RuleErrors> {
        self.0.rules.as_deref()
    }
}

/// `file:line:col: record N: message (hint: ...)`.
fn render(e: &Inner) -> String {
    use fmt::Write;
    let mut f = String::new();
    if let Some(p) = &e.path {
        let _ = write!(f, "{}", p.display());
        if let Some(l) = e.line {
            let _ = write!(f, ":{l}");
            if let Some(c) = e.column {
                let _ = write!(f, ":{c}");
            }
        }
        f.push_str(": ");
    }
    if let Some(r) = e.record {
        let _ = write!(f, "record {r}: ");
    }
    f.push_str(&e.message);
    if let Some(h) = &e.hint {
        let _ = write!(f, " (hint: {h})");
    }
    f
}

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
