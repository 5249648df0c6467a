//! Command-line parsing and dispatch. Each command lives in its own module.

mod case;
mod common;
mod diagnose;
mod docs;
mod fetch;
mod fmt;
mod graph;
mod graphviz;
mod guide;
mod key;
mod outfile;
mod reference;
mod serve;
mod sources;
mod test;
mod triage;
mod ui;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// Print to standard output; when the reader has gone (`| head`), stop
/// quietly instead of failing.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(&format!($($arg)*))
    };
}
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(&format!("{}\n", format!($($arg)*)))
    };
}
pub(crate) use {out, outln};

/// Write text to standard output; a closed pipe ends the process with success.
/// Control characters from a log (an app's display name may hold terminal
/// escape sequences) are shown as `\uXXXX`, which keeps JSON output valid
/// and meaning the same.
pub fn write_stdout(text: &str) {
    use std::io::Write;
    let text = signin_doctor::output::terminal_safe(text);
    let mut o = std::io::stdout().lock();
    if let Err(e) = o.write_all(text.as_bytes()).and_then(|_| o.flush()) {
        // Leaving now skips destructors: the temporary copies of logs go first.
        sources::remove_copies();
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(exit::OK);
        }
        eprintln!("error: standard output: cannot write the output: {e}");
        std::process::exit(exit::CANNOT_WRITE);
    }
}

/// Exit codes (README, "Exit codes").
pub mod exit {
    /// A diagnosis was reached / the command succeeded.
    pub const OK: i32 = 0;
    /// Tests failed, or another failure not listed below.
    pub const FAILED: i32 = 1;
    /// Command-line usage error (clap).
    pub const USAGE: i32 = 2;
    /// The walk stopped at a question that needs an answer.
    pub const NEEDS_ANSWER: i32 = 3;
    /// Bad input: a file, record, selection or settings (any other error class).
    pub const BAD_INPUT: i32 = 4;
    /// The rules failed their checks.
    pub const INVALID_RULES: i32 = 5;
    /// An answer or a saved session does not fit the rules.
    pub const BAD_ANSWER: i32 = 6;
    /// An output could not be written, or would have overwritten an input.
    pub const CANNOT_WRITE: i32 = 7;
    /// `triage --fail-on checks|any`: a rollout check failed.
    pub const CHECKS_FAILED: i32 = 8;
    /// `triage --fail-on compromise|any`: an attempt's diagnosis is critical.
    pub const COMPROMISE: i32 = 9;
    /// The logs could not be fetched: the sign-in or the service failed.
    pub const CANNOT_FETCH: i32 = 10;

    /// The exit code for an error: the CLI's policy, not the library's.
    pub fn of(e: &signin_doctor::Error) -> i32 {
        use signin_doctor::ErrorKind;
        match e.kind() {
            ErrorKind::InvalidRules => INVALID_RULES,
            ErrorKind::BadAnswer | ErrorKind::Session => BAD_ANSWER,
            ErrorKind::Write => CANNOT_WRITE,
            ErrorKind::Auth | ErrorKind::Service => CANNOT_FETCH,
            _ => BAD_INPUT,
        }
    }
}

#[derive(Parser)]
#[command(
    name = "signin-doctor",
    version,
    about = "Diagnose Microsoft Entra ID sign-in failures: evidence, trace and next steps.",
    long_about = None,
    after_help = "Examples:
  signin-doctor diagnose --signin SignIns.json --audit Audit.json --org org.ron
  signin-doctor guide --signin SignIns.jsonl --user alex@contoso.com --ticket ticket.md
  signin-doctor triage --signins insights-logs-signinlogs/ --since 2d --report report.html

Exit codes: README, \"Exit codes\" (0 diagnosed, 2 usage, 3 needs an answer, 4 bad input, ...)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Largest file read whole, in MiB: rules, settings, cases and sessions
    /// (default 64), and a log for diagnose or guide (default 1024). Triage
    /// streams its logs whatever their size.
    #[arg(long, global = true, value_name = "MIB", value_parser = clap::value_parser!(u64).range(1..=1 << 20))]
    max_input_mib: Option<u64>,
    /// Print nothing on standard error but errors: no notes, progress bars
    /// or summaries.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Also print what was read and how long each phase took.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Colour on a terminal (`auto`, the default, leaves it out when
    /// NO_COLOR is set or TERM is dumb), always, or never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ui::ColorChoice::Auto)]
    color: ui::ColorChoice,
}

#[derive(Subcommand)]
enum Command {
    /// Diagnose one failed sign-in attempt from a log.
    #[command(after_help = "Examples:
  signin-doctor diagnose --signin SignIns.json --audit Audit.json --org org.ron
  signin-doctor diagnose --signin SignIns.jsonl --user alex@contoso.com --answer prompt-seen=no
  signin-doctor diagnose --signin SignIns.csv --correlation-id 5d1c0a8e-2f4b --format json")]
    Diagnose(diagnose::Args),
    /// Guided troubleshooting for a helpdesk agent: asks what the data cannot answer, then writes a ticket note.
    #[command(after_help = "Examples:
  signin-doctor guide --signin SignIns.json --audit Audit.json --ticket ticket.md
  signin-doctor guide --error-code 500121 --case INC0012345   # no log: the code read out
  signin-doctor guide --resume session.json")]
    Guide(guide::Args),
    /// Diagnose every failed attempt of a whole export, without questions; rollout report.
    #[command(after_help = "Examples:
  signin-doctor triage --signins SignIns.jsonl.gz --audit Audit.jsonl --report report.html
  signin-doctor triage --signins container/ --since 2d --checks-out checks/ --fail-on any
  signin-doctor triage --signins SignIns.jsonl --user alex@contoso.com   # one caller, in order")]
    Triage(triage::Args),
    /// Check rule files and report every error.
    #[command(after_help = "Examples:
  signin-doctor check rules/
  signin-doctor check rules/ --error-format json")]
    Check(reference::CheckArgs),
    /// List the facts rules can use.
    #[command(after_help = "Examples:
  signin-doctor facts
  signin-doctor facts --format json")]
    Facts(reference::FactsArgs),
    /// Run case files: pass/fail, where paths part, coverage.
    #[command(after_help = "Examples:
  signin-doctor test tests/cases --rules rules --coverage
  signin-doctor test tests/cases --require-full-coverage --format json")]
    Test(test::Args),
    /// Lay out rule and case files in one canonical form (comments kept).
    #[command(after_help = "Examples:
  signin-doctor fmt                      # the rules/ directory
  signin-doctor fmt rules/ tests/cases/ --check")]
    Fmt(fmt::Args),
    /// Draw the trees (DOT, Mermaid or SVG), optionally with a case's path.
    #[command(after_help = "Examples:
  signin-doctor graph --format svg --out-dir docs/trees
  signin-doctor graph --tree mfa --format mermaid --highlight case.ron")]
    Graph(graph::GraphArgs),
    /// Show every path that leads to a diagnosis.
    #[command(after_help = "Examples:
  signin-doctor explain stale-authenticator-registration
  signin-doctor explain password-spray --format json")]
    Explain(graph::ExplainArgs),
    /// The helpdesk web console and the HTTP API (loopback by default).
    #[command(after_help = "Examples:
  signin-doctor serve                                   # http://127.0.0.1:8080/
  signin-doctor serve --listen 0.0.0.0:8443 --token-file api-token --org org.ron")]
    Serve(serve::Args),
    /// Make case files from real logs.
    #[command(after_help = "Examples:
  signin-doctor case new --from-log SignIns.json --user alex@contoso.com -o tests/cases/alex.ron
  signin-doctor case new --from-log SignIns.jsonl --id 9ebc0050 --redact -o new.ron")]
    Case(case::Args),
    /// Read the logs where they live: Microsoft Graph or a Log Analytics workspace.
    #[command(
        subcommand_required = true,
        after_help = "Examples:
  signin-doctor fetch graph --since 2d --out fetched/ --azure-cli
  signin-doctor fetch loganalytics --workspace ID --table SigninLogs --since 1d --out la/ --azure-cli"
    )]
    Fetch(fetch::Args),
    /// Print shell completions (bash, zsh, fish, powershell, elvish).
    Completions(docs::CompletionsArgs),
    /// Print the man page, or write every command's page into a directory.
    Man(docs::ManArgs),
}

/// Parse the command line, run the command, return the exit code.
pub fn run() -> i32 {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let clap_color = match ui::color_from_args(&args) {
        ui::ColorChoice::Auto if ui::color(true) => clap::ColorChoice::Auto,
        ui::ColorChoice::Always => clap::ColorChoice::Always,
        _ => clap::ColorChoice::Never,
    };
    let parsed = Cli::command().color(clap_color).try_get_matches_from(&args).and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { exit::USAGE } else { exit::OK };
        }
    };
    ui::set(cli.quiet, cli.verbose, cli.color);
    if let Some(m) = cli.max_input_mib {
        signin_doctor::set_read_limits(m << 20, m << 20);
    }
    let result = match cli.command {
        Command::Diagnose(a) => diagnose::run(a),
        Command::Guide(a) => guide::run(a),
        Command::Triage(a) => triage::run(a),
        Command::Check(a) => reference::check(a),
        Command::Facts(a) => reference::facts(a),
        Command::Test(a) => test::run(a),
        Command::Graph(a) => graph::graph(a),
        Command::Explain(a) => graph::explain(a),
        Command::Serve(a) => serve::run(a),
        Command::Case(a) => case::run(a),
        Command::Fetch(a) => fetch::run(a),
        Command::Fmt(a) => fmt::run(a),
        Command::Completions(a) => docs::completions(a, Cli::command()),
        Command::Man(a) => docs::man(a, Cli::command()),
    };
    match result {
        Ok(code) => code,
        Err(e) => common::report(&e),
    }
}
