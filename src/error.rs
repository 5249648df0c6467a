//! Errors: each names the file and the place in it, and says what to do.

use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::rules::RuleErrors;

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
}

impl ErrorKind {
    /// The process exit code the CLI uses for this class (see README, "Exit codes").
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorKind::InvalidRules => 5,
            ErrorKind::BadAnswer | ErrorKind::Session => 6,
            _ => 4,
        }
    }
}

/// An error with the file and place it concerns.
///
/// ```
/// use signin_doctor::{Evidence, ErrorKind};
/// let err = Evidence::builder().signins_str("log.json", "[1, 2").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Syntax);
/// assert_eq!(err.line(), Some(1));
/// assert!(err.to_string().starts_with("log.json:1:"));
/// ```
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    path: Option<PathBuf>,
    line: Option<usize>,
    column: Option<usize>,
    record: Option<usize>,
    message: String,
    hint: Option<String>,
    rules: Option<Box<RuleErrors>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, path: None, line: None, column: None, record: None, message: message.into(), hint: None, rules: None }
    }
    pub(crate) fn io(path: &Path, err: &std::io::Error) -> Self {
        let what = match err.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => err.to_string(),
        };
        Error::new(ErrorKind::Io, format!("cannot read the file: {what}")).at_path(path)
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
        self.path = Some(path.to_path_buf());
        self
    }
    pub(crate) fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }
    pub(crate) fn record(mut self, n: usize) -> Self {
        self.record = Some(n);
        self
    }
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub(crate) fn rules(errors: RuleErrors) -> Self {
        let n = errors.len();
        let mut e = Error::new(
            ErrorKind::InvalidRules,
            format!("the rules have {n} error{}", if n == 1 { "" } else { "s" }),
        );
        e.rules = Some(Box::new(errors));
        e
    }

    /// The class of error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    /// The file concerned, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
    /// 1-based line in the file.
    pub fn line(&self) -> Option<usize> {
        self.line
    }
    /// 1-based column in the line.
    pub fn column(&self) -> Option<usize> {
        self.column
    }
    /// 1-based record number within the file.
    pub fn record_number(&self) -> Option<usize> {
        self.record
    }
    /// The message, without the place.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// What to do about it, when the tool knows.
    pub fn hint_text(&self) -> Option<&str> {
        self.hint.as_deref()
    }
    /// The individual rule errors, for [`ErrorKind::InvalidRules`].
    pub fn rule_errors(&self) -> Option<&RuleErrors> {
        self.rules.as_deref()
    }
    /// The CLI exit code for this error.
    pub fn exit_code(&self) -> i32 {
        self.kind.exit_code()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.path {
            write!(f, "{}", p.display())?;
            if let Some(l) = self.line {
                write!(f, ":{l}")?;
                if let Some(c) = self.column {
                    write!(f, ":{c}")?;
                }
            }
            f.write_str(": ")?;
        }
        if let Some(r) = self.record {
            write!(f, "record {r}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " (hint: {h})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
