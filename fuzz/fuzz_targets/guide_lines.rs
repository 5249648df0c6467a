//! The guide line protocol: every line of the input parsed and applied to a
//! session of the example attempt, walking after each.
#![no_main]
include!("common.rs");

use libfuzzer_sys::fuzz_target;
use signin_doctor::{Applied, Evidence, Facts, Line};

const SIGNIN: &str = include_str!("../../examples/stale-authenticator/signin.json");

/// The example's session, made once.
fn start() -> &'static Session {
    static S: OnceLock<Session> = OnceLock::new();
    S.get_or_init(|| {
        let ev = Evidence::builder().signins_str("signin.json", SIGNIN).expect("the example reads").build();
        let attempt = ev.select(&Default::default()).expect("the example has a failure");
        Session::new(rules(), Facts::derive(&attempt, &ev, None), &attempt)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let rules = rules();
    let mut session = start().clone();
    for l in text.lines().take(64) {
        let Ok(outcome) = session.outcome(rules) else { return };
        let Some(q) = outcome.question().map(|q| q.id.clone()) else { break };
        let Ok(line) = Line::parse(l) else { continue };
        match session.apply_line(rules, &q, &line) {
            Ok(Applied::Quit) => break,
            Ok(_) | Err(_) => {}
        }
    }
    walk_and_render(rules, session);
});
