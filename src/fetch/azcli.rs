//! The Azure CLI's token: `az account get-access-token`, for a person
//! already signed in with `az login`.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorKind, Result};

/// How long `az` may take before it is stopped (it can wait on a network).
const LIMIT: Duration = Duration::from_secs(120);

#[derive(serde::Deserialize)]
struct AzToken {
    #[serde(rename = "accessToken")]
    access_token: String,
    /// Seconds since 1970 (Azure CLI 2.54 and later).
    expires_on: Option<i64>,
}

/// The program name: on Windows the Azure CLI is `az.cmd`.
fn program() -> &'static str {
    if cfg!(windows) {
        "az.cmd"
    } else {
        "az"
    }
}

/// A token for `scope` and how long it lasts.
pub(crate) fn token(scope: &str, tenant: Option<&str>) -> Result<(String, Duration)> {
    let mut cmd = Command::new(program());
    cmd.args(["account", "get-access-token", "--output", "json", "--scope", scope]);
    if let Some(t) = tenant {
        cmd.args(["--tenant", t]);
    }
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().map_err(|e| {
        let why = if e.kind() == std::io::ErrorKind::NotFound { "the Azure CLI (az) is not installed or not on PATH".to_string() } else { format!("cannot run the Azure CLI (az): {e}") };
        Error::new(ErrorKind::Auth, why).hint("install the Azure CLI and run `az login`, or sign in with --device-code")
    })?;
    let (mut out, mut err) = (child.stdout.take(), child.stderr.take());
    // Read both pipes on threads, so a chatty az cannot fill one and stall;
    // their answers come over channels, waited for only until the deadline
    // (a process az leaves behind may hold the pipes open).
    let (out_tx, out_rx) = std::sync::mpsc::channel();
    let (err_tx, err_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || out_tx.send(read_all(out.as_mut())));
    std::thread::spawn(move || err_tx.send(read_all(err.as_mut())));
    let start = Instant::now();
    let stopped = || Error::new(ErrorKind::Auth, format!("the Azure CLI gave no token within {} s and was stopped", LIMIT.as_secs()));
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() < LIMIT => std::thread::sleep(Duration::from_millis(50)),
            Ok(None) | Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(stopped());
            }
        }
    };
    let left = || LIMIT.saturating_sub(start.elapsed()).max(Duration::from_secs(1));
    let stdout = out_rx.recv_timeout(left()).map_err(|_| stopped())?;
    let stderr = err_rx.recv_timeout(left()).unwrap_or_default();
    if !status.success() {
        let first = stderr.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with("WARNING")).unwrap_or("").to_string();
        return Err(Error::new(ErrorKind::Auth, format!("the Azure CLI gave no token ({status}): {first}")).hint("run `az login` (with --tenant for the tenant whose logs you read), then try again"));
    }
    let t: AzToken = serde_json::from_str(&stdout).map_err(|e| Error::new(ErrorKind::Auth, format!("the Azure CLI's answer is not a token: {e}")))?;
    let life = t.expires_on.map(|at| at - chrono::Utc::now().timestamp()).filter(|s| *s > 0).map(|s| Duration::from_secs(s as u64)).unwrap_or(Duration::from_secs(300));
    Ok((t.access_token, life))
}

fn read_all(r: Option<&mut impl Read>) -> String {
    let mut s = String::new();
    if let Some(r) = r {
        let _ = r.take(1 << 20).read_to_string(&mut s);
    }
    s
}
