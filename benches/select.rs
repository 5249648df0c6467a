//! Time to the first question, and peak memory, when `guide` finds one
//! caller in a large export (issue 12: within 2 s and under 100 MB for
//! 300 MB of input on a 2-core machine).
//!
//! ```sh
//! cargo bench --bench select                      # about 300 MB (117,000 generated records)
//! BENCH_SELECT_RECORDS=20000 cargo bench --bench select
//! ```
//!
//! `guide --user U` runs with standard input closed, so it prints the
//! header, the summary and the first question and stops (exit 3): that is
//! the agent's first screen. The same file read through a pipe takes the
//! whole-log path (a pipe cannot be read twice), which is the reference in
//! the same run (its peak is the pipeline's largest process); `wc -l` over the file is the floor of reading it at all.
//! Each runs three times; the best wall time is reported with its peak
//! resident memory (from /usr/bin/time when present). Targets are checked
//! here, never in the test suite.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// (wall seconds, peak KB if known, exit code)
fn timed(program: &Path, args: &[&str]) -> (f64, Option<u64>, i32) {
    let time = Path::new("/usr/bin/time");
    let mut c = if time.exists() {
        let mut c = Command::new(time);
        c.args(["-f", "%M"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    c.args(args).current_dir(root()).env("SIGNIN_DOCTOR_KEY_FILE", root().join("target/bench/session.key"));
    c.stdin(Stdio::null());
    let start = Instant::now();
    let out = c.output().expect("the program runs");
    let wall = start.elapsed().as_secs_f64();
    let kb = String::from_utf8_lossy(&out.stderr).lines().last().and_then(|l| l.trim().parse().ok());
    (wall, kb, out.status.code().unwrap_or(-1))
}

fn best(runs: impl Iterator<Item = (f64, Option<u64>, i32)>) -> (f64, Option<u64>, i32) {
    runs.min_by(|a, b| a.0.total_cmp(&b.0)).expect("at least one run")
}

fn mb(kb: Option<u64>) -> String {
    kb.map_or("?".into(), |k| format!("{:.0}", k as f64 / 1024.0))
}

fn main() {
    let records: usize = std::env::var("BENCH_SELECT_RECORDS").ok().and_then(|v| v.parse().ok()).unwrap_or(117_000);
    let dir = root().join("target/bench");
    std::fs::create_dir_all(&dir).expect("target/bench");
    let file = dir.join(format!("select-{records}.jsonl"));
    if !file.exists() {
        eprintln!("generating {} ({records} records)...", file.display());
        let ok = Command::new(cargo())
            .args(["run", "--release", "--quiet", "--example", "generate", "--", "--records", &records.to_string(), "--out"])
            .arg(&file)
            .current_dir(root())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "the generator failed");
    }
    assert!(Command::new(cargo()).args(["build", "--release", "--quiet"]).current_dir(root()).status().is_ok_and(|s| s.success()));
    let bin = root().join("target/release/signin-doctor");
    let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    // A user from the middle of the file.
    let text = std::fs::read_to_string(&file).expect("the export reads");
    let line = text.lines().nth(records / 2).unwrap_or_default();
    let user = line.split("\"userPrincipalName\":").nth(1).and_then(|s| s.split('"').nth(1)).unwrap_or("nobody@contoso.com").to_string();
    drop(text);
    println!("guide's first screen for {user} in {records} generated sign-ins ({:.0} MB), best of 3", size as f64 / 1e6);
    let f = file.to_str().unwrap_or_default();
    let floor = best((0..3).map(|_| timed(Path::new("wc"), &["-l", f])));
    println!("floor: wc -l over the file: {:.2} s", floor.0);
    let indexed = best((0..3).map(|_| timed(&bin, &["guide", "--signin", f, "--user", &user])));
    assert_eq!(indexed.2, 3, "guide stops at its first question");
    // Through a pipe (`cat FILE |`), guide reads the log from standard input whole.
    let piped = format!("cat '{f}' | '{}' guide --signin /dev/stdin --user '{user}'", bin.display());
    let whole = best((0..3).map(|_| timed(Path::new("sh"), &["-c", &piped])));
    assert_eq!(whole.2, 3, "guide stops at its first question");
    println!("{:<44} {:>8} {:>9}", "", "wall s", "peak MB");
    println!("{:<44} {:>8.2} {:>9}", "indexed (a regular file: streamed once)", indexed.0, mb(indexed.1));
    println!("{:<44} {:>8.2} {:>9}", "reference: the whole log loaded (a pipe)", whole.0, mb(whole.1));
    println!("indexed / whole: {:.2}x the time; indexed / wc -l: {:.2}x", indexed.0 / whole.0, indexed.0 / floor.0);
    let verdict = |ok: bool| if ok { "met" } else { "NOT MET" };
    let scaled = indexed.0 * 300e6 / size.max(1) as f64;
    println!("target: first screen within 2 s for 300 MB: {scaled:.2} s (scaled from this file), {}", verdict(scaled <= 2.0));
    let peak = indexed.1.map_or(f64::NAN, |k| k as f64 / 1024.0);
    println!("target: under 100 MB: {peak:.0} MB, {}", verdict(peak < 100.0));
}
