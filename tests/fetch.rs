//! Fetching logs from Microsoft Graph and Log Analytics, against a fake of
//! both and of the sign-in service on a loopback port: what is fetched
//! diagnoses exactly as the same records read from files; paging,
//! throttling, outages, token expiry and resumption work; each sign-in
//! and permission failure says what to do.

#[path = "support/fake_entra.rs"]
mod fake_entra;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use fake_entra::{Fake, FakeEntra, Fault};
use serde_json::Value;

const USER: &str = "alex.wilber@contoso.com";
const USER_ID: &str = "534b44a1-9bf1-8d20-b71e-cc4eb77c572f";
const WORKSPACE: &str = "4b2462a4-bbee-495a-a0e1-f23ae524cc9c";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn records(file: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(root().join(file)).unwrap()).unwrap();
    v["value"].as_array().unwrap().clone()
}

fn fake(page_size: usize, faults: Vec<Fault>) -> FakeEntra {
    let (signins, audits) = recent_records();
    FakeEntra::start(Fake { signins, audits, page_size, faults, ..Fake::default() })
}

struct Run {
    code: i32,
    out: String,
    err: String,
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("signin-doctor"));
    c.current_dir(root()).args(args).stdin(Stdio::null());
    for (k, _) in std::env::vars() {
        if k.starts_with("SIGNIN_DOCTOR_") {
            c.env_remove(k);
        }
    }
    c.env("NO_COLOR", "1");
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().unwrap();
    Run { code: o.status.code().unwrap_or(-1), out: String::from_utf8_lossy(&o.stdout).into(), err: String::from_utf8_lossy(&o.stderr).into() }
}

/// The secret file, owner-only, in `dir`.
fn secret(dir: &Path, value: &str) -> String {
    let p = dir.join("secret.txt");
    std::fs::write(&p, value).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    p.to_str().unwrap().to_string()
}

/// The endpoint and app options, signing in with the secret in `secret_file`.
fn auth(f: &FakeEntra, secret_file: &str) -> Vec<String> {
    let mut a = endpoints(f);
    a.extend(["--client-secret-file".into(), secret_file.into()]);
    a
}

fn endpoints(f: &FakeEntra) -> Vec<String> {
    ["--authority", &f.url, "--graph-url", &f.url, "--loganalytics-url", &f.url, "--tenant", "contoso.onmicrosoft.com", "--client-id", "00000000-0000-0000-0000-00000000a11c"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn args<'a>(head: &[&'a str], tail: &'a [String]) -> Vec<&'a str> {
    head.iter().copied().chain(tail.iter().map(String::as_str)).collect()
}

/// Output with file names taken out of record references (`signin.json#3`
/// and `signins.jsonl#3` are the same record, read from another file).
fn unfile(s: &str) -> String {
    regex::Regex::new(r"[\w./+-]*\.jsonl?(\.gz)?#").unwrap().replace_all(s, "FILE#").into_owned()
}

fn lines(p: &Path) -> Vec<Value> {
    std::fs::read_to_string(p).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn diagnose_from_graph_is_the_same_as_from_files() {
    let dir = tempfile::tempdir().unwrap();
    let (f, sp, ap) = recent(dir.path());
    f.with(|s| s.page_size = 1);
    let a = auth(&f, &secret(dir.path(), "s3cret"));
    let answers = ["--answer", "prompt-seen=no", "--answer", "new-phone=yes", "--answer", "other-method=yes", "--format", "json"];
    let files = run(&[&["diagnose", "--signin", sp.to_str().unwrap(), "--audit", ap.to_str().unwrap(), "--user", USER][..], &answers].concat(), &[]);
    let graph = run(&args(&[&["diagnose", "--from-graph", "--user", USER][..], &answers].concat(), &a), &[]);
    assert_eq!(files.code, 0, "{}", files.err);
    assert_eq!(graph.code, 0, "{}", graph.err);
    let (fv, gv): (Value, Value) = (serde_json::from_str(&unfile(&files.out)).unwrap(), serde_json::from_str(&unfile(&graph.out)).unwrap());
    assert_eq!(fv["diagnosis"]["id"], "stale-authenticator-registration");
    assert_eq!(fv, gv, "the fetched log must diagnose as the file does");
    // The server was asked for this user's sign-ins in a window, and for the
    // audit events the user started and those done to them, by object id.
    let log = f.with(|s| s.log.clone());
    assert!(log.iter().any(|l| l.contains("signIns") && l.contains("createdDateTime ge ") && l.contains(&format!("userPrincipalName eq '{USER}'"))), "{log:#?}");
    assert!(log.iter().any(|l| l.contains("directoryAudits") && l.contains(&format!("initiatedBy/user/id eq '{USER_ID}'"))), "{log:#?}");
    assert!(log.iter().any(|l| l.contains("directoryAudits") && l.contains(&format!("targetResources/any(t: t/id eq '{USER_ID}')"))), "{log:#?}");
    // Two sign-ins a page each: two pages and the last has no next link.
    assert_eq!(log.iter().filter(|l| l.contains("signIns")).count(), 2, "{log:#?}");
    // The user's sign-ins in the last 24 hours, the audit log for 30 days before.
    let since = |l: &str, field: &str| l.split(&format!("{field} ge ")).nth(1).and_then(|r| r.split_whitespace().next()).and_then(|t| t.parse::<chrono::DateTime<chrono::Utc>>().ok()).unwrap();
    let s0 = since(log.iter().find(|l| l.contains("signIns")).unwrap(), "createdDateTime");
    let a0 = since(log.iter().find(|l| l.contains("directoryAudits")).unwrap(), "activityDateTime");
    assert!((chrono::Utc::now() - s0 - chrono::Duration::days(1)).num_seconds().abs() < 120, "{s0}");
    assert_eq!(s0 - a0, chrono::Duration::days(30));
}

#[test]
fn a_user_without_audit_events_or_sign_ins() {
    let dir = tempfile::tempdir().unwrap();
    let (f, sp, _) = recent(dir.path());
    f.with(|s| s.audits.clear());
    let a = auth(&f, &secret(dir.path(), "s3cret"));
    // No audit event in 30 days: diagnosed from the sign-ins, as a file
    // without audit events is.
    let files = run(&["diagnose", "--signin", sp.to_str().unwrap(), "--audit", "tests/data/fetch/empty-audit.json", "--user", USER, "--format", "json"], &[]);
    let graph = run(&args(&["diagnose", "--from-graph", "--user", USER, "--format", "json"], &a), &[]);
    assert_eq!(graph.code, files.code, "{}", graph.err);
    assert_eq!(unfile(&graph.out), unfile(&files.out));
    // No sign-in in the last day: said so, and the audit log is not read.
    let before = f.with(|s| s.log.len());
    let r = run(&args(&["diagnose", "--from-graph", "--user", "nobody@contoso.com"], &a), &[]);
    assert_eq!(r.code, 4, "{}", r.err);
    assert!(r.err.contains("Microsoft Graph holds no sign-in of nobody@contoso.com from "), "{}", r.err);
    let log = f.with(|s| s.log[before..].to_vec());
    assert!(log.iter().any(|l| l.contains("/users/nobody@contoso.com")), "the object id asked for: {log:#?}");
    assert!(!log.iter().any(|l| l.contains("directoryAudits")), "{log:#?}");
    // Run by request id: the sign-in, and its user's sign-ins of the day before.
    let id = recent_records().0[1]["id"].as_str().unwrap().to_string();
    let before = f.with(|s| s.log.len());
    let by_id = run(&args(&["diagnose", "--from-graph", "--id", &id, "--format", "json"], &a), &[]);
    let file_by_id = run(&["diagnose", "--signin", sp.to_str().unwrap(), "--audit", "tests/data/fetch/empty-audit.json", "--id", &id, "--format", "json"], &[]);
    assert_eq!(by_id.code, file_by_id.code, "{}", by_id.err);
    // The picked record comes first in what was fetched: its number differs.
    let renumber = |s: &str| regex::Regex::new(r"FILE#\d+").unwrap().replace_all(&unfile(s), "FILE#n").into_owned();
    assert_eq!(renumber(&by_id.out), renumber(&file_by_id.out));
    assert!(by_id.out.contains("signins.jsonl#1") && by_id.out.contains("history."), "{}", by_id.out);
    let log = f.with(|s| s.log[before..].to_vec());
    assert!(log.iter().any(|l| l.contains(&format!(" id eq '{id}'"))) && log.iter().any(|l| l.contains(&format!("userId eq '{USER_ID}'"))), "{log:#?}");
}

#[test]
fn next_links_to_another_host_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let (f, _, _) = recent(dir.path());
    f.with(|s| {
        s.page_size = 1;
        s.foreign_next = true;
    });
    let a = auth(&f, &secret(dir.path(), "s3cret"));
    let r = run(&args(&["fetch", "graph", "--since", "2d", "--out", dir.path().join("o").to_str().unwrap()], &a), &[]);
    assert_eq!(r.code, 10, "{}", r.err);
    assert!(r.err.contains("next page is on another host") && r.err.contains("was not followed"), "{}", r.err);
    assert_eq!(f.with(|s| s.log.len()), 1);
}

/// The example's records as Graph would hold them now: the failure an hour
/// ago, the sign-ins of the day before it, and its audit events moved into
/// Graph's 30 days (20 days before the failure, an hour apart, in order).
fn recent_records() -> (Vec<Value>, Vec<Value>) {
    let at = |r: &Value, field: &str| r[field].as_str().unwrap().parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    let set = |r: &mut Value, field: &str, t: chrono::DateTime<chrono::Utc>| r[field] = t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true).into();
    let mut signins = records("examples/stale-authenticator/signin.json");
    let last = signins.iter().map(|r| at(r, "createdDateTime")).max().unwrap();
    let by = chrono::Utc::now() - chrono::Duration::hours(1) - last;
    for r in &mut signins {
        let t = at(r, "createdDateTime") + by;
        set(r, "createdDateTime", t);
    }
    signins.retain(|r| at(r, "createdDateTime") > chrono::Utc::now() - chrono::Duration::hours(23));
    let mut audits = records("examples/stale-authenticator/audit.json");
    let n = audits.len() as i64;
    for (k, r) in audits.iter_mut().enumerate() {
        set(r, "activityDateTime", last + by - chrono::Duration::days(20) - chrono::Duration::hours(n - k as i64));
    }
    (signins, audits)
}

/// [`recent_records`] as files in `dir`, and as the fake's records.
fn recent(dir: &Path) -> (FakeEntra, PathBuf, PathBuf) {
    let (signins, audits) = recent_records();
    let (sp, ap) = (dir.join("signin.json"), dir.join("audit.json"));
    std::fs::write(&sp, serde_json::json!({ "value": signins }).to_string()).unwrap();
    std::fs::write(&ap, serde_json::json!({ "value": audits }).to_string()).unwrap();
    (FakeEntra::start(Fake { signins, audits, page_size: 2, ..Fake::default() }), sp, ap)
}

#[test]
fn triage_since_2d_from_graph_is_the_same_as_from_files() {
    let dir = tempfile::tempdir().unwrap();
    let (f, sp, ap) = recent(dir.path());
    let a = auth(&f, &secret(dir.path(), "s3cret"));
    let window = ["--since", "2d", "--format", "json"];
    let files = run(&[&["triage", "--signins", sp.to_str().unwrap(), "--audit", ap.to_str().unwrap()][..], &window].concat(), &[]);
    let graph = run(&args(&[&["triage", "--from-graph"][..], &window].concat(), &a), &[]);
    assert_eq!(files.code, 0, "{}", files.err);
    assert_eq!(graph.code, 0, "{}", graph.err);
    let v: Value = serde_json::from_str(files.out.lines().next().unwrap()).unwrap();
    assert_eq!(v["user"], USER);
    assert_eq!(unfile(&graph.out), unfile(&files.out));
    // Everyone's sign-ins in the window, the audit log from 30 days before it.
    let log = f.with(|s| s.log.clone());
    assert!(log.iter().any(|l| l.contains("signIns filter=createdDateTime ge ") && !l.contains(" eq ")), "{log:#?}");
    assert!(log.iter().any(|l| l.contains("directoryAudits filter=activityDateTime ge ") && !l.contains(" eq ")), "{log:#?}");
    // And guide --from-graph with no window of its own: the last 24 hours.
    let answers = ["--answer", "prompt-seen=no", "--answer", "new-phone=yes", "--answer", "other-method=yes"];
    let files = run(&[&["guide", "--signin", sp.to_str().unwrap(), "--audit", ap.to_str().unwrap(), "--user", USER][..], &answers].concat(), &[]);
    let graph = run(&args(&[&["guide", "--from-graph", "--user", USER][..], &answers].concat(), &a), &[]);
    assert_eq!(files.code, 0, "{}", files.err);
    assert_eq!(graph.code, 0, "{}", graph.err);
    assert!(graph.out.contains("Stale Microsoft Authenticator registration"), "{}", graph.out);
    let started = |s: &str| s.lines().filter(|l| !l.contains("Started") && !l.contains("started")).collect::<Vec<_>>().join("\n");
    assert_eq!(unfile(&started(&graph.out)), unfile(&started(&files.out)));
}

#[test]
fn throttling_outages_and_an_expired_token_are_waited_out() {
    let f = fake(1, vec![Fault::Throttle(1), Fault::Unavailable, Fault::ExpiredToken]);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let a = auth(&f, &secret(dir.path(), "s3cret"));
    let r = run(&args(&["fetch", "graph", "--since", "30d", "--out", out.to_str().unwrap()], &a), &[]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.err.contains("throttled; waiting 1 s as Retry-After asks"), "{}", r.err);
    assert!(r.err.contains("status 503; waiting"), "{}", r.err);
    assert!(r.err.contains("2 requests retried"), "{}", r.err);
    // The expired token was renewed once, and the request sent again.
    assert_eq!(f.with(|s| s.token_requests.clone()), vec!["client_secret", "client_secret"]);
    let ids = |p: &Path| lines(p).iter().map(|r| r["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let want = |v: &[Value]| v.iter().map(|r| r["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let (signins, audits) = recent_records();
    assert_eq!(ids(&out.join("signins.jsonl")), want(&signins));
    assert_eq!(ids(&out.join("audit.jsonl")), want(&audits));
    assert!(r.out.contains("signins.jsonl") && r.out.contains("audit.jsonl"), "{}", r.out);
}

#[test]
fn an_interrupted_fetch_resumes_at_its_page() {
    let f = fake(1, vec![]);
    let dir = tempfile::tempdir().unwrap();
    let a = auth(&f, &secret(dir.path(), "s3cret"));
    let fetch = |out: &Path| run(&args(&["fetch", "graph", "--since", "30d", "--gzip", "--no-audit", "--out", out.to_str().unwrap()], &a), &[]);
    let whole = dir.path().join("whole");
    let r = fetch(&whole);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.err.contains("fetched 2 records in 2 pages"), "{}", r.err);

    // A good page, then a gateway's HTML page instead of the second.
    let out = dir.path().join("out");
    f.with(|s| s.faults = vec![Fault::Pass, Fault::Malformed]);
    let r = fetch(&out);
    assert_eq!(r.code, 10, "{}", r.err);
    assert!(r.err.contains("page 2") && r.err.contains("is not a page of records") && r.err.contains("resumes"), "{}", r.err);
    let asked = f.with(|s| s.log.len());
    let r = fetch(&out);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.err.contains("fetched 1 records in 1 pages (resumed)"), "{}", r.err);
    // Only the missing page was asked for again.
    let log = f.with(|s| s.log[asked..].to_vec());
    assert_eq!(log.len(), 1, "{log:#?}");
    assert!(log[0].ends_with("skip=1"), "{log:#?}");
    // The same bytes as a fetch that was never broken, and valid gzip.
    let read = |d: &Path| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut flate2::read::MultiGzDecoder::new(std::fs::File::open(d.join("signins.jsonl.gz")).unwrap()), &mut s).unwrap();
        s
    };
    assert_eq!(read(&out), read(&whole));
    assert_eq!(read(&out).lines().count(), 2);
    // A finished fetch run again asks for nothing.
    let r = fetch(&out);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.err.contains("already complete"), "{}", r.err);
    assert_eq!(f.with(|s| s.log.len()), asked + 1);
    // Resumed without --gzip, it is refused rather than mixed.
    let r = run(&args(&["fetch", "graph", "--since", "30d", "--no-audit", "--out", out.to_str().unwrap()], &a), &[]);
    assert_eq!(r.code, 7, "{}", r.err);
    assert!(r.err.contains("begun with --gzip"), "{}", r.err);
}

#[test]
fn refusals_say_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(Fault, &str); 2] = [
        (Fault::Forbidden("Authorization_RequestDenied"), "the app needs the application permissions AuditLog.Read.All and Directory.Read.All"),
        (Fault::Forbidden("Authentication_RequestFromNonPremiumTenantOrB2CTenant"), "no Microsoft Entra ID P1 or P2 licence"),
    ];
    for (fault, says) in cases {
        let f = fake(2, vec![fault]);
        let a = auth(&f, &secret(dir.path(), "s3cret"));
        let r = run(&args(&["diagnose", "--from-graph", "--user", USER], &a), &[]);
        assert_eq!(r.code, 10, "{}", r.err);
        assert!(r.err.contains(says), "{}", r.err);
    }
    // Past the tries, throttling is an error that says a fetch resumes.
    let f = fake(2, vec![Fault::Unavailable, Fault::Unavailable]);
    let a = auth(&f, &secret(dir.path(), "s3cret"));
    let r = run(&args(&["fetch", "graph", "--since", "1d", "--max-tries", "2", "--out", dir.path().join("o").to_str().unwrap()], &a), &[]);
    assert_eq!(r.code, 10, "{}", r.err);
    assert!(r.err.contains("still fails after 2 tries") && r.err.contains("resumes"), "{}", r.err);
}

#[test]
fn sign_in_failures_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let f = fake(2, vec![]);
    for (value, says) in [("expired", "the client secret has expired"), ("wrong", "the client secret is wrong")] {
        let a = auth(&f, &secret(dir.path(), value));
        let r = run(&args(&["diagnose", "--from-graph", "--user", USER], &a), &[]);
        assert_eq!(r.code, 10, "{}", r.err);
        assert!(r.err.contains(says) && r.err.contains("AADSTS"), "{}", r.err);
        assert!(!r.err.contains("Trace ID"), "only the first line of Entra's description: {}", r.err);
    }
    // No way to sign in, or two.
    let x = dir.path().join("x");
    let x = x.to_str().unwrap();
    let r = run(&args(&["fetch", "graph", "--since", "1d", "--out", x], &endpoints(&f)), &[]);
    assert_eq!(r.code, 10, "{}", r.err);
    assert!(r.err.contains("no way to sign in was given"), "{}", r.err);
    let r = run(&args(&["fetch", "graph", "--since", "1d", "--out", x, "--device-code", "--azure-cli"], &endpoints(&f)), &[]);
    assert!(r.err.contains("more than one way"), "{}", r.err);
    // Tokens never travel in clear text off this machine.
    let r = run(&["fetch", "graph", "--since", "1d", "--out", x, "--azure-cli", "--graph-url", "http://graph.example.com"], &[]);
    assert_eq!(r.code, 10, "{}", r.err);
    assert!(r.err.contains("is not HTTPS"), "{}", r.err);
    assert!(!dir.path().join("x").exists());
    // A tenant that is no tenant id or domain never reaches a URL.
    let r =
        run(&args(&["fetch", "graph", "--since", "1d", "--out", x, "--device-code"], &[&endpoints(&f)[..6], &["--tenant".into(), "../common".into(), "--client-id".into(), "c".into()]].concat()), &[]);
    assert_eq!(r.code, 10, "{}", r.err);
    assert!(r.err.contains("is not a tenant id or domain name"), "{}", r.err);
    assert!(!dir.path().join("x").exists(), "nothing is written before the sign-in is known to be possible");
    // A person who declines in the browser, or lets the code expire.
    for (outcome, says) in [("authorization_declined", "declined in the browser"), ("expired_token", "sign in within 15 minutes")] {
        f.with(|s| {
            s.polled = false;
            s.device_error = Some(outcome);
        });
        let r = run(&args(&["fetch", "graph", "--since", "1d", "--out", dir.path().join("dc").to_str().unwrap(), "--device-code"], &endpoints(&f)), &[]);
        assert_eq!(r.code, 10, "{}", r.err);
        assert!(r.err.contains(says), "{outcome}: {}", r.err);
    }
    // A certificate the app does not have, and a file without one.
    for (file, says) in [("tests/data/fetch/other-app.pem", "upload this certificate"), ("tests/data/fetch/public.pem", "holds no CERTIFICATE block")] {
        let r = run(&args(&["fetch", "graph", "--since", "1d", "--out", dir.path().join("ce").to_str().unwrap(), "--certificate", file], &endpoints(&f)), &[]);
        assert_eq!(r.code, 10, "{}", r.err);
        assert!(r.err.contains(says), "{file}: {}", r.err);
    }
    // The Azure CLI not installed.
    let empty = dir.path().join("empty-path");
    std::fs::create_dir(&empty).unwrap();
    let r = run(&args(&["fetch", "graph", "--since", "1d", "--out", dir.path().join("az").to_str().unwrap(), "--azure-cli"], &endpoints(&f)[..6]), &[("PATH", empty.to_str().unwrap())]);
    assert_eq!(r.code, 10, "{}", r.err);
    assert!(r.err.contains("the Azure CLI (az) is not installed or not on PATH"), "{}", r.err);
    assert!(!dir.path().join("az").exists(), "a refused sign-in leaves no directory behind");
    // Nothing was asked of the APIs.
    assert!(f.with(|s| s.log.is_empty()));
}

#[test]
fn device_code_certificate_and_azure_cli_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let f = fake(2, vec![]);
    let e = endpoints(&f);
    let r = run(&args(&["fetch", "graph", "--since", "1d", "--no-audit", "--device-code", "--out", dir.path().join("d").to_str().unwrap()], &e), &[]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.err.contains("open https://microsoft.com/devicelogin in a browser and enter the code FKQ2-7XBA"), "{}", r.err);
    // Quiet keeps the device code's instructions: without them no one signs in.
    f.with(|s| s.polled = false);
    let r = run(&args(&["-q", "fetch", "graph", "--since", "1d", "--no-audit", "--device-code", "--restart", "--out", dir.path().join("d").to_str().unwrap()], &e), &[]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(r.err.contains("FKQ2-7XBA"), "{}", r.err);

    let pem = root().join("tests/data/fetch/app.pem");
    let r = run(&args(&["fetch", "graph", "--since", "1d", "--no-audit", "--certificate", pem.to_str().unwrap(), "--out", dir.path().join("c").to_str().unwrap()], &e), &[]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(f.with(|s| s.token_requests.contains(&"client_assertion".to_string())));

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let az = bin.join("az");
        let expires = chrono::Utc::now().timestamp() + 3600;
        std::fs::write(
            &az,
            format!("#!/bin/sh\ncase \"$*\" in *get-access-token*) printf '%s' '{{\"accessToken\": \"az-token\", \"expires_on\": {expires}, \"tokenType\": \"Bearer\"}}';; *) exit 2;; esac\n"),
        )
        .unwrap();
        std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
        let r = run(&args(&["fetch", "graph", "--since", "1d", "--no-audit", "--azure-cli", "--out", dir.path().join("a").to_str().unwrap()], &e[..6]), &[("PATH", &path)]);
        assert_eq!(r.code, 0, "{}", r.err);
        std::fs::write(&az, "#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n").unwrap();
        let r = run(&args(&["fetch", "graph", "--since", "1d", "--azure-cli", "--out", dir.path().join("b").to_str().unwrap()], &e[..6]), &[("PATH", &path)]);
        assert_eq!(r.code, 10, "{}", r.err);
        assert!(r.err.contains("Please run 'az login'") && r.err.contains("run `az login`"), "{}", r.err);
    }
}

#[cfg(unix)]
#[test]
fn saved_fetches_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let f = fake(2, vec![]);
    let dir = tempfile::tempdir().unwrap();
    let a = auth(&f, &secret(dir.path(), "s3cret"));
    let keep = dir.path().join("kept");
    let r = run(&args(&["diagnose", "--from-graph", "--user", USER, "--save-fetch", keep.to_str().unwrap()], &a), &[]);
    assert_eq!(r.code, 3, "{}", r.err);
    assert_eq!(std::fs::metadata(&keep).unwrap().permissions().mode() & 0o777, 0o700);
    for name in ["signins.jsonl", "audit.jsonl", "audit-1.jsonl", "fetch-state.json"] {
        let mode = std::fs::metadata(keep.join(name)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name}");
    }
    // Kept files read as files, with the same outcome; run again, the
    // directory is fetched anew rather than refused.
    let again = run(&args(&["diagnose", "--from-graph", "--user", USER, "--save-fetch", keep.to_str().unwrap()], &a), &[]);
    assert_eq!(again.code, 3, "{}", again.err);
    let files = run(
        &[
            "diagnose",
            "--signin",
            keep.join("signins.jsonl").to_str().unwrap(),
            "--audit",
            keep.join("audit.jsonl").to_str().unwrap(),
            "--audit",
            keep.join("audit-1.jsonl").to_str().unwrap(),
            "--user",
            USER,
        ],
        &[],
    );
    assert_eq!(files.out, r.out);
    // Without --save-fetch nothing is left in the temporary directory.
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let r = run(&args(&["diagnose", "--from-graph", "--user", USER], &a), &[("TMPDIR", tmp.to_str().unwrap())]);
    assert_eq!(r.code, 3, "{}", r.err);
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
    // Nor when Ctrl-C stops it while it waits out throttling mid-fetch.
    f.with(|s| s.faults = vec![Fault::Pass, Fault::Throttle(60)]);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("signin-doctor"))
        .current_dir(root())
        .args(args(&["diagnose", "--from-graph", "--user", USER], &a))
        .env("TMPDIR", &tmp)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while f.with(|s| s.faults.len()) > 0 && t0.elapsed() < std::time::Duration::from_secs(30) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 1, "the fetch is under way");
    std::thread::sleep(std::time::Duration::from_millis(200));
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "fetched records removed");
}

/// The msticpy SigninLogs sample as the query API sends it: dynamic
/// columns as JSON text.
fn la_rows() -> Vec<Value> {
    let p = std::env::var_os("SIGNIN_DOCTOR_SAMPLES").map(PathBuf::from).unwrap_or_else(|| root().join("../shared/data/entra-samples")).join("microsoft+msticpy/aad_logons_SigninLogs.jsonl");
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    text.lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            for (_, x) in v.as_object_mut().unwrap().iter_mut() {
                if x.is_object() || x.is_array() {
                    *x = Value::String(x.to_string());
                }
            }
            v
        })
        .collect()
}

fn samples_file() -> PathBuf {
    std::env::var_os("SIGNIN_DOCTOR_SAMPLES").map(PathBuf::from).unwrap_or_else(|| root().join("../shared/data/entra-samples")).join("microsoft+msticpy/aad_logons_SigninLogs.jsonl")
}

#[test]
fn log_analytics_tables_come_in_slices_and_read_as_the_export() {
    let f = FakeEntra::start(Fake { la_rows: la_rows(), faults: vec![Fault::Partial], ..Fake::default() });
    let dir = tempfile::tempdir().unwrap();
    let a = auth(&f, &secret(dir.path(), "s3cret"));
    let out = dir.path().join("la");
    let r = run(&args(&["fetch", "loganalytics", "--workspace", WORKSPACE, "--table", "SigninLogs", "--since", "2020-05-19", "--until", "2020-05-22", "--out", out.to_str().unwrap()], &a), &[]);
    assert_eq!(r.code, 0, "{}", r.err);
    let log = f.with(|s| s.log.clone());
    // A day asked, cut off, asked again as half a day; then on to the end.
    assert!(log[0].contains("timespan=2020-05-19T00:00:00Z/2020-05-20T00:00:00Z"), "{log:#?}");
    assert!(log[1].contains("timespan=2020-05-19T00:00:00Z/2020-05-19T12:00:00Z"), "{log:#?}");
    assert!(log.last().unwrap().contains("/2020-05-22T00:00:00Z"), "{log:#?}");
    assert!(log[0].contains("SigninLogs | where TimeGenerated >= datetime(2020-05-19T00:00:00Z)"), "{log:#?}");
    let rows = lines(&out.join("signins.jsonl"));
    assert_eq!(rows.len(), la_rows().len());
    assert!(rows[0]["Status"].is_string(), "dynamic columns stay as the API sends them");
    // The rows triage as the portal's export of the same table does.
    let sample = samples_file();
    let t = |p: &Path| run(&["triage", "--signins", p.to_str().unwrap(), "--format", "json", "-q"], &[]);
    let (fetched, export) = (t(&out.join("signins.jsonl")), t(&sample));
    assert_eq!(export.code, fetched.code, "{}", fetched.err);
    assert!(!export.out.is_empty());
    // Log Analytics sends rows in time order; the export is in its own.
    let by_id = |out: &str| {
        let mut v: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .map(|mut r| {
                r.as_object_mut().unwrap().remove("record");
                r
            })
            .collect();
        v.sort_by_key(|r| r["id"].as_str().unwrap_or("").to_string());
        v
    };
    assert_eq!(by_id(&fetched.out), by_id(&export.out));
    assert!(!by_id(&export.out).is_empty());

    // A KQL query's rows, and a workspace that does not exist.
    let q = dir.path().join("q");
    let r = run(&args(&["fetch", "loganalytics", "--workspace", WORKSPACE, "--query", "SigninLogs | where ResultType != '0'", "--out", q.to_str().unwrap()], &a), &[]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(lines(&q.join("query.jsonl")).len(), la_rows().len());
    let r = run(&args(&["fetch", "loganalytics", "--workspace", "00000000-0000-0000-0000-000000000000", "--query", "SigninLogs", "--out", dir.path().join("n").to_str().unwrap()], &a), &[]);
    assert_eq!(r.code, 10, "{}", r.err);
    assert!(r.err.contains("no such workspace"), "{}", r.err);
}
