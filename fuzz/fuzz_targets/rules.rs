//! The rule loader and its checks: a file alone, or beside the shipped
//! rules (so its references meet real nodes); a tree that loads is walked.
#![no_main]
include!("common.rs");

use libfuzzer_sys::fuzz_target;

const SHIPPED: [(&str, &str); 4] = [
    ("rules/00-triage.ron", include_str!("../../rules/00-triage.ron")),
    ("rules/10-mfa.ron", include_str!("../../rules/10-mfa.ron")),
    ("rules/20-access.ron", include_str!("../../rules/20-access.ron")),
    ("rules/90-diagnoses.ron", include_str!("../../rules/90-diagnoses.ron")),
];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let mut sources: Vec<(String, String)> = vec![("fuzz.ron".into(), text.into())];
    if mode & 0x0f == 1 {
        // One input in sixteen: in place of one shipped file, or beside them
        // all (loading the shipped rules costs most of a run).
        let replace = (mode >> 4) as usize % 5;
        sources.extend(SHIPPED.iter().enumerate().filter(|(i, _)| *i != replace).map(|(_, (n, t))| (n.to_string(), t.to_string())));
    }
    match Rules::from_sources(sources) {
        Ok(r) => walk_and_render(&r, Session::without_log(&r)),
        Err(e) => {
            if let Some(errs) = e.rule_errors() {
                let _ = errs.render_plain();
            }
        }
    }
});
