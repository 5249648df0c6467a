//! The walk without a terminal: one line per answer (the line protocol).

use super::*;

/// The longest line the protocol reads (a note pasted from a log is far
/// shorter); a longer one is an error, not memory without end.
pub(super) const MAX_LINE: usize = 64 << 10;

/// One line of standard input, at most `MAX_LINE` bytes; `None` at the end.
fn next_line<R: BufRead>(input: &mut R) -> Option<std::io::Result<String>> {
    let mut buf = Vec::new();
    match std::io::Read::take(input, MAX_LINE as u64 + 1).read_until(b'\n', &mut buf) {
        Ok(0) => None,
        Ok(_) if buf.len() > MAX_LINE && !buf.ends_with(b"\n") => Some(Err(std::io::Error::other(format!("a line is longer than {} KiB", MAX_LINE >> 10)))),
        Ok(_) => Some(String::from_utf8(buf).map(|s| s.trim_end_matches(['\n', '\r']).to_string()).map_err(|_| std::io::Error::other("a line is not UTF-8 text"))),
        Err(e) => Some(Err(e)),
    }
}

/// Lines after the walk has reached its diagnosis are not dropped: a note
/// goes into the ticket, blank lines and comments are nothing, and anything
/// else (an answer no question is waiting for) is an error naming its line.
fn after_the_end(input: &mut impl BufRead, n: &mut usize, session: &mut Session, at: &str) -> Result<(), Error> {
    while let Some(l) = next_line(input) {
        let l = l.map_err(|e| Error::from_parts(ErrorKind::Io, format!("cannot read standard input: {e}"), Path::new("")))?;
        *n += 1;
        match Line::parse(&l) {
            Ok(Line::Nothing | Line::Quit) => {}
            Ok(Line::Note(text)) => session.add_note(at, &text),
            _ => {
                return Err(Error::from_parts(
                    ErrorKind::BadAnswer,
                    format!("standard input line {n}: the walk has already reached its diagnosis ({at}); only notes can follow, not `{}`", l.trim()),
                    Path::new(""),
                ))
            }
        }
    }
    Ok(())
}

pub(super) fn line_walk(a: &Args, rules: &Rules, session: &mut Session, screen: &mut Screen) -> Result<Option<i32>, Error> {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut n = 0;
    let mut asked = String::new();
    loop {
        let outcome = session.outcome(rules)?;
        screen.steps(&outcome, session);
        let Some(q) = outcome.question().cloned() else {
            after_the_end(&mut input, &mut n, session, outcome.diagnosis().map_or("the end", |d| d.id.as_str()))?;
            return Ok(None);
        };
        if asked != q.id {
            outln!("\n? [{}] {}", q.id, q.text);
            if let Some(p) = q.progress {
                outln!("  progress: {p}");
            }
            if let Some(h) = &q.help {
                outln!("  help: {h}");
            }
            let ids: Vec<&str> = q.choices.iter().map(|c| c.id.as_str()).collect();
            outln!("  choices: {}", ids.join(" | "));
            asked = q.id.clone();
        }
        let (line, n) = loop {
            match next_line(&mut input) {
                None => {
                    if let Some(p) = &a.save {
                        save(session, p)?;
                        super::super::ui::note(format!("session saved to {}", p.display()));
                    }
                    eprintln!("error: no answer on standard input for question `{}` (standard input is not a terminal; see README, \"Guided mode without a terminal\")", q.id);
                    return Ok(Some(exit::NEEDS_ANSWER));
                }
                Some(Err(e)) => return Err(Error::from_parts(ErrorKind::Io, format!("cannot read standard input: {e}"), Path::new(""))),
                Some(Ok(l)) => {
                    n += 1;
                    match Line::parse(&l) {
                        Ok(Line::Nothing) => {}
                        other => break (other, n),
                    }
                }
            }
        };
        let at = |e: Error| Error::from_parts(e.kind(), format!("standard input line {n}: {}", e), Path::new(""));
        let line = line.map_err(at)?;
        match session.apply_line(rules, &q.id, &line).map_err(at)? {
            Applied::Continue => match line {
                Line::Note(_) => outln!("  (note added)"),
                // A step back or an answer ahead can change the path: show the walk again from the top.
                Line::Back(_) | Line::AnswerTo(_) => {
                    screen.again();
                    asked.clear();
                }
                _ => {}
            },
            Applied::Save(file) => {
                let p = match file {
                    Some(f) => {
                        let p = PathBuf::from(f);
                        confined(&p)?;
                        p
                    }
                    None => save_path(a, session),
                };
                save_checked(a, session, &p)?;
                super::super::ui::note(format!("session saved to {}", p.display()));
            }
            Applied::Quit => {
                if let Some(p) = &a.save {
                    save(session, p)?;
                    super::super::ui::note(format!("session saved to {}", p.display()));
                }
                return Ok(Some(exit::NEEDS_ANSWER));
            }
        }
    }
}
