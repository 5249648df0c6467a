//! The web console in a real headless Chromium, driven through ChromeDriver
//! (Debian's `chromium` and `chromium-driver`; `tests/browser-deps.sh`,
//! part of README's test command, installs them): an
//! agent pastes the README example, answers to the diagnosis, goes back,
//! adds a note and reads the ticket, redacted and not.
//!
//! `SIGNIN_DOCTOR_SCREENSHOT=docs/console.png cargo test --test console`
//! also saves a screenshot of the diagnosis.

#[path = "support/browser.rs"]
mod browser;
#[path = "support/server.rs"]
mod server;

use browser::{browser, chromedriver};
use fantoccini::{Client, Locator};
use serde_json::json;
use server::Server;
use std::path::PathBuf;
use std::time::Duration;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css)).await.unwrap().text().await.unwrap()
}

/// Wait until the element's text holds `want`.
async fn wait_text(c: &Client, css: &str, want: &str) -> String {
    for _ in 0..100 {
        if let Ok(e) = c.find(Locator::Css(css)).await {
            if let Ok(t) = e.text().await {
                if t.contains(want) {
                    return t;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} never showed {want:?}; it shows {:?}", text_of(c, css).await);
}

/// Click the button whose text holds `label`.
async fn click(c: &Client, label: &str) {
    let xpath = format!("//button[contains(normalize-space(.), {})]", serde_json::to_string(label).unwrap().replace('"', "'"));
    c.find(Locator::XPath(&xpath)).await.unwrap_or_else(|e| panic!("no button {label:?}: {e}")).click().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_walks_a_call_in_the_console() {
    let server = Server::start(&[]);
    let url = server.url.clone();
    let (_driver, driver_url) = chromedriver();
    let c = browser(&driver_url, 1100, 1400).await;
    c.goto(&format!("{url}/")).await.unwrap();
    assert_eq!(c.title().await.unwrap(), "signin-doctor: sign-in troubleshooting");
    // Paste the README example (as a paste fills the box), with its audit log.
    let signins = std::fs::read_to_string(root().join("examples/stale-authenticator/signin.json")).unwrap();
    let audit = std::fs::read_to_string(root().join("examples/stale-authenticator/audit.json")).unwrap();
    c.execute("document.getElementById('signins').value = arguments[0]; document.getElementById('audit').value = arguments[1];", vec![json!(signins), json!(audit)]).await.unwrap();
    c.find(Locator::Id("case")).await.unwrap().send_keys("INC0012345").await.unwrap();
    c.find(Locator::Id("start-button")).await.unwrap().click().await.unwrap();

    let header = wait_text(&c, "#header", "alex.wilber@contoso.com").await;
    assert!(header.contains("error 500121"), "{header}");
    assert!(text_of(&c, "#summary").await.contains("The MFA step failed."));
    wait_text(&c, "#question", "Did a sign-in request appear in Microsoft Authenticator").await;
    assert_eq!(text_of(&c, "#progress").await, "Question 1 of at most 3");
    // The first choice has the focus: the keyboard alone can answer.
    let focused = c.active_element().await.unwrap().text().await.unwrap();
    assert_eq!(focused, "1. Yes, but they did not approve it in time");
    click(&c, "No, nothing arrived").await;
    wait_text(&c, "#question", "Has the user got a new phone").await;
    click(&c, "1. Yes").await;
    wait_text(&c, "#question", "Can the user still sign in with another registered method").await;
    click(&c, "Yes, another method works").await;
    wait_text(&c, "#diagnosis", "Stale Microsoft Authenticator registration").await;
    assert!(text_of(&c, "#steps-h").await.contains("verify the caller first"));
    assert!(text_of(&c, "#steps").await.starts_with("VERIFY THE CALLER FIRST"));

    // Back to the first question, another answer, another diagnosis.
    c.find(Locator::Css("button[aria-label^='Change the answer to: Did a sign-in request appear']")).await.unwrap().click().await.unwrap();
    wait_text(&c, "#question", "Did a sign-in request appear").await;
    click(&c, "Yes, but they did not approve it in time").await;
    wait_text(&c, "#diagnosis", "MFA request not approved in time").await;

    // A note, and the ticket with it; redacted on request.
    c.find(Locator::Id("note")).await.unwrap().send_keys("Caller on a new iPhone since Friday").await.unwrap();
    click(&c, "Add note").await;
    let ticket = wait_text(&c, "#ticket", "Caller on a new iPhone since Friday").await;
    assert!(ticket.starts_with("# Sign-in troubleshooting: MFA request not approved in time"), "{ticket}");
    assert!(ticket.contains("Case INC0012345") && ticket.contains("alex.wilber@contoso.com"), "{ticket}");
    c.find(Locator::Id("redact")).await.unwrap().click().await.unwrap();
    let redacted = wait_text(&c, "#ticket", "a***@contoso.com").await;
    assert!(!redacted.contains("alex.wilber@contoso.com") && !redacted.contains("203.0.113.24"), "{redacted}");
    if let Some(p) = std::env::var_os("SIGNIN_DOCTOR_SCREENSHOT") {
        std::fs::write(root().join(p), c.screenshot().await.unwrap()).unwrap();
    }
    // The call ends: the session is gone from the server.
    click(&c, "End the call").await;
    wait_text(&c, "#start-h", "Start a call").await;
    c.close().await.unwrap();
}

/// On a phone's width, with a server that needs its API token: the console
/// asks for the token, walks to the diagnosis, and nothing runs off the
/// side of the screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_fits_a_phone_and_sends_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let token = "3f6c1b2a9e8d7c6b5a4f3e2d1c0b9a88";
    std::fs::write(dir.path().join("token"), token).unwrap();
    let server = Server::start(&["--token-file", dir.path().join("token").to_str().unwrap()]);
    let url = server.url.clone();
    let (_driver, driver_url) = chromedriver();
    let c = browser(&driver_url, 400, 900).await;
    c.goto(&format!("{url}/")).await.unwrap();
    let field = c.wait().for_element(Locator::Css("#token-box:not([hidden]) #token")).await.expect("the console asks for the token");
    field.send_keys(token).await.unwrap();
    // The bundled example, one button away.
    click(&c, "Load the example").await;
    for _ in 0..50 {
        if c.execute("return document.getElementById('signins').value.length;", vec![]).await.unwrap().as_u64().unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    c.find(Locator::Id("start-button")).await.unwrap().click().await.unwrap();
    wait_text(&c, "#question", "Did a sign-in request appear").await;
    click(&c, "No, nothing arrived").await;
    wait_text(&c, "#question", "Has the user got a new phone").await;
    click(&c, "1. Yes").await;
    wait_text(&c, "#question", "Can the user still sign in with another registered method").await;
    click(&c, "Yes, another method works").await;
    wait_text(&c, "#diagnosis", "Stale Microsoft Authenticator registration").await;
    wait_text(&c, "#ticket", "# Sign-in troubleshooting").await;
    let overflow = c.execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![]).await.unwrap();
    let (page, window) = (overflow[0].as_u64().unwrap(), overflow[1].as_u64().unwrap());
    assert!(page <= window, "the page is {page} px wide in a {window} px window");
    if let Some(p) = std::env::var_os("SIGNIN_DOCTOR_SCREENSHOT_PHONE") {
        std::fs::write(root().join(p), c.screenshot().await.unwrap()).unwrap();
    }
    c.close().await.unwrap();
}
