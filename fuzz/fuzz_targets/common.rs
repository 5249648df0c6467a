// Shared by the fuzz targets (included with `include!`, so each target stays
// one binary): the shipped rules, loaded once, and a walk from any facts to
// every output, which must never panic whatever the facts hold.

use signin_doctor::output::{self, TicketFormat};
use signin_doctor::{Rules, Session};
use std::sync::OnceLock;

#[allow(dead_code)]
fn rules() -> &'static Rules {
    static R: OnceLock<Rules> = OnceLock::new();
    R.get_or_init(|| Rules::embedded().expect("the shipped rules load"))
}

/// Walk as far as the session goes, answering "don't know" to at most a few
/// questions, and render every output of the outcome.
#[allow(dead_code)]
fn walk_and_render(rules: &Rules, mut session: Session) {
    for _ in 0..8 {
        let Ok(outcome) = session.outcome(rules) else { return };
        let _ = output::text(&outcome, &session.subject, rules);
        let _ = output::json(&outcome, &session.subject, &session.facts, rules);
        let _ = output::ticket(&session, &outcome, rules, TicketFormat::Markdown, true);
        match outcome.question() {
            Some(q) => {
                let id = q.id.clone();
                if session.answer(rules, &id, "dont-know").is_err() {
                    return;
                }
            }
            None => return,
        }
    }
}
