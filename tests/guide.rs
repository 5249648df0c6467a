//! `signin-doctor guide`, driven as an agent drives it: in a real
//! pseudo-terminal (arrow keys, numbers, Esc, Ctrl-C), and through the line
//! protocol used when standard input is not a terminal.

use expectrl::{Expect, Session};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const DOWN: &str = "\x1b[B";
const ENTER: &str = "\r";
const ESC: &str = "\x1b";
const CTRL_C: &str = "\x03";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The key that seals the tests' sessions: made by the first run that needs
/// it, under the target directory, never in the user's configuration.
fn key_file() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("session.key")
}

fn example(extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> =
        ["guide", "--signin", "examples/stale-authenticator/signin.json", "--audit", "examples/stale-authenticator/audit.json", "--org", "examples/org.ron"].iter().map(|s| s.to_string()).collect();
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

/// [`example`] with absolute paths, for a run in another directory.
fn example_anywhere(extra: &[&str]) -> Vec<String> {
    example(extra).into_iter().map(|a| if a.starts_with("examples/") { root().join(a).display().to_string() } else { a }).collect()
}

type Pty = Session<expectrl::process::unix::UnixProcess, expectrl::process::unix::PtyStream>;

fn pty(args: &[String], dir: &Path) -> Pty {
    pty_env(args, dir, &[("TERM", "xterm-256color")])
}

fn pty_env(args: &[String], dir: &Path, env: &[(&str, &str)]) -> Pty {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("signin-doctor"));
    cmd.args(args).current_dir(dir).env_remove("NO_COLOR").env_remove("SIGNIN_DOCTOR_AGENT").env("SIGNIN_DOCTOR_KEY_FILE", key_file());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut p = Session::spawn(cmd).expect("a pseudo-terminal");
    p.get_process_mut().set_window_size(200, 60).unwrap();
    p.set_expect_timeout(Some(Duration::from_secs(30)));
    p
}

fn send(p: &mut Pty, keys: &str) {
    p.send(keys).unwrap();
    std::thread::sleep(Duration::from_millis(150));
}

fn expect(p: &mut Pty, text: &str) -> String {
    match p.expect(text) {
        Ok(m) => String::from_utf8_lossy(m.before()).into_owned(),
        Err(e) => panic!("waiting for {text:?}: {e}"),
    }
}

fn wait_exit(p: &mut Pty) -> i32 {
    let _ = p.expect(expectrl::Eof);
    match p.get_process().wait().unwrap() {
        expectrl::process::unix::WaitStatus::Exited(_, code) => code,
        other => panic!("{other:?}"),
    }
}

#[test]
fn pty_full_walk_to_stale_authenticator_registration() {
    let mut p = pty(&example(&[]), &root());
    // Who and which sign-in, what the log settled in a few plain lines, and how far the walk has come.
    expect(&mut p, "── alex.wilber@contoso.com · 2026-11-20T09:14:05Z · Office 365 Exchange Online · error 500121");
    let summary = expect(&mut p, "Question 1 of at most 3");
    assert!(summary.contains("What the log shows:") && summary.contains("The MFA step failed."), "{summary}");
    assert!(!summary.contains("signin.") && !summary.contains("mfa."), "no fact names in the short summary: {summary}");
    assert!(summary.lines().filter(|l| l.trim_start().starts_with('•')).count() <= 6, "{summary}");
    expect(&mut p, "Did a sign-in request appear in Microsoft Authenticator");
    expect(&mut p, "6. Don't know");
    // Arrow keys: the second choice, "No, nothing arrived".
    send(&mut p, DOWN);
    send(&mut p, ENTER);
    expect(&mut p, "Has the user got a new phone");
    // A number: choice 1, "Yes".
    send(&mut p, "1");
    send(&mut p, ENTER);
    expect(&mut p, "Question 3, the last one");
    expect(&mut p, "Can the user still sign in with another registered method");
    send(&mut p, "1");
    send(&mut p, ENTER);
    // The result to review before the end; Enter finishes.
    expect(&mut p, "Result: Stale Microsoft Authenticator registration");
    expect(&mut p, "Finish with this result?");
    send(&mut p, ENTER);
    expect(&mut p, "Diagnosis: Stale Microsoft Authenticator registration [stale-authenticator-registration]");
    expect(&mut p, "# Sign-in troubleshooting: Stale Microsoft Authenticator registration");
    assert_eq!(wait_exit(&mut p), 0);
}

#[test]
fn pty_going_back_changes_the_answer_and_the_diagnosis() {
    let mut p = pty(&example(&[]), &root());
    expect(&mut p, "Did a sign-in request appear in Microsoft Authenticator");
    send(&mut p, "2");
    send(&mut p, ENTER); // No, nothing arrived
    expect(&mut p, "Has the user got a new phone");
    send(&mut p, "1");
    send(&mut p, ENTER); // Yes -> is there another method?
    expect(&mut p, "Can the user still sign in with another registered method");
    send(&mut p, "2");
    send(&mut p, ENTER); // No -> the verified Temporary Access Pass bootstrap
    expect(&mut p, "Finish with this result?");
    send(&mut p, ENTER);
    expect(&mut p, "[new-phone-no-method]");
    expect(&mut p, "1. VERIFY THE CALLER FIRST");
    assert_eq!(wait_exit(&mut p), 0);

    // Again, and this time go back from the second question with Esc, and change the first answer.
    let mut p = pty(&example(&[]), &root());
    expect(&mut p, "Did a sign-in request appear in Microsoft Authenticator");
    send(&mut p, "2");
    send(&mut p, ENTER);
    expect(&mut p, "Has the user got a new phone");
    send(&mut p, ESC); // back: the only earlier question is asked again
    expect(&mut p, "Did a sign-in request appear in Microsoft Authenticator");
    send(&mut p, "1");
    send(&mut p, ENTER); // Yes, but they did not approve it in time
    expect(&mut p, "The walk again, with the changed answer:");
    expect(&mut p, "Result: MFA request not approved in time");
    // Review: Esc goes back once more (the only answer), and it is changed back.
    send(&mut p, ESC);
    expect(&mut p, "Did a sign-in request appear in Microsoft Authenticator");
    send(&mut p, "2");
    send(&mut p, ENTER);
    expect(&mut p, "Has the user got a new phone");
    send(&mut p, "no");
    send(&mut p, ENTER);
    expect(&mut p, "Is Microsoft Authenticator up to date on the phone");
    send(&mut p, "dont");
    send(&mut p, ENTER);
    expect(&mut p, "Finish with this result?");
    send(&mut p, ENTER);
    expect(&mut p, "Diagnosis: ");
    assert_eq!(wait_exit(&mut p), 0);
}

#[test]
fn pty_dont_know_follows_the_unknown_branch() {
    let mut p = pty(&example(&[]), &root());
    expect(&mut p, "Did a sign-in request appear in Microsoft Authenticator");
    send(&mut p, "6");
    send(&mut p, ENTER); // Don't know -> the new-phone question
    expect(&mut p, "Has the user got a new phone");
    send(&mut p, "3");
    send(&mut p, ENTER); // Don't know -> nobody said "new phone": no credential change on a guess
    expect(&mut p, "Result: ");
    expect(&mut p, "PROVISIONAL: ");
    send(&mut p, ENTER);
    expect(&mut p, "[mfa-not-completed]");
    expect(&mut p, "Confidence: provisional");
    expect(&mut p, "PROVISIONAL: ");
    expect(&mut p, "- How sure: provisional");
    assert_eq!(wait_exit(&mut p), 0);
}

/// Typing the answer's first word picks that answer, not the first label
/// that merely contains the letters ("no" is in "did not approve"); Ctrl-C
/// without --save saves to a new file named for the time and the user,
/// never over an earlier call's.
#[test]
fn pty_typing_no_picks_no_and_ctrl_c_saves_to_a_new_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("signin-doctor-session.json"), "an earlier call").unwrap();
    let args = example_anywhere(&[]);
    let mut p = pty(&args, dir.path());
    expect(&mut p, "Did a sign-in request appear in Microsoft Authenticator");
    send(&mut p, "no");
    send(&mut p, ENTER);
    expect(&mut p, "Has the user got a new phone");
    send(&mut p, CTRL_C);
    expect(&mut p, "Session saved to signin-doctor-session-");
    assert_eq!(wait_exit(&mut p), 130);
    assert_eq!(std::fs::read_to_string(dir.path().join("signin-doctor-session.json")).unwrap(), "an earlier call");
    let saved: Vec<PathBuf> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).filter(|p| p.file_name().unwrap().to_string_lossy().ends_with("-alex.wilber.json")).collect();
    assert_eq!(saved.len(), 1, "{saved:?}");
    let s: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&saved[0]).unwrap()).unwrap();
    assert_eq!(s["answers"], serde_json::json!([{"question": "prompt-seen", "choice": "no"}]));
}

/// A note pasted as several lines (no bracketed paste: the lines arrive as
/// typed keys with Enter between them) is kept whole and answers nothing.
#[test]
fn pty_a_pasted_note_answers_no_question() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("call.json");
    let args = example_anywhere(&["--save", save.to_str().unwrap()]);
    let mut p = pty(&args, dir.path());
    expect(&mut p, "Did a sign-in request appear in Microsoft Authenticator");
    send(&mut p, "note");
    send(&mut p, ENTER);
    expect(&mut p, "Note for the ticket:");
    // One write, as a paste arrives: three lines, the second of them "no".
    p.send("Caller says:\rno\rthe phone is new\r").unwrap();
    std::thread::sleep(Duration::from_millis(600));
    expect(&mut p, "(note added, 3 lines)");
    // Still at the same question: the pasted "no" answered nothing.
    expect(&mut p, "Did a sign-in request appear in Microsoft Authenticator");
    send(&mut p, CTRL_C);
    assert_eq!(wait_exit(&mut p), 130);
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&save).unwrap()).unwrap();
    assert_eq!(saved["answers"], serde_json::json!([]), "{saved}");
    assert_eq!(saved["notes"][0]["text"], "Caller says:\nno\nthe phone is new", "{saved}");
}

#[test]
fn pty_ctrl_c_saves_and_the_session_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("call.json");
    let args = example_anywhere(&["--save", save.to_str().unwrap()]);
    let mut p = pty(&args, dir.path());
    expect(&mut p, "Did a sign-in request appear in Microsoft Authenticator");
    send(&mut p, "2");
    send(&mut p, ENTER);
    expect(&mut p, "Has the user got a new phone");
    // A note for the ticket, then the caller drops: Ctrl-C.
    for _ in 0..4 {
        send(&mut p, DOWN);
    }
    send(&mut p, ENTER); // ✎ Add a note
    expect(&mut p, "Note for the ticket:");
    send(&mut p, "Caller dropped, will ring back");
    send(&mut p, ENTER);
    expect(&mut p, "Has the user got a new phone");
    send(&mut p, CTRL_C);
    expect(&mut p, "Session saved to");
    assert_eq!(wait_exit(&mut p), 130);
    let saved = std::fs::read_to_string(&save).unwrap();
    assert!(saved.contains("\"prompt-seen\"") && saved.contains("Caller dropped"));

    let resume = vec!["guide".to_string(), "--resume".into(), save.display().to_string()];
    let mut p = pty(&resume, dir.path());
    expect(&mut p, "── alex.wilber@contoso.com");
    expect(&mut p, "Question 2 of at most 3");
    expect(&mut p, "Has the user got a new phone");
    send(&mut p, "1");
    send(&mut p, ENTER);
    expect(&mut p, "Can the user still sign in with another registered method");
    send(&mut p, "1");
    send(&mut p, ENTER);
    expect(&mut p, "Finish with this result?");
    send(&mut p, ENTER);
    expect(&mut p, "[stale-authenticator-registration]");
    expect(&mut p, "Caller dropped, will ring back");
    assert_eq!(wait_exit(&mut p), 0);
}

#[test]
fn pty_walk_with_no_log() {
    let mut p = pty(&["guide".to_string()], &root());
    expect(&mut p, "No sign-in log");
    // No error code on the caller's screen: Enter.
    expect(&mut p, "Error code: ");
    send(&mut p, ENTER);
    let before = expect(&mut p, "What does the user see when the sign-in fails?");
    assert!(!before.contains("cannot tell") && !before.contains("cannot show"), "no lines of unknowns without a log: {before}");
    send(&mut p, "4");
    send(&mut p, ENTER); // It says the account is locked
    expect(&mut p, "Did the user type a wrong password several times");
    send(&mut p, "1");
    send(&mut p, ENTER);
    expect(&mut p, "Finish with this result?");
    send(&mut p, ENTER);
    expect(&mut p, "[account-locked]");
    assert_eq!(wait_exit(&mut p), 0);
}

/// Free text is edited as in a shell: Ctrl-W takes the word before, Ctrl-U
/// the line so far; "details" shows every check with its facts; the ticket
/// starts with the lines to paste, with the case and the agent.
#[test]
fn pty_notes_edit_as_in_a_shell_and_details_show_every_check() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("call.json");
    let args = example_anywhere(&["--save", save.to_str().unwrap(), "--case", "INC0012345", "--agent", "Jane Doe"]);
    let mut p = pty(&args, dir.path());
    expect(&mut p, "Did a sign-in request appear in Microsoft Authenticator");
    send(&mut p, "details");
    send(&mut p, ENTER);
    expect(&mut p, "data   │ 7. What kind of failure does the error code show? The MFA step failed: signin.error_code is 500121");
    expect(&mut p, "Did a sign-in request appear in Microsoft Authenticator");
    send(&mut p, "note");
    send(&mut p, ENTER);
    expect(&mut p, "Note for the ticket:");
    send(&mut p, "Typo heer");
    send(&mut p, "\x17"); // Ctrl-W
    send(&mut p, "here, no");
    send(&mut p, "\x15"); // Ctrl-U
    send(&mut p, "Caller on a new iPhone");
    send(&mut p, ENTER);
    expect(&mut p, "(note added)");
    send(&mut p, "no");
    send(&mut p, ENTER);
    expect(&mut p, "Has the user got a new phone");
    send(&mut p, "yes");
    send(&mut p, ENTER);
    expect(&mut p, "Can the user still sign in with another registered method");
    send(&mut p, "yes");
    send(&mut p, ENTER);
    expect(&mut p, "Finish with this result?");
    send(&mut p, ENTER);
    let ticket = expect(&mut p, "## Details");
    assert!(ticket.contains("- Case INC0012345 · agent Jane Doe · call at "), "{ticket}");
    assert!(ticket.contains("- Before any change: verify the caller out of band"), "{ticket}");
    assert_eq!(wait_exit(&mut p), 0);
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&save).unwrap()).unwrap();
    assert_eq!(saved["notes"][0]["text"], "Caller on a new iPhone", "{saved}");
    assert!(saved["notice"].as_str().unwrap().starts_with("Personal data"), "{saved}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&save).unwrap().permissions().mode() & 0o077, 0, "owner only");
    }
}

/// Without a log, the walk starts from the error code the caller reads out.
#[test]
fn pty_no_log_starts_from_the_error_code_read_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = pty(&["guide".to_string(), "--user".into(), "alex@contoso.com".into()], dir.path());
    expect(&mut p, "filter by User alex@contoso.com");
    expect(&mut p, "Error code: ");
    send(&mut p, "AADSTS5012x");
    send(&mut p, ENTER);
    expect(&mut p, "is not an error code");
    send(&mut p, "AADSTS50053");
    send(&mut p, ENTER);
    expect(&mut p, "── no sign-in log · caller alex@contoso.com · error 50053 read out");
    expect(&mut p, "What the caller's error code shows:");
    expect(&mut p, "The account was locked.");
    expect(&mut p, "Question 1, the last one");
    assert_eq!(send_ctrl_c_and_wait(&mut p), 130);
    let saved: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(saved.len() == 1 && saved[0].ends_with("-alex.json"), "{saved:?}");
}

fn send_ctrl_c_and_wait(p: &mut Pty) -> i32 {
    send(p, CTRL_C);
    wait_exit(p)
}

/// TERM=dumb gets the line protocol (no cursor codes); NO_COLOR gets menus without colour.
#[test]
fn pty_dumb_terminals_get_lines_and_no_color_gets_no_colour() {
    let mut p = pty_env(&example(&[]), &root(), &[("TERM", "dumb")]);
    let before = expect(&mut p, "choices: yes-late | no |");
    assert!(before.contains("? [prompt-seen]") && !before.contains('\x1b'), "{before:?}");
    send(&mut p, "no\n");
    expect(&mut p, "? [new-phone]");
    send(&mut p, "quit\n");
    assert_eq!(wait_exit(&mut p), 3);

    let dir = tempfile::tempdir().unwrap();
    let mut p = pty_env(&example_anywhere(&[]), dir.path(), &[("TERM", "xterm-256color"), ("NO_COLOR", "1")]);
    expect(&mut p, "Did a sign-in request appear in Microsoft Authenticator");
    let menu = expect(&mut p, "type note, details or save");
    let sgr = regex::Regex::new(r"\x1b\[[0-9;]*[1-9][0-9;]*m").unwrap();
    assert!(!sgr.is_match(&menu), "colour codes under NO_COLOR: {menu:?}");
    assert_eq!(send_ctrl_c_and_wait(&mut p), 130);
}

// ---- without a terminal --------------------------------------------------------------------

fn piped(args: &[String], stdin: &str, dir: &Path) -> (i32, String, String) {
    let o = assert_cmd::Command::cargo_bin("signin-doctor").unwrap().args(args).current_dir(dir).env("SIGNIN_DOCTOR_KEY_FILE", key_file()).write_stdin(stdin).output().unwrap();
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stdout).into(), String::from_utf8_lossy(&o.stderr).into())
}

/// The call's time in a ticket is now; snapshots say `[time]`.
const CALL_TIME: [(&str, &str); 1] = [(r"all at \d{4}-\d\d-\d\d \d\d:\d\d UTC", "all at [time] UTC")];

fn ticket_part(stdout: &str) -> String {
    stdout.split("──────── ticket note ────────\n\n").nth(1).unwrap_or_default().to_string()
}

#[test]
fn lines_on_stdin_walk_to_a_diagnosis_and_the_ticket_note_is_complete() {
    let (code, out, err) = piped(&example(&[]), "no\nnote Caller got an iPhone 15 last week\nyes\nyes\n", &root());
    assert_eq!(code, 0, "{err}");
    let ticket = ticket_part(&out);
    for part in ["Sign-in record ids", "## Facts from the logs", "## Questions and answers", "## Agent notes", "Caller got an iPhone 15", "## Next steps", "`stale-authenticator-registration`"] {
        assert!(ticket.contains(part), "the ticket note lacks {part}");
    }
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false, omit_expression => true, filters => CALL_TIME.to_vec()}, {
        insta::assert_snapshot!("guide-ticket-markdown", ticket);
    });
}

#[test]
fn the_ticket_note_redacts_names_upns_and_ips() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("ticket.txt");
    let args = example(&["--redact", "--ticket-format", "text", "--ticket", t.to_str().unwrap()]);
    let (code, _, _) = piped(&args, "no\nyes\nyes\n", &root());
    assert_eq!(code, 0);
    let note = std::fs::read_to_string(&t).unwrap();
    assert!(!note.contains("alex.wilber@contoso.com") && !note.contains("Alex Wilber") && !note.contains("203.0.113.24"), "{note}");
    assert!(note.contains("a***@contoso.com") && note.contains("203.0.x.x") && note.contains("Name: [name]"));
    assert!(!note.contains("## "), "plain text, not Markdown");
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false, omit_expression => true, filters => CALL_TIME.to_vec()}, {
        insta::assert_snapshot!("guide-ticket-text-redacted", note);
    });
}

/// Redaction also covers what an agent copies into a note: object ids,
/// device names, phone numbers and the user's names in any order; the
/// sign-in's own record and correlation ids stay, to find the log by.
#[test]
fn the_redacted_ticket_masks_object_ids_devices_and_phones_in_notes() {
    let note = "note wilber, alex on DESKTOP-4F2K9QX and Alex's iPhone, object 4b0d3c1e-58a5-4c2c-9f3e-7a1d2b3c4d5e, rang +44 7700 900123";
    let (code, out, err) = piped(&example(&["--redact"]), &format!("no\n{note}\nyes\nyes\n"), &root());
    assert_eq!(code, 0, "{err}");
    let ticket = ticket_part(&out);
    for leak in ["DESKTOP-4F2K9QX", "iPhone", "4b0d3c1e-58a5-4c2c-9f3e-7a1d2b3c4d5e", "7700 900123", "wilber", "Wilber", "alex.wilber"] {
        assert!(!ticket.contains(leak), "the redacted ticket holds {leak}: {ticket}");
    }
    assert!(ticket.contains("[name], [name] on [device] and [device], object [id], rang [phone]"), "{ticket}");
    assert!(ticket.contains("e86220a8-ba91-4ca3-96e3-87bf86ebfec1"), "the correlation id stays: {ticket}");
}

#[test]
fn lines_can_go_back_answer_dont_know_and_change_answers() {
    // Change an earlier answer with QUESTION=CHOICE: the diagnosis changes.
    let (code, out, _) = piped(&example(&[]), "no\nprompt-seen=yes-late\n", &root());
    assert_eq!(code, 0);
    assert!(out.contains("[mfa-prompt-missed]"), "{out}");
    // `back QUESTION` asks it again.
    let (code, out, _) = piped(&example(&[]), "no\nback prompt-seen\nsms-call\nno\n", &root());
    assert_eq!(code, 0);
    assert!(out.contains("[phone-delivery-failure]"), "{out}");
    // Don't know, twice: nothing says the phone is new, so no Temporary
    // Access Pass on a guess: the agent calls the user.
    let (code, out, _) = piped(&example(&[]), "dont-know\ndont-know\n", &root());
    assert_eq!(code, 0);
    assert!(out.contains("[mfa-not-completed]"), "{out}");
    assert!(out.contains("Confidence: provisional"), "{out}");
}

#[test]
fn without_a_terminal_and_without_answers_it_exits_at_once() {
    let start = std::time::Instant::now();
    let (code, out, err) = piped(&example(&[]), "", &root());
    assert_eq!(code, 3);
    assert!(out.contains("? [prompt-seen]"));
    assert!(err.contains("no answer on standard input for question `prompt-seen`"), "{err}");
    assert!(start.elapsed() < Duration::from_secs(20));
    // A bad answer names the line.
    let (code, _, err) = piped(&example(&[]), "\n# comment\nmaybe\n", &root());
    assert_eq!(code, 6);
    assert!(err.contains("standard input line 3: question `prompt-seen` has no choice `maybe`"), "{err}");
}

#[test]
fn saved_sessions_refuse_changed_rules_unless_accepted_and_then_say_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("s.json");
    let args = example(&["--save", save.to_str().unwrap()]);
    let (code, _, err) = piped(&args, "sms-call\nquit\n", &root());
    assert_eq!(code, 3, "{err}");
    // Rules whose first question lost the choice the session answered.
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    for e in std::fs::read_dir(root().join("rules")).unwrap() {
        let p = e.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap().replace("(id: \"sms-call\",", "(id: \"text-or-call\",");
        std::fs::write(rules.join(p.file_name().unwrap()), text).unwrap();
    }
    let resume = vec!["guide".into(), "--resume".into(), save.display().to_string(), "--rules".into(), rules.display().to_string()];
    let (code, _, err) = piped(&resume, "no\nyes\nyes\n", &root());
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("s.json: the rules changed since this session was saved") && err.contains("--accept-rule-changes"), "{err}");
    let mut accepted = resume.clone();
    accepted.push("--accept-rule-changes".into());
    let (code, out, err) = piped(&accepted, "no\nyes\nyes\n", &root());
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("the rules changed since this session was saved"), "{err}");
    assert!(err.contains("dropped the answer prompt-seen=sms-call"), "{err}");
    assert!(out.contains("[stale-authenticator-registration]"));
    // A file that is no session.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"x\": 1}").unwrap();
    let (code, _, err) = piped(&["guide".into(), "--resume".into(), bad.display().to_string()], "", &root());
    assert_eq!(code, 6);
    assert!(err.contains("bad.json: not a saved session"), "{err}");
}

/// A saved session changed by hand, or by a page that carried it, is
/// refused with exit 6: a forged fact, a fact of the wrong type or unknown
/// name, another subject, another version, no seal, another machine's key.
#[test]
fn forged_sessions_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("s.json");
    let (code, _, err) = piped(&example(&["--save", save.to_str().unwrap()]), "no\nquit\n", &root());
    assert_eq!(code, 3, "{err}");
    let good: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&save).unwrap()).unwrap();
    assert_eq!(good["facts"]["user.is_break_glass"]["value"], serde_json::json!(false));
    type Edit = fn(&mut serde_json::Value);
    let cases: [(&str, Edit, &str); 7] = [
        ("break-glass", |v| v["facts"]["user.is_break_glass"]["value"] = true.into(), "seal does not match"),
        ("wrong type", |v| v["facts"]["user.is_break_glass"]["value"] = "yes".into(), "is text, but it is a bool fact"),
        ("unknown fact", |v| v["facts"]["user.is_admin"] = serde_json::json!({"value": true, "source": {"field": "x"}}), "a fact no rule knows: `user.is_admin`"),
        ("other subject", |v| v["subject"]["user"] = "megan@contoso.com".into(), "seal does not match"),
        ("answers", |v| v["answers"] = serde_json::json!([{"question": "prompt-seen", "choice": "yes"}]), "seal does not match"),
        ("version", |v| v["version"] = 1.into(), "format version 1"),
        ("no seal", |v| drop(v.as_object_mut().unwrap().remove("seal")), "has no seal"),
    ];
    for (what, edit, says) in cases {
        let mut v = good.clone();
        edit(&mut v);
        let forged = dir.path().join(format!("{what}.json"));
        std::fs::write(&forged, serde_json::to_string_pretty(&v).unwrap()).unwrap();
        let (code, out, err) = piped(&["guide".into(), "--resume".into(), forged.display().to_string()], "no\nyes\nyes\n", &root());
        assert_eq!(code, 6, "{what}: {err}");
        assert!(err.contains(says), "{what}: {err}");
        assert!(!out.contains("break-glass-sign-in"), "{what}");
    }
    // The same file under another key (another user or machine).
    let other = dir.path().join("other.key");
    std::fs::write(&other, "00".repeat(32)).unwrap();
    let o = assert_cmd::Command::cargo_bin("signin-doctor").unwrap().env("SIGNIN_DOCTOR_KEY_FILE", &other).args(["guide", "--resume", save.to_str().unwrap()]).write_stdin("").output().unwrap();
    assert_eq!(o.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&o.stderr).contains("seal does not match"));
    // And the untouched file still resumes.
    let (code, _, err) = piped(&["guide".into(), "--resume".into(), save.display().to_string()], "yes\nyes\n", &root());
    assert_eq!(code, 0, "{err}");
}

#[test]
fn graph_highlights_a_saved_session() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("s.json");
    let (code, _, _) = piped(&example(&["--save", save.to_str().unwrap()]), "no\nyes\nyes\n", &root());
    assert_eq!(code, 0);
    let o = assert_cmd::Command::cargo_bin("signin-doctor")
        .unwrap()
        .env("SIGNIN_DOCTOR_KEY_FILE", key_file())
        .args(["graph", "--tree", "mfa", "--format", "dot", "--highlight", save.to_str().unwrap()])
        .output()
        .unwrap();
    let dot = String::from_utf8_lossy(&o.stdout);
    assert!(dot.contains("\"new-phone\" -> \"other-method\" [label=\"Yes\", decorate=true, color=\"red\", penwidth=3]"), "{dot}");
    assert!(dot.contains("\"other-method\" -> \"stale-authenticator-registration~other-method\" [label=\"Yes, another method works\", color=\"red\", penwidth=3]"), "{dot}");
}

/// A resumed session saves back to its own file; a `save` line stays below
/// the working directory.
#[test]
fn a_resumed_session_saves_back_and_save_lines_stay_in_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("call.json");
    let (code, _, err) = piped(&example(&["--save", save.to_str().unwrap()]), "quit\n", &root());
    assert_eq!(code, 3, "{err}");
    let resume = vec!["guide".to_string(), "--resume".into(), save.display().to_string()];
    let (code, _, err) = piped(&resume, "note rang back at 10:05\nsave\nquit\n", dir.path());
    assert_eq!(code, 3, "{err}");
    assert!(err.contains(&format!("session saved to {}", save.display())), "{err}");
    assert!(std::fs::read_to_string(&save).unwrap().contains("rang back at 10:05"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no other file");
    for bad in ["save ../escape.json", "save /tmp/escape.json"] {
        let (code, _, err) = piped(&resume, &format!("{bad}\n"), dir.path());
        assert_eq!(code, 7, "{bad}: {err}");
        assert!(err.contains("writes only below the working directory"), "{bad}: {err}");
    }
}

/// A log of several users' failures and no --user: guide asks who is on the
/// line in a terminal, and refuses with the list without one.
#[test]
fn several_users_ask_who_is_on_the_line() {
    let log = root().join("tests/fixtures/mfa-outage/signin.json").display().to_string();
    let (code, _, err) = piped(&["guide".into(), "--signin".into(), log.clone()], "", &root());
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("the log holds failed sign-ins of 4 users; say who is on the line with --user"), "{err}");
    assert!(err.contains("megan.bowen@contoso.com (1 failed sign-in)"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let mut p = pty(&["guide".into(), "--signin".into(), log], dir.path());
    expect(&mut p, "Who is on the line?");
    send(&mut p, "meg");
    send(&mut p, ENTER);
    expect(&mut p, "── megan.bowen@contoso.com");
    send(&mut p, CTRL_C);
    let _ = wait_exit(&mut p);
}

/// A user with several failures: the newest is taken without a terminal,
/// and a note lists the others with their ids.
#[test]
fn a_user_with_several_failures_is_told_which_was_taken() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("examples/stale-authenticator/signin.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let list = v["value"].as_array_mut().unwrap();
    let mut earlier = list.last().unwrap().clone();
    earlier["id"] = "earlier-failure".into();
    earlier["correlationId"] = "earlier-attempt".into();
    earlier["createdDateTime"] = "2026-11-19T08:00:00Z".into();
    list.insert(0, earlier);
    let log = dir.path().join("two.json");
    std::fs::write(&log, v.to_string()).unwrap();
    let (code, out, err) = piped(&["guide".into(), "--signin".into(), log.display().to_string(), "--user".into(), "alex.wilber@contoso.com".into()], "", dir.path());
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("alex.wilber@contoso.com has 2 failed sign-ins; taking the latest (2026-11-20 09:14 UTC"), "{err}");
    assert!(err.contains("id earlier-failure"), "{err}");
    assert!(out.contains("2026-11-20T09:14:05Z"), "{out}");
}

/// Lines after the diagnosis are not dropped: a note goes into the ticket,
/// anything else is an error naming its line.
#[test]
fn lines_after_the_diagnosis_are_notes_or_errors() {
    let (code, out, err) = piped(&example(&[]), "no\nyes\nyes\nnote user thanked us\n\n", &root());
    assert_eq!(code, 0, "{err}");
    assert!(ticket_part(&out).contains("user thanked us"), "{out}");
    let (code, _, err) = piped(&example(&[]), "no\nyes\nyes\nyes\n", &root());
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("standard input line 4: the walk has already reached its diagnosis (stale-authenticator-registration); only notes can follow, not `yes`"), "{err}");
}
