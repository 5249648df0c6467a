//! A headless Chromium driven through ChromeDriver (Debian's `chromium`
//! and `chromium-driver`; `tests/browser-deps.sh`, part of README's test
//! command, installs them). Shared by tests/console.rs and tests/report.rs.

use fantoccini::{Client, ClientBuilder};
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// ChromeDriver, stopped when dropped.
pub struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// ChromeDriver on a free port.
pub fn chromedriver() -> (Kill, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let driver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].into_iter().find(|p| std::path::Path::new(p).exists()).unwrap_or_else(|| {
        panic!("ChromeDriver is not installed: run tests/browser-deps.sh (README's test command does)");
    });
    let child = Command::new(driver).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("chromedriver starts");
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    (Kill(child), url)
}

/// A Chromium session and its profile directory, removed with it.
pub struct Browser {
    client: Client,
    _profile: tempfile::TempDir,
}

impl std::ops::Deref for Browser {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Browser {
    /// End the session; the profile goes with it.
    pub async fn close(self) -> Result<(), fantoccini::error::CmdError> {
        self.client.close().await
    }
}

pub async fn browser(driver: &str, width: u32, height: u32) -> Browser {
    let profile_dir = tempfile::tempdir().unwrap();
    let profile = profile_dir.path().to_path_buf();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", format!("--window-size={width},{height}"), format!("--user-data-dir={}", profile.display())]
        }),
    );
    // A session is asked for up to three times: on a loaded machine a
    // ChromeDriver just started has been seen to reset the first request's
    // connection (clean-clone CI, 2026-12-01), which says nothing of the page.
    let mut last = None;
    for attempt in 0..3 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector).capabilities(caps.clone()).connect(driver).await {
            Ok(client) => return Browser { client, _profile: profile_dir },
            Err(e) => last = Some(e),
        }
    }
    panic!("a headless Chromium session: {last:?}")
}
