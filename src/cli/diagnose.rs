//! `signin-doctor diagnose`: one attempt, answers from the command line.

use super::common::{load_rules, Format, Inputs};
use super::exit;
use super::{out, outln};
use signin_doctor::Answer;
use signin_doctor::{Error, Session};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    inputs: Inputs,
    /// Rule directory (default: the rules built into this binary).
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// Answer a question ahead: QUESTION_ID=CHOICE_ID (choice `dont-know` is always allowed). Repeatable.
    #[arg(long, value_name = "QUESTION_ID=CHOICE_ID")]
    answer: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub fn run(mut a: Args) -> Result<i32, Error> {
    let rules = load_rules(a.rules.as_ref())?;
    let answers: Vec<Answer> = a.answer.iter().map(|s| s.parse()).collect::<Result<_, _>>()?;
    let _fetched = a.inputs.fetch_if_asked()?;
    let (located, attempt, org) = a.inputs.locate()?;
    super::common::say_if_success(&attempt, &a.inputs.selector());
    let facts = located.facts(&attempt, org.as_ref());
    let mut session = Session::new(&rules, facts, &attempt);
    for ans in &answers {
        session.answer(&rules, &ans.question, &ans.choice)?;
    }
    let outcome = session.outcome(&rules)?;
    match a.format {
        Format::Text => out!("{}", signin_doctor::output::text(&outcome, &session.subject, &rules)),
        Format::Json => {
            let v = signin_doctor::output::json(&outcome, &session.subject, &session.facts, &rules);
            outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
    }
    Ok(if outcome.diagnosis().is_some() { exit::OK } else { exit::NEEDS_ANSWER })
}
