//! The reference program for the triage benchmark: read a JSON Lines file
//! and parse every line with serde_json, keeping nothing (`IgnoredAny`), on
//! one thread. It is the floor under any tool that reads every record once,
//! so `cargo bench --bench triage` reports triage's time as a multiple of it,
//! measured in the same run on the same (shared, noisy) machine.
//!
//! ```sh
//! cargo run --release --example parse_baseline -- target/bench/bench-1000000.jsonl
//! ```

use std::io::{BufRead, BufReader};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: parse_baseline FILE.jsonl");
        std::process::exit(2)
    };
    let file = std::fs::File::open(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1)
    });
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut line = Vec::new();
    let (mut records, mut bad) = (0usize, 0usize);
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                eprintln!("{path}: {e}");
                std::process::exit(1)
            }
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<serde::de::IgnoredAny>(&line) {
            Ok(_) => records += 1,
            Err(_) => bad += 1,
        }
    }
    println!("{records} records parsed, {bad} bad");
}
