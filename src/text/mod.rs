//! Source text: RON files (rules, cases, org settings), their positions, and
//! problems reported against them with the source line and a caret. A base
//! module: the error type, the rule loader and the settings readers all use
//! it, and it uses none of them.

pub(crate) mod lexical;
mod problems;
mod source;

pub use problems::{RuleError, RuleErrors};
pub(crate) use source::SourceFile;

/// Line, column and message of a RON error.
pub(crate) fn ron_error(e: &ron::error::SpannedError) -> (usize, usize, String) {
    (e.span.start.line.max(1), e.span.start.col.max(1), e.code.to_string())
}

/// The RON options every file in this project is read with.
pub(crate) fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES | ron::extensions::Extensions::IMPLICIT_SOME)
}
