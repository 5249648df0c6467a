//! Saved sessions: the checked loader on the raw bytes (a forged or broken
//! session must be refused, never believed and never a panic), and any
//! session JSON sealed and read back, then walked and rendered, so the
//! checks after the seal and the walk over arbitrary facts are reached too.
#![no_main]
include!("common.rs");

use libfuzzer_sys::fuzz_target;
use signin_doctor::SessionKey;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let rules = rules();
    let key = SessionKey::from_bytes([7; 32]);
    if let Ok((s, _)) = Session::from_sealed_json(text, rules, &key, true) {
        walk_and_render(rules, s);
    }
    let Ok(s) = serde_json::from_str::<Session>(text) else { return };
    let Ok(sealed) = s.to_sealed_json(&key) else { return };
    match Session::from_sealed_json(&sealed, rules, &key, true) {
        Ok((back, _)) => walk_and_render(rules, back),
        Err(e) => {
            // Refused only for what the seal does not cover: the version, or the facts' names and types.
            let m = e.to_string();
            assert!(!m.contains("seal does not match"), "a session sealed here failed its own seal: {m}");
        }
    }
});
