//! Who is on the line, and which of their sign-ins the call is about.

use super::*;

/// Who is on the line. A log of several users' failures and no --user: in a
/// terminal the agent picks the user, without one it is an error listing
/// them (never the newest failure of whoever). `None`: the log's newest
/// failure is the call's (a log of one user's failures, or none).
pub(super) fn who(a: &Args, users: &[(String, usize)], interactive: bool) -> Result<Option<String>, Error> {
    if let Some(u) = &a.user {
        return Ok(Some(u.clone()));
    }
    if users.len() <= 1 {
        return Ok(None);
    }
    let labels: Vec<String> = users.iter().map(|(u, n)| output::terminal_safe(&format!("{u} ({n} failed sign-in{})", if *n == 1 { "" } else { "s" })).into_owned()).collect();
    if !interactive {
        let shown: Vec<&str> = labels.iter().take(20).map(String::as_str).collect();
        let more = if labels.len() > 20 { format!(" and {} more", labels.len() - 20) } else { String::new() };
        return Err(Error::from_parts(ErrorKind::NotFound, format!("the log holds failed sign-ins of {} users; say who is on the line with --user", users.len()), Path::new(""))
            .with_hint(format!("{}{more}", shown.join(", "))));
    }
    match inquire::Select::new("The log holds several users' failures. Who is on the line?", labels.clone())
        .with_scorer(&|input, _, label, _| (input.is_empty() || label.to_lowercase().starts_with(&input.trim().to_lowercase())).then_some(0))
        .prompt()
    {
        Ok(l) => Ok(Some(users[labels.iter().position(|x| *x == l).unwrap_or(0)].0.clone())),
        Err(e) => Err(Error::from_parts(ErrorKind::Session, format!("no user was picked: {e}"), Path::new(""))),
    }
}

/// Which of the user's sign-ins the call is about: in a terminal the agent
/// picks one (newest first); without one the newest, and a note lists the
/// others.
pub(super) fn which(ev: &signin_doctor::Evidence, user: String, interactive: bool) -> Result<Selector, Error> {
    let failed: Vec<signin_doctor::Attempt> = ev.attempts().into_iter().filter(signin_doctor::Attempt::failed).collect();
    let theirs: Vec<&signin_doctor::Attempt> =
        failed.iter().rev().filter(|at| at.records().iter().any(|r| [&r.user_principal_name, &r.user_id].iter().any(|x| x.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(&user))))).collect();
    if theirs.len() <= 1 {
        return Ok(Selector::new(None, None, Some(user)));
    }
    let describe = |at: &signin_doctor::Attempt| {
        let d = at.deciding();
        let when = d.created.map_or("(no time)".to_string(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string());
        let app = d.app_display_name.as_deref().unwrap_or("(no app)");
        let code = d.error_code().map_or("no error code".to_string(), |c| format!("error {c}"));
        let id = d.id.as_deref().map(|i| format!(" · id {i}")).unwrap_or_default();
        output::terminal_safe(&format!("{when} · {app} · {code}{id}")).into_owned()
    };
    let labels: Vec<String> = theirs.iter().map(|at| describe(at)).collect();
    let pick = if interactive {
        match inquire::Select::new(&format!("{} has {} failed sign-ins. Which one is the call about?", output::terminal_safe(&user), theirs.len()), labels.clone()).prompt() {
            Ok(l) => labels.iter().position(|x| *x == l).unwrap_or(0),
            Err(e) => return Err(Error::from_parts(ErrorKind::Session, format!("no sign-in was picked: {e}"), Path::new(""))),
        }
    } else {
        super::super::ui::note(format!(
            "note: {} has {} failed sign-ins; taking the latest ({}). Pick another with --id: {}",
            output::terminal_safe(&user),
            theirs.len(),
            labels[0],
            labels[1..].join("; ")
        ));
        0
    };
    let chosen = theirs[pick];
    let id = chosen.deciding().id.clone();
    Ok(match id {
        Some(id) => Selector::new(Some(id), None, None),
        None => Selector::new(None, chosen.correlation_id().map(String::from), Some(user)),
    })
}
