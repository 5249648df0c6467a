//! How the command line speaks to a person: how much (`-q`, `-v`) and in
//! colour or not (`--color`, `NO_COLOR`). Errors are always printed; `-q`
//! silences notes, progress bars and summaries on standard error, `-v` adds
//! what was read and how long each phase took.

use clap::ValueEnum;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU8, Ordering};

/// When to use colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set or TERM is dumb.
    Auto,
    /// Always (also into a pipe).
    Always,
    /// Never.
    Never,
}

const QUIET: u8 = 0;
const NORMAL: u8 = 1;
const VERBOSE: u8 = 2;

static LEVEL: AtomicU8 = AtomicU8::new(NORMAL);
static COLOR: AtomicU8 = AtomicU8::new(0);

/// Set once, from the command line.
pub fn set(quiet: bool, verbose: u8, color: ColorChoice) {
    let level = match (quiet, verbose) {
        (true, _) => QUIET,
        (false, 0) => NORMAL,
        _ => VERBOSE,
    };
    LEVEL.store(level, Ordering::Relaxed);
    COLOR.store(color as u8, Ordering::Relaxed);
}

/// `-q`: nothing on standard error but errors.
pub fn quiet() -> bool {
    LEVEL.load(Ordering::Relaxed) == QUIET
}

/// `-v`: what was read and how long it took.
pub fn verbose() -> bool {
    LEVEL.load(Ordering::Relaxed) == VERBOSE
}

/// The colour choice as given.
pub fn color_choice() -> ColorChoice {
    match COLOR.load(Ordering::Relaxed) {
        1 => ColorChoice::Always,
        2 => ColorChoice::Never,
        _ => ColorChoice::Auto,
    }
}

/// Whether to colour what goes to a stream that is (or is not) a terminal.
pub fn color(terminal: bool) -> bool {
    match color_choice() {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && !no_color_env(),
    }
}

/// Whether to colour standard error.
pub fn color_stderr() -> bool {
    color(std::io::stderr().is_terminal())
}

/// Whether to colour standard output.
pub fn color_stdout() -> bool {
    color(std::io::stdout().is_terminal())
}

/// NO_COLOR (set and not empty, https://no-color.org) or a dumb terminal.
fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) || std::env::var_os("TERM").is_some_and(|t| t == "dumb")
}

/// A note for the person at the terminal (not with `-q`).
pub fn note(text: impl std::fmt::Display) {
    if !quiet() {
        eprintln!("{text}");
    }
}

/// A detail only `-v` asks for.
pub fn detail(text: impl std::fmt::Display) {
    if verbose() {
        eprintln!("{text}");
    }
}

/// The `--color` value on the command line, read before clap parses it (so
/// that clap's own help and errors follow it too).
pub fn color_from_args(args: &[std::ffi::OsString]) -> ColorChoice {
    let mut choice = ColorChoice::Auto;
    let mut it = args.iter().map(|a| a.to_string_lossy());
    while let Some(a) = it.next() {
        let value = match a.strip_prefix("--color") {
            Some("") => it.next().map(|v| v.into_owned()),
            Some(v) if v.starts_with('=') => Some(v[1..].to_string()),
            _ => None,
        };
        if let Some(v) = value.and_then(|v| ColorChoice::from_str(&v, true).ok()) {
            choice = v;
        }
    }
    choice
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_color_option_is_read_in_both_spellings() {
        let args = |s: &[&str]| s.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert_eq!(color_from_args(&args(&["x", "--color", "never"])), ColorChoice::Never);
        assert_eq!(color_from_args(&args(&["x", "triage", "--color=always"])), ColorChoice::Always);
        assert_eq!(color_from_args(&args(&["x", "--colour", "never"])), ColorChoice::Auto);
        assert_eq!(color_from_args(&args(&["x"])), ColorChoice::Auto);
    }
}
