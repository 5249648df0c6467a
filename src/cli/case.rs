//! `signin-doctor case new --from-log`: a case file from a record in a
//! real export, with its audit context, answers and the current outcome.

use super::common::{load_logs, load_rules, FormatArg, Pick};
use super::{exit, outfile};
use signin_doctor::{Answer, Error, ErrorKind};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: CaseCommand,
}

#[derive(clap::Subcommand, Debug)]
enum CaseCommand {
    /// Make a case file from a sign-in in a real export: NAME.ron, with the
    /// attempt's records in NAME.signins.json and the user's audit events in
    /// NAME.audit.json beside it, and the outcome the rules give now as its
    /// expectation.
    #[command(after_help = "Examples:
  signin-doctor case new --from-log SignIns.json --audit Audit.json --user alex@contoso.com \\
      -o tests/cases/alex.ron
  signin-doctor case new --from-log SignIns.jsonl --id 9ebc0050 --answer prompt-seen=no -o new.ron")]
    New(NewArgs),
}

#[derive(clap::Args, Debug)]
struct NewArgs {
    /// The sign-in log the record comes from (any shape the readers know).
    #[arg(long, value_name = "FILE", required = true)]
    from_log: Vec<PathBuf>,
    /// The audit log: the user's events go into the case.
    #[arg(long, value_name = "FILE")]
    audit: Vec<PathBuf>,
    /// Organisation settings (RON), written into the case.
    #[arg(long, value_name = "FILE")]
    org: Option<PathBuf>,
    #[command(flatten)]
    pick: Pick,
    /// An agent's answer the case carries: QUESTION_ID=CHOICE_ID. Repeatable.
    #[arg(long, value_name = "QUESTION_ID=CHOICE_ID")]
    answer: Vec<String>,
    /// Replace user names, display names, addresses and device names by
    /// stand-ins (user1@example.com, 203.0.113.1, Person 1), the same value
    /// by the same stand-in everywhere; refused if that changes the outcome.
    #[arg(long)]
    redact: bool,
    /// The case file to write (NAME.ron); it and its JSON files must not exist yet.
    #[arg(short, long, value_name = "NAME.ron", required = true)]
    output: PathBuf,
    /// Rule directory (default: the rules built into this binary).
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// Force the input format instead of detecting it.
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    input_format: FormatArg,
}

pub fn run(a: Args) -> Result<i32, Error> {
    let CaseCommand::New(a) = a.command;
    let stem = a.output.file_stem().map(|s| s.to_string_lossy().into_owned()).filter(|s| !s.is_empty() && a.output.extension().is_some_and(|e| e == "ron"));
    let Some(stem) = stem else {
        eprintln!("error: -o names the case file, NAME.ron");
        return Ok(exit::USAGE);
    };
    let dir = a.output.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let files = [a.output.clone(), dir.join(format!("{stem}.signins.json")), dir.join(format!("{stem}.audit.json"))];
    if let Some(f) = files.iter().find(|f| f.exists()) {
        return Err(Error::from_parts(ErrorKind::Write, "already exists; a new case needs new files (nothing was written)", f).with_hint("choose another NAME, or remove the old case first"));
    }
    let rules = load_rules(a.rules.as_ref())?;
    let (evidence, org) = load_logs(&a.from_log, &a.audit, a.org.as_ref(), a.input_format, false)?;
    let answers: BTreeMap<String, String> = a.answer.iter().map(|s| s.parse::<Answer>().map(|x| (x.question, x.choice))).collect::<Result<_, _>>()?;
    let selector = a.pick.selector();
    let made = signin_doctor::authoring::case_from_log(&rules, &evidence, &selector, org.as_ref(), &answers, &stem, a.redact)?;
    // All three written aside first, then put in place: a failure on the
    // way leaves none behind to block the next try.
    let mut pending = Vec::new();
    for (path, text) in [(&files[1], Some(&made.signins)), (&files[2], made.audit.as_ref()), (&files[0], Some(&made.case))] {
        let Some(text) = text else { continue };
        let mut f = outfile::AtomicFile::create(path)?;
        std::io::Write::write_all(&mut f, text.as_bytes()).map_err(|e| Error::from_write(path, &e))?;
        pending.push(f);
    }
    for f in pending {
        f.commit()?;
    }
    super::ui::note(format!("wrote {} (expects {}); run it with: signin-doctor test {}", files[0].display(), made.outcome, files[0].display()));
    Ok(exit::OK)
}
