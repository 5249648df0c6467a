//! The pictures of the shipped trees in docs/trees are current, and readable:
//! each SVG is opened in a real headless Chromium at 100% zoom, measured (no
//! wider than a screen, every text inside its box, no text over another, no
//! edge through a box, every edge label beside its edge) and saved as PNG in
//! `target/tmp/tree-pictures/` to look at.

#[path = "support/browser.rs"]
mod browser;

use serde_json::Value;
use std::path::{Path, PathBuf};

const FIX: &str = "regenerate them with Graphviz installed: cargo run --release -- graph --out-dir docs/trees";

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/trees")
}

#[test]
fn docs_trees_are_current() {
    let rules = signin_doctor::Rules::embedded().unwrap();
    let (files, svgs) = signin_doctor::authoring::pictures(&rules);
    for (name, text) in &files {
        let committed = std::fs::read_to_string(dir().join(name)).unwrap_or_else(|_| panic!("docs/trees/{name} is missing; {FIX}"));
        assert!(committed == *text, "docs/trees/{name} is stale; {FIX}");
    }
    for p in &svgs {
        let committed = std::fs::read_to_string(dir().join(&p.name)).unwrap_or_else(|_| panic!("docs/trees/{} is missing; {FIX}", p.name));
        assert!(p.is_current(&committed), "docs/trees/{} was laid out from another DOT than docs/trees/{} is now; {FIX}", p.name, p.name.replace(".svg", ".dot"));
    }
    let mut extra: Vec<String> =
        std::fs::read_dir(dir()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).filter(|n| !files.iter().any(|(f, _)| f == n) && !svgs.iter().any(|s| &s.name == n)).collect();
    extra.sort();
    assert!(extra.is_empty(), "docs/trees holds files that are no picture of the rules any more: {extra:?}; remove them");
}

/// Every box, text and edge of a Graphviz SVG, measured in the page.
const MEASURE: &str = r#"
const svg = document.querySelector('svg');
const rect = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
const nodes = [...svg.querySelectorAll('g.node')].map(g => ({
  id: g.querySelector('title').textContent,
  // A label drawn as plain text (a hub's) has no shape: its text is its box.
  box: rect(g.querySelector('polygon, path, ellipse') || g),
  texts: [...g.querySelectorAll('text')].map(rect),
}));
const edges = [...svg.querySelectorAll('g.edge')].filter(g => g.querySelector('path')).map(g => {
  const path = g.querySelector('path');
  const m = path.getScreenCTM();
  const len = path.getTotalLength();
  const points = [];
  for (let d = 0; d <= len; d += 3) { const p = path.getPointAtLength(d); const q = new DOMPoint(p.x, p.y).matrixTransform(m); points.push([q.x, q.y]); }
  // Graphviz's decorate draws a line from the label to its edge.
  return { id: g.querySelector('title').textContent, points, labels: [...g.querySelectorAll('text')].map(rect), decorated: !!g.querySelector('polyline') };
});
const r = svg.getBoundingClientRect();
return { width: r.width, height: r.height, nodes, edges };
"#;

fn rect(v: &Value) -> [f64; 4] {
    let a: Vec<f64> = v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    [a[0], a[1], a[2], a[3]]
}

/// Whether two rectangles overlap by more than `slack` pixels each way.
fn overlap(a: [f64; 4], b: [f64; 4], slack: f64) -> bool {
    a[0] + slack < b[2] && b[0] + slack < a[2] && a[1] + slack < b[3] && b[1] + slack < a[3]
}

fn inside(p: (f64, f64), r: [f64; 4], margin: f64) -> bool {
    p.0 > r[0] + margin && p.0 < r[2] - margin && p.1 > r[1] + margin && p.1 < r[3] - margin
}

fn distance(p: (f64, f64), r: [f64; 4]) -> f64 {
    let dx = (r[0] - p.0).max(0.0).max(p.0 - r[2]);
    let dy = (r[1] - p.1).max(0.0).max(p.1 - r[3]);
    dx.hypot(dy)
}

/// What is wrong with one picture, as read from its measurements.
fn faults(name: &str, m: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let width = m["width"].as_f64().unwrap();
    if width > 1900.0 {
        out.push(format!("{name}: {width:.0} px wide, more than a 1920 px screen"));
    }
    let nodes = m["nodes"].as_array().unwrap();
    let edges = m["edges"].as_array().unwrap();
    let boxes: Vec<(&str, [f64; 4])> = nodes.iter().map(|n| (n["id"].as_str().unwrap(), rect(&n["box"]))).collect();
    let mut texts: Vec<(String, [f64; 4])> = Vec::new();
    for n in nodes {
        let (id, b) = (n["id"].as_str().unwrap(), rect(&n["box"]));
        for t in n["texts"].as_array().unwrap().iter().map(rect) {
            if t[0] < b[0] - 1.0 || t[2] > b[2] + 1.0 || t[1] < b[1] - 1.0 || t[3] > b[3] + 1.0 {
                out.push(format!("{name}: a line of {id}'s text runs out of its box"));
            }
            texts.push((id.to_string(), t));
        }
    }
    let paths: Vec<(&str, Vec<(f64, f64)>)> =
        edges.iter().map(|e| (e["id"].as_str().unwrap(), e["points"].as_array().unwrap().iter().map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap())).collect())).collect();
    let near = |points: &[(f64, f64)], r: [f64; 4]| points.iter().map(|p| distance(*p, r)).fold(f64::INFINITY, f64::min);
    for e in edges {
        let id = e["id"].as_str().unwrap();
        let (from, to) = id.split_once("->").unwrap_or((id, id));
        let points: Vec<(f64, f64)> = e["points"].as_array().unwrap().iter().map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap())).collect();
        for (other, b) in &boxes {
            if *other != from && *other != to && points.iter().any(|p| inside(*p, *b, 2.0)) {
                out.push(format!("{name}: the edge {id} runs through the box of {other}"));
            }
        }
        let lines: Vec<[f64; 4]> = e["labels"].as_array().unwrap().iter().map(rect).collect();
        // The label as a whole (its lines together) lies beside its edge.
        if let Some(all) = lines.iter().copied().reduce(|a, b| [a[0].min(b[0]), a[1].min(b[1]), a[2].max(b[2]), a[3].max(b[3])]) {
            let own = near(&points, all);
            // Graphviz sets a label beside the middle of its edge; on a
            // long curve that can be a line's height or two away.
            if own > 45.0 {
                out.push(format!("{name}: the label of {id} is {own:.0} px from its edge"));
            }
            // Unless a line ties it to its edge, no other edge is clearly
            // nearer (by 5 px: a yes and a no beside one another are read
            // by which side of the fork they are on).
            if !e["decorated"].as_bool().unwrap_or(false) {
                if let Some((other, d)) = paths.iter().filter(|(o, _)| *o != id).map(|(o, p)| (*o, near(p, all))).find(|(_, d)| *d + 5.0 < own) {
                    out.push(format!("{name}: the label of {id} is nearer the edge {other} ({d:.0} px) than its own ({own:.0} px)"));
                }
            }
        }
        for l in lines {
            for (other, b) in &boxes {
                if overlap(l, *b, 1.0) {
                    out.push(format!("{name}: the label of {id} lies on the box of {other}"));
                }
            }
            texts.push((id.to_string(), l));
        }
    }
    for (i, (a, ra)) in texts.iter().enumerate() {
        for (b, rb) in &texts[i + 1..] {
            if a != b && overlap(*ra, *rb, 1.0) {
                out.push(format!("{name}: text of {a} lies over text of {b}"));
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tree_picture_reads_at_100_percent() {
    let rules = signin_doctor::Rules::embedded().unwrap();
    let (_, svgs) = signin_doctor::authoring::pictures(&rules);
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tree-pictures");
    std::fs::create_dir_all(&shots).unwrap();
    let (_driver, url) = browser::chromedriver();
    let c = browser::browser(&url, 1920, 1200).await;
    let mut all = Vec::new();
    for p in &svgs {
        let file = dir().join(&p.name);
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains("Laid out by Graphviz"), "docs/trees/{} was not laid out by Graphviz; {FIX}", p.name);
        c.goto(&format!("file://{}", file.display())).await.unwrap();
        let m = c.execute(MEASURE, vec![]).await.unwrap();
        assert!(m["nodes"].as_array().is_some_and(|n| !n.is_empty()), "{}: no boxes drawn", p.name);
        all.extend(faults(&p.name, &m));
        // The picture at 100%, whole, as PNG.
        let (w, h) = (m["width"].as_f64().unwrap().ceil() as u32 + 16, m["height"].as_f64().unwrap().ceil() as u32 + 16);
        c.set_window_size(w, h.min(4000)).await.unwrap();
        // The window's frame is not the page: grow it by the difference.
        let inner = c.execute("return [window.innerWidth, window.innerHeight]", vec![]).await.unwrap();
        let (iw, ih) = (inner[0].as_f64().unwrap() as u32, inner[1].as_f64().unwrap() as u32);
        c.set_window_size(w + w.saturating_sub(iw), (h + h.saturating_sub(ih)).min(4000)).await.unwrap();
        let png = c.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG") && png.len() > 20_000, "{}: a PNG of {} bytes", p.name, png.len());
        std::fs::write(shots.join(p.name.replace(".svg", ".png")), png).unwrap();
        c.set_window_size(1920, 1200).await.unwrap();
    }
    c.close().await.unwrap();
    assert!(all.is_empty(), "the pictures are hard to read:\n{}", all.join("\n"));
    eprintln!("PNG renderings of docs/trees: {}", shots.display());
}

#[test]
fn the_fault_finder_sees_a_label_on_a_box_and_an_edge_through_one() {
    let m = serde_json::json!({
        "width": 2000.0, "height": 500.0,
        "nodes": [
            {"id": "a", "box": [0.0, 0.0, 100.0, 40.0], "texts": [[10.0, 10.0, 120.0, 20.0]]},
            {"id": "b", "box": [0.0, 200.0, 100.0, 240.0], "texts": []},
            {"id": "c", "box": [0.0, 100.0, 100.0, 140.0], "texts": []}
        ],
        "edges": [
            {"id": "a->b", "points": [[50.0, 40.0], [50.0, 120.0], [50.0, 200.0]], "labels": [[10.0, 105.0, 60.0, 115.0]]},
            {"id": "c->b", "points": [[300.0, 140.0], [300.0, 200.0]], "labels": [[400.0, 150.0, 450.0, 160.0], [400.0, 162.0, 450.0, 172.0]]},
            {"id": "c->d", "points": [[460.0, 140.0], [460.0, 200.0]], "labels": [], "decorated": false}
        ]
    });
    let f = faults("x.svg", &m).join("\n");
    for want in [
        "2000 px wide",
        "a's text runs out",
        "a->b runs through the box of c",
        "label of a->b lies on the box of c",
        "label of c->b is 100 px from its edge",
        "label of c->b is nearer the edge c->d (14 px) than its own (100 px)",
    ] {
        assert!(f.contains(want), "missing {want:?} in:\n{f}");
    }
}
