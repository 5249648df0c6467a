//! The sign-in readers (every JSON shape and CSV, by detection or forced),
//! then attempt selection, facts, the walk and every output.
#![no_main]
include!("common.rs");

use libfuzzer_sys::fuzz_target;
use signin_doctor::{Evidence, Facts, InputFormat};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let format = match mode % 3 {
        0 => InputFormat::Auto,
        1 => InputFormat::Json,
        _ => InputFormat::Csv,
    };
    let Ok(b) = Evidence::builder().input_format(format).skip_bad_records(mode & 4 != 0).signins_str("fuzz.json", text) else { return };
    let ev = b.build();
    let Ok(attempt) = ev.select(&Default::default()) else { return };
    let rules = rules();
    let session = Session::new(rules, Facts::derive(&attempt, &ev, None), &attempt);
    walk_and_render(rules, session);
});
