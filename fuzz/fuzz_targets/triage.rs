//! Batch triage's own first-pass reader and its second pass, on one file,
//! with one worker thread (the reference) and two: both must agree.
#![no_main]
include!("common.rs");

use libfuzzer_sys::fuzz_target;
use signin_doctor::triage::{self, NoProgress, Options};
use signin_doctor::Evidence;
use std::io::Write;

fuzz_target!(|data: &[u8]| {
    let mut f = match scratch_file() {
        Some(f) => f,
        None => return,
    };
    if f.1.write_all(data).is_err() {
        return;
    }
    let rules = rules();
    let audit = Evidence::builder().build();
    let mut outs = Vec::new();
    for threads in [1, 2] {
        let mut opts = Options::default();
        opts.threads = threads;
        let mut lines = Vec::new();
        let r = triage::run(rules, std::slice::from_ref(&f.0), &audit, None, &opts, &NoProgress, &mut |a| {
            lines.push(serde_json::to_string(a).unwrap_or_default());
            Ok(())
        });
        outs.push((r.map(|s| (s.records, s.bad_records, s.failed_attempts)).map_err(|e| e.to_string()), lines));
    }
    assert_eq!(outs[0], outs[1], "one thread and two disagree");
    let _ = std::fs::remove_file(&f.0);
});

/// A file of this process's own under /dev/shm (or the temporary directory).
fn scratch_file() -> Option<(std::path::PathBuf, std::fs::File)> {
    let dir = if std::path::Path::new("/dev/shm").is_dir() { std::path::PathBuf::from("/dev/shm") } else { std::env::temp_dir() };
    let p = dir.join(format!("signin-doctor-fuzz-{}.json", std::process::id()));
    std::fs::File::create(&p).ok().map(|f| (p, f))
}
