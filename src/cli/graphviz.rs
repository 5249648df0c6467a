//! Graphviz `dot`, when it is installed, lays out `graph --format svg`
//! (its layout keeps edge labels on their edges and boxes sized to their
//! text); the in-process layout otherwise. The SVG says which.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

/// How long `dot` may take for one picture.
const LIMIT: Duration = Duration::from_secs(120);

/// `dot`'s version line (`dot - graphviz version 2.43.0 (0)`), when it runs.
fn version() -> Option<String> {
    let o = Command::new("dot").arg("-V").stdin(Stdio::null()).output().ok()?;
    let text = String::from_utf8_lossy(&if o.stderr.is_empty() { o.stdout } else { o.stderr }).trim().to_string();
    (o.status.success() && text.contains("graphviz")).then_some(text)
}

/// The SVG `dot -Tsvg` makes of `dot_text`, with a comment naming the
/// version; `None` when Graphviz is not installed; an error when it fails.
pub fn svg(dot_text: &str) -> Option<Result<String, String>> {
    svg_noted(dot_text, |says| says.to_string())
}

/// As [`svg`], with the comment `note` makes of "Laid out by Graphviz (VERSION).".
pub fn svg_noted(dot_text: &str, note: impl FnOnce(&str) -> String) -> Option<Result<String, String>> {
    let version = version()?;
    let says = format!("Laid out by Graphviz ({}).", version.trim_start_matches("dot - "));
    Some(run(dot_text).map(|svg| signin_doctor::authoring::svg_comment(&svg, &note(&says))))
}

fn run(dot_text: &str) -> Result<String, String> {
    let mut child = Command::new("dot").arg("-Tsvg").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().map_err(|e| format!("cannot run Graphviz dot: {e}"))?;
    let (mut stdin, mut stdout, mut stderr) = (child.stdin.take(), child.stdout.take(), child.stderr.take());
    let input = dot_text.to_string();
    // Write and read on threads, so that neither pipe can fill and stall.
    std::thread::spawn(move || {
        if let Some(s) = stdin.as_mut() {
            let _ = s.write_all(input.as_bytes());
        }
    });
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (mut out, mut err) = (String::new(), String::new());
        if let Some(o) = stdout.as_mut() {
            let _ = o.read_to_string(&mut out);
        }
        if let Some(e) = stderr.as_mut() {
            let _ = e.take(1 << 16).read_to_string(&mut err);
        }
        let _ = tx.send((out, err));
    });
    let Ok((out, err)) = rx.recv_timeout(LIMIT) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(format!("Graphviz dot gave no picture within {} s and was stopped", LIMIT.as_secs()));
    };
    let status = child.wait().map_err(|e| format!("Graphviz dot: {e}"))?;
    if !status.success() || !out.contains("<svg") {
        return Err(format!("Graphviz dot failed ({status}): {}", err.lines().next().unwrap_or("")));
    }
    Ok(out)
}
