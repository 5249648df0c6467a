//! The triage HTML report in a real headless Chromium: at a desktop's
//! width, at a phone's (420 px) and printed to PDF.
//!
//! `SIGNIN_DOCTOR_SCREENSHOT_DIR=docs cargo test --test report` also saves
//! `triage-report.png`, `triage-report-phone.png` and `triage-report.pdf`
//! there (README shows them).

#[path = "support/browser.rs"]
mod browser;

use fantoccini::wd::PrintConfiguration;
use fantoccini::Client;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `triage --report` over these inputs, into `dir`.
fn report(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let o = assert_cmd::Command::cargo_bin("signin-doctor").unwrap().current_dir(root()).arg("triage").args(args).arg("--report").arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

/// What the page shows at the window's width: which chart is drawn, the
/// page's width against the window's, the x-axis labels' boxes, the y
/// axis's ticks.
async fn layout(c: &Client) -> Value {
    c.execute(
        r#"
        const svg = [...document.querySelectorAll('.chart svg')].find(s => getComputedStyle(s).display !== 'none');
        const box = svg.getBoundingClientRect();
        const labels = [...svg.querySelectorAll('text[text-anchor=middle]')].map(t => { const r = t.getBoundingClientRect(); return {text: t.textContent, left: r.left, right: r.right}; });
        const ticks = [...svg.querySelectorAll('text[text-anchor=end]')].map(t => t.textContent).filter(t => /^\d+$/.test(t));
        return {chart: svg.getAttribute('class'), page: document.documentElement.scrollWidth, window: window.innerWidth,
                left: box.left, right: box.right, labels, ticks, heading: document.querySelector('h2').textContent,
                theads: document.querySelectorAll('table thead').length, tables: document.querySelectorAll('table').length};
        "#,
        vec![],
    )
    .await
    .unwrap()
}

fn check_layout(l: &Value, chart: &str) {
    assert_eq!(l["chart"], chart, "{l}");
    assert!(l["page"].as_f64() <= l["window"].as_f64(), "nothing runs off the side: {l}");
    let labels = l["labels"].as_array().unwrap();
    assert!(labels.len() >= 2, "the time axis names dates: {l}");
    for w in labels.windows(2) {
        assert!(w[0]["right"].as_f64().unwrap() < w[1]["left"].as_f64().unwrap(), "labels apart: {w:?}");
    }
    for t in labels {
        assert!(t["left"].as_f64() >= l["left"].as_f64() && t["right"].as_f64() <= l["right"].as_f64(), "label inside the chart: {t}");
        assert!(t["text"].as_str().unwrap().starts_with("20"), "dates with the year: {t}");
    }
    let ticks: Vec<u64> = l["ticks"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().parse().unwrap()).collect();
    assert!(ticks.len() >= 3 && ticks[0] == 0 && ticks.windows(2).all(|w| w[1] > w[0]), "a y axis with ticks: {ticks:?}");
    assert!(l["heading"].as_str().unwrap().contains("(UTC)"), "{l}");
    assert_eq!(l["theads"], l["tables"], "every table's header is a thead (repeated on printed pages)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_reads_wide_on_a_phone_and_printed() {
    let dir = tempfile::tempdir().unwrap();
    let signins = dir.path().join("s.jsonl");
    let audit = dir.path().join("a.jsonl");
    let st = std::process::Command::new(env!("CARGO"))
        .args(["run", "-q", "--example", "generate", "--", "--records", "20000", "--out", signins.to_str().unwrap(), "--audit-out", audit.to_str().unwrap()])
        .current_dir(root())
        .status()
        .unwrap();
    assert!(st.success());
    let rollout = report(dir.path(), "rollout.html", &["--signins", signins.to_str().unwrap(), "--audit", audit.to_str().unwrap(), "--org", "examples/org.ron"]);
    // Panther's test events span 2023 to 2026 with months between.
    let years = report(dir.path(), "years.html", &["--signins", "../shared/data/entra-samples/panther-labs+panther-analysis/azure_signin_rule_test_events.jsonl"]);
    let html = std::fs::read_to_string(&years).unwrap();
    assert!(html.contains("Failed attempts per week, by diagnosis (UTC)"), "a long span takes weekly bars");

    let (_driver, url) = browser::chromedriver();
    let shots = std::env::var_os("SIGNIN_DOCTOR_SCREENSHOT_DIR").map(|d| root().join(d));
    for (width, chart, shot) in [(1400, "wide", "triage-report.png"), (420, "narrow", "triage-report-phone.png")] {
        let c = browser::browser(&url, width, 1000).await;
        for page in [&rollout, &years] {
            c.goto(&format!("file://{}", page.display())).await.unwrap();
            check_layout(&layout(&c).await, chart);
        }
        c.goto(&format!("file://{}", rollout.display())).await.unwrap();
        if let Some(d) = &shots {
            std::fs::write(d.join(shot), c.screenshot().await.unwrap()).unwrap();
        }
        if width == 1400 {
            let pdf = c.print(PrintConfiguration::builder().background(true).build().unwrap()).await.unwrap();
            assert!(pdf.starts_with(b"%PDF") && pdf.len() > 10_000, "a PDF of {} bytes", pdf.len());
            if let Some(d) = &shots {
                std::fs::write(d.join("triage-report.pdf"), pdf).unwrap();
            }
        }
        c.close().await.unwrap();
    }
}
