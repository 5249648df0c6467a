//! The server a test talks to: `signin-doctor serve` on a free loopback
//! port (unless the test names one), with the example's organisation
//! settings; stopped when dropped. Shared by tests/serve.rs and tests/console.rs.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A running server; stopped when dropped.
pub struct Server {
    child: Child,
    pub url: String,
}

impl Server {
    /// The server's process id.
    #[allow(dead_code)] // used by the benchmark, not by every test that shares this file
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    #[allow(dead_code)] // the benchmark starts the release build instead
    pub fn start(extra: &[&str]) -> Server {
        Server::start_bin(&assert_cmd::cargo::cargo_bin("signin-doctor"), extra)
    }

    /// The server of this binary (the benchmark runs the release build).
    pub fn start_bin(bin: &std::path::Path, extra: &[&str]) -> Server {
        let listen: &[&str] = if extra.contains(&"--listen") { &[] } else { &["--listen", "127.0.0.1:0"] };
        let mut child = Command::new(bin)
            .args(["serve", "--org", "examples/org.ron"])
            .args(listen)
            .args(extra)
            .current_dir(root())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap_or_else(|| panic!("no address in {line:?}")).trim_end_matches('/').to_string();
        Server { child, url }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
