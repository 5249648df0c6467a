//! Latency and memory of `signin-doctor serve` (issue 13): `POST
//! /v1/diagnose` of the README example at p99 under 10 ms with 50
//! concurrent clients, and 10,000 open sessions in under 200 MB.
//!
//! ```sh
//! cargo bench --bench serve
//! BENCH_SERVE_REQUESTS=40 BENCH_SERVE_SESSIONS=10000 cargo bench --bench serve
//! ```
//!
//! The reference in the same run is `GET /healthz` under the same load:
//! the server's own floor (the HTTP stack, loopback, the clients), so the
//! ratio says what the diagnosis itself costs on this noisy machine.
//! Targets are checked here, never in the test suite.

#[path = "../tests/support/server.rs"]
mod server;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Resident memory of a process, in MB (Linux).
fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|kb| kb.parse::<f64>().ok()).map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Latencies of `clients` threads each making `n` requests.
fn load(clients: usize, n: usize, request: &(dyn Fn(&ureq::Agent) + Sync)) -> Vec<Duration> {
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|_| {
                s.spawn(move || {
                    let agent = ureq::AgentBuilder::new().build();
                    (0..n)
                        .map(|_| {
                            let t = Instant::now();
                            request(&agent);
                            t.elapsed()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("a client thread")).collect()
    })
}

fn pct(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
    v[i].as_secs_f64() * 1000.0
}

/// wrk's p50 and p99 in ms and requests per second, 50 connections for
/// `secs` seconds: a C load generator that leaves the cores to the server.
fn wrk(url: &str, body: Option<&std::path::Path>, secs: u64) -> Option<(f64, f64, f64)> {
    let dir = tempfile::tempdir().ok()?;
    let script = dir.path().join("post.lua");
    let lua = match body {
        Some(b) => format!("wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = io.open(\"{}\"):read(\"*a\")\n", b.display()),
        None => String::new(),
    };
    std::fs::write(&script, lua).ok()?;
    let out = Command::new("wrk").args(["-t2", "-c50", &format!("-d{secs}s"), "--latency", "-s"]).arg(&script).arg(url).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let ms = |label: &str| -> Option<f64> {
        let v = text.lines().find(|l| l.trim_start().starts_with(label))?.split_whitespace().nth(1)?.to_string();
        let (n, unit) = v.split_at(v.find(|c: char| c.is_ascii_alphabetic())?);
        let n: f64 = n.parse().ok()?;
        Some(match unit {
            "us" => n / 1000.0,
            "ms" => n,
            "s" => n * 1000.0,
            _ => return None,
        })
    };
    let rps = text.lines().find(|l| l.starts_with("Requests/sec:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some((ms("50%")?, ms("99%")?, rps))
}

fn main() {
    let requests = env_or("BENCH_SERVE_REQUESTS", 40);
    let sessions = env_or("BENCH_SERVE_SESSIONS", 10_000);
    let clients = 50;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    assert!(Command::new(&cargo).args(["build", "--release", "--quiet"]).current_dir(root()).status().is_ok_and(|s| s.success()));
    let sessions_cap = (sessions + 1).to_string();
    let server = server::Server::start_bin(&root().join("target/release/signin-doctor"), &["--max-sessions", &sessions_cap]);
    let url = server.url.clone();
    let example = |f: &str| std::fs::read_to_string(root().join("examples/stale-authenticator").join(f)).expect("the example");
    let body = serde_json::json!({
        "signins": example("signin.json"),
        "audit": example("audit.json"),
        "answers": {"prompt-seen": "no", "new-phone": "yes", "other-method": "yes"},
    })
    .to_string();
    let health = format!("{url}/healthz");
    let diagnose = format!("{url}/v1/diagnose");
    // Warm up.
    load(4, 10, &|a| {
        let _ = a.post(&diagnose).set("Content-Type", "application/json").send_string(&body);
    });
    let mut floor = load(clients, requests, &|a| {
        a.get(&health).call().expect("healthz");
    });
    let mut lat = load(clients, requests, &|a| {
        let r = a.post(&diagnose).set("Content-Type", "application/json").send_string(&body).expect("diagnose");
        assert_eq!(r.status(), 200);
    });
    let n = lat.len();
    println!("serve: {clients} concurrent clients, {n} requests each kind, 2 cores shared by clients and server");
    println!("{:<40} {:>8} {:>8} {:>8}", "", "p50 ms", "p99 ms", "max ms");
    let (f50, f99, fmax) = (pct(&mut floor, 0.5), pct(&mut floor, 0.99), pct(&mut floor, 1.0));
    println!("{:<40} {f50:>8.2} {f99:>8.2} {fmax:>8.2}", "reference: GET /healthz");
    let (d50, d99, dmax) = (pct(&mut lat, 0.5), pct(&mut lat, 0.99), pct(&mut lat, 1.0));
    println!("{:<40} {d50:>8.2} {d99:>8.2} {dmax:>8.2}", "POST /v1/diagnose (README example)");
    println!("diagnose p99 / healthz p99: {:.2}x", d99 / f99);
    let verdict = |ok: bool| if ok { "met" } else { "NOT MET" };
    println!("target: p99 under 10 ms (clients in this process): {d99:.2} ms, {}", verdict(d99 < 10.0));
    // The same load from wrk (a C client that leaves the cores to the server), when installed.
    let body_file = tempfile::NamedTempFile::new().expect("a temporary file");
    std::fs::write(body_file.path(), &body).expect("the body is written");
    match (wrk(&health, None, 10), wrk(&diagnose, Some(body_file.path()), 10)) {
        (Some(h), Some(d)) => {
            println!("wrk, 50 connections, 10 s:  /healthz p50 {:.2} ms p99 {:.2} ms {:.0} req/s;  /v1/diagnose p50 {:.2} ms p99 {:.2} ms {:.0} req/s", h.0, h.1, h.2, d.0, d.1, d.2);
            println!("target: p99 under 10 ms (wrk): {:.2} ms, {}; {:.2}x the reference's p99", d.1, verdict(d.1 < 10.0), d.1 / h.1);
        }
        _ => println!("wrk is not installed (apt-get install wrk): the in-process clients' figures stand alone"),
    }

    let before = rss_mb(server.id());
    let start_body = serde_json::json!({"signins": example("signin.json"), "audit": example("audit.json"), "case": "INC0012345"}).to_string();
    let sessions_url = format!("{url}/v1/sessions");
    let per = sessions.div_ceil(8);
    let t = Instant::now();
    load(8, per, &|a| {
        let r = a.post(&sessions_url).set("Content-Type", "application/json").send_string(&start_body).expect("a session");
        assert_eq!(r.status(), 201);
    });
    let after = rss_mb(server.id());
    println!("{} sessions opened in {:.1} s: resident memory {before:.0} MB before, {after:.0} MB after", per * 8, t.elapsed().as_secs_f64());
    println!("target: 10,000 open sessions under 200 MB: {after:.0} MB, {}", verdict(after < 200.0));
    drop(server);
}
