//! Case files: parsed, and run when their inputs are inline (a path would
//! read whatever file the input names).
#![no_main]
include!("common.rs");

use libfuzzer_sys::fuzz_target;
use signin_doctor::authoring::{Case, Input, OrgInput};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(case) = Case::from_str(std::path::Path::new("fuzz/case.ron"), text) else { return };
    let inline = case.signins.iter().chain(&case.audit).all(|i| matches!(i, Input::Json(_))) && !matches!(case.org, Some(OrgInput::Path(_)));
    if inline {
        let rules = rules();
        if let Ok(run) = case.run(rules) {
            let _ = run.render(rules);
        }
    }
});
