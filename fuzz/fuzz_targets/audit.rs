//! The audit readers, then the audit facts of the example attempt.
#![no_main]
include!("common.rs");

use libfuzzer_sys::fuzz_target;
use signin_doctor::{Evidence, Facts};

const SIGNIN: &str = include_str!("../../examples/stale-authenticator/signin.json");

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(b) = Evidence::builder().signins_str("signin.json", SIGNIN).and_then(|b| b.audit_str("fuzz.json", text)) else { return };
    let ev = b.build();
    let Ok(attempt) = ev.select(&Default::default()) else { return };
    let rules = rules();
    walk_and_render(rules, Session::new(rules, Facts::derive(&attempt, &ev, None), &attempt));
});
