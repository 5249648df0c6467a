//! Rule errors: found at load, all reported at once, each with the file, the
//! line and column, the node id, the source line with a caret and a hint.

use super::SourceFile;
use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor::WriteColor};
use serde::Serialize;
use std::ops::Range;

/// One problem in the rules.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct RuleError {
    /// A stable code, e.g. `unknown-fact`, `cycle`, `unreachable` (see rules/README.md).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The node concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    #[serde(skip)]
    pub(crate) span: Range<usize>,
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if let Some(n) = &self.node {
            write!(f, "node `{n}`: ")?;
        }
        write!(f, "{} [{}]", self.message, self.code)?;
        if let Some(h) = &self.hint {
            write!(f, " (hint: {h})")?;
        }
        Ok(())
    }
}

/// Every problem found in a set of rule files.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(transparent)]
pub struct RuleErrors {
    errors: Vec<RuleError>,
    #[serde(skip)]
    files: Vec<SourceFile>,
}

impl RuleErrors {
    pub(crate) fn new(files: Vec<SourceFile>) -> Self {
        RuleErrors { errors: Vec::new(), files }
    }
    pub(crate) fn files(&self) -> &[SourceFile] {
        &self.files
    }
    pub(crate) fn set_files(&mut self, files: Vec<SourceFile>) {
        self.files = files;
    }
    /// Record a problem at a span of file `file`.
    pub(crate) fn push(&mut self, code: &'static str, file: usize, span: Range<usize>, node: Option<&str>, message: String, hint: Option<String>) {
        let sf = &self.files[file];
        let (line, column) = sf.line_col(span.start);
        self.errors.push(RuleError { code, message, file: sf.name.clone(), line, column, node: node.map(String::from), hint, span });
    }
    /// How many.
    pub fn len(&self) -> usize {
        self.errors.len()
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
    /// The errors, in file and line order.
    pub fn iter(&self) -> impl Iterator<Item = &RuleError> {
        self.errors.iter()
    }
    pub(crate) fn sort(&mut self) {
        self.errors.sort_by(|a, b| (&a.file, a.line, a.column, a.code).cmp(&(&b.file, b.line, b.column, b.code)));
        self.errors.dedup_by(|a, b| a.file == b.file && a.span == b.span && a.code == b.code && a.message == b.message);
    }

    /// Render like a compiler: the source line with a caret under the spot, and the hint.
    pub fn render(&self, out: &mut dyn WriteColor) -> std::io::Result<()> {
        let mut files = SimpleFiles::new();
        let ids: Vec<usize> = self.files.iter().map(|f| files.add(f.name.clone(), f.text.clone())).collect();
        let config = term::Config::default();
        for e in &self.errors {
            let Some(fid) = self.files.iter().position(|f| f.name == e.file) else { continue };
            let mut label = Label::primary(ids[fid], e.span.clone());
            if let Some(n) = &e.node {
                label = label.with_message(format!("in node `{n}`"));
            }
            let mut d = Diagnostic::error().with_message(&e.message).with_code(e.code).with_labels(vec![label]);
            if let Some(h) = &e.hint {
                d = d.with_notes(vec![format!("hint: {h}")]);
            }
            term::emit(out, &config, &files, &d).map_err(std::io::Error::other)?;
        }
        Ok(())
    }

    /// The rendering as plain text (no colour).
    pub fn render_plain(&self) -> String {
        let mut buf = term::termcolor::NoColor::new(Vec::new());
        let _ = self.render(&mut buf);
        String::from_utf8_lossy(&buf.into_inner()).into_owned()
    }
}

impl std::fmt::Display for RuleErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for e in &self.errors {
            writeln!(f, "{e}")?;
        }
        Ok(())
    }
}
