//! The parse-limit program for the triage benchmark: read a JSON Lines file
//! on one thread, parse every line with serde_json into a borrowed struct of
//! only the fields the facts read, and sort each record into one of 16
//! outcomes with plain if/else rules. No tool that reads every record once
//! and decides on these fields can do much better, so `cargo bench --bench
//! triage` reports triage's time as a multiple of this program's, measured
//! in the same run on the same (shared, noisy) machine.
//!
//! ```sh
//! cargo run --release --example parse_baseline -- target/bench/bench-1000000.jsonl
//! ```

use serde::Deserialize;
use std::borrow::Cow;
use std::io::{BufRead, BufReader};

#[derive(Deserialize)]
#[allow(dead_code)]
struct Record<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(rename = "createdDateTime", borrow, default)]
    created: Option<Cow<'a, str>>,
    #[serde(rename = "correlationId", borrow, default)]
    correlation: Option<Cow<'a, str>>,
    #[serde(rename = "userId", borrow, default)]
    user_id: Option<Cow<'a, str>>,
    #[serde(rename = "userPrincipalName", borrow, default)]
    upn: Option<Cow<'a, str>>,
    #[serde(rename = "ipAddress", borrow, default)]
    ip: Option<Cow<'a, str>>,
    #[serde(rename = "clientAppUsed", borrow, default)]
    client: Option<Cow<'a, str>>,
    #[serde(rename = "appDisplayName", borrow, default)]
    app: Option<Cow<'a, str>>,
    #[serde(rename = "authenticationRequirement", borrow, default)]
    requirement: Option<Cow<'a, str>>,
    #[serde(rename = "isInteractive", default)]
    interactive: Option<bool>,
    #[serde(rename = "riskState", borrow, default)]
    risk_state: Option<Cow<'a, str>>,
    #[serde(rename = "userType", borrow, default)]
    user_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    status: Option<Status<'a>>,
    #[serde(borrow, default)]
    location: Option<Location<'a>>,
    #[serde(rename = "deviceDetail", borrow, default)]
    device: Option<Device<'a>>,
    #[serde(rename = "authenticationDetails", borrow, default)]
    steps: Option<Vec<Step<'a>>>,
}

#[derive(Deserialize)]
#[allow(dead_code)] // read as the facts read them; the 16 rules use some
struct Status<'a> {
    #[serde(rename = "errorCode", default)]
    code: Option<i64>,
    #[serde(rename = "additionalDetails", borrow, default)]
    details: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Location<'a> {
    #[serde(rename = "countryOrRegion", borrow, default)]
    country: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Device<'a> {
    #[serde(rename = "operatingSystem", borrow, default)]
    os: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Step<'a> {
    #[serde(rename = "authenticationMethod", borrow, default)]
    method: Option<Cow<'a, str>>,
    #[serde(default)]
    succeeded: Option<bool>,
    #[serde(rename = "authenticationStepResultDetail", borrow, default)]
    result: Option<Cow<'a, str>>,
}

/// 16 if/else rules over the fields: the kind of decision a hand-written triage makes.
fn outcome(r: &Record) -> usize {
    let code = r.status.as_ref().and_then(|s| s.code).unwrap_or(-1);
    let result = r.steps.iter().flatten().filter_map(|s| s.result.as_deref()).next_back().unwrap_or("");
    let client = r.client.as_deref().unwrap_or("");
    if code == 0 {
        if r.requirement.as_deref() == Some("singleFactorAuthentication") {
            1
        } else {
            0
        }
    } else if code == 50126 || code == 50053 {
        if r.ip.as_deref().is_some_and(|ip| ip.starts_with("203.")) {
            2
        } else {
            3
        }
    } else if code == 500121 {
        if result.contains("did not respond") {
            4
        } else if result.contains("denied") {
            5
        } else if result.contains("fraud") {
            6
        } else {
            7
        }
    } else if code == 50074 || code == 50076 {
        8
    } else if code == 50079 || code == 50072 {
        9
    } else if code == 53003 {
        10
    } else if code == 50057 {
        11
    } else if client.contains("IMAP") || client.contains("POP") || client.contains("SMTP") || client.contains("Exchange ActiveSync") {
        12
    } else if r.location.as_ref().and_then(|l| l.country.as_deref()).is_some_and(|c| c != "GB") {
        13
    } else if r.risk_state.as_deref() == Some("atRisk") {
        14
    } else {
        15
    }
}

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
    let (mut counts, mut bad) = ([0usize; 16], 0usize);
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
        match serde_json::from_slice::<Record>(&line) {
            Ok(r) => counts[outcome(&r)] += 1,
            Err(_) => bad += 1,
        }
    }
    println!("{} records parsed, {bad} bad; outcomes {counts:?}", counts.iter().sum::<usize>());
}
