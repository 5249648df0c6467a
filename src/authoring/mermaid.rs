//! Pictures of the trees as Mermaid flowcharts (GitHub renders them in
//! Markdown): the same scope, boxes and edges as the DOT.

use super::graph::{edges, severity_colour, text_of, where_, wrap, Highlight, Scope};
use super::parts::Part;
use crate::rules::{Node, Rules, Severity};
use std::collections::HashMap;
use std::fmt::Write;

fn mermaid_text(s: &str) -> String {
    s.replace('"', "#quot;").replace('<', "#lt;").replace('>', "#gt;")
}

/// The tree(s) as a Mermaid flowchart (renders in GitHub Markdown).
pub fn mermaid(rules: &Rules, tree: Option<&str>, hl: &Highlight) -> String {
    mermaid_of(&Scope::tree(rules, tree), hl)
}

/// One picture of a tree drawn in parts as a Mermaid flowchart.
pub fn mermaid_part(rules: &Rules, parts: &[Part], index: usize, hl: &Highlight) -> String {
    mermaid_of(&Scope::part(rules, parts, index), hl)
}

fn mermaid_of(scope: &Scope, hl: &Highlight) -> String {
    let mut o = format!("flowchart {}\n", if scope.across { "LR" } else { "TD" });
    let boxes = scope.boxes();
    // Keys of Mermaid's own (`n0`, `n1`, ...): a node id may be any text,
    // and some words (`end`) are Mermaid's.
    let keys: HashMap<&str, String> = boxes.iter().enumerate().map(|(i, d)| (d.key.as_str(), format!("n{i}"))).collect();
    let key = |k: &str| keys.get(k).cloned().unwrap_or_default();
    let mut on_path = Vec::new();
    for d in &boxes {
        let (n, id) = (d.node, mermaid_text(d.node.id()));
        let text = match (d.beyond, n) {
            (Some(b), Node::Diagnosis(diag)) => format!("{id}<br/>{}<br/>({})", wrap(&mermaid_text(&diag.title), 32).join("<br/>"), where_(b)),
            (Some(b), _) => format!("{id}<br/>({})", where_(b)),
            (None, _) => format!("<b>{id}</b><br/>{}", wrap(&mermaid_text(&text_of(n)), 32).join("<br/>")),
        };
        let k = key(&d.key);
        let shape = match n {
            Node::Check(_) => format!("{k}(\"{text}\")"),
            Node::Switch(_) => format!("{k}{{{{\"{text}\"}}}}"),
            Node::Question(_) => format!("{k}[/\"{text}\"/]"),
            Node::Diagnosis(_) => format!("{k}[[\"{text}\"]]"),
        };
        let class = match (n, d.beyond) {
            (Node::Diagnosis(diag), Some(_)) => format!("{}_beyond", diag.severity),
            (_, Some(_)) => "outside".to_string(),
            (Node::Diagnosis(diag), None) => diag.severity.to_string(),
            (other, None) => other.kind().to_string(),
        };
        let _ = writeln!(o, "  {shape}:::{class}");
        if hl.draws(d) {
            on_path.push(k);
        }
    }
    let mut idx = 0;
    let mut bold = Vec::new();
    for n in &scope.inside {
        for e in edges(n) {
            let arrow = if e.dont_know { "-.->" } else { "-->" };
            let label = e.lines().iter().map(|l| mermaid_text(l)).collect::<Vec<_>>().join("<br/>");
            let _ = writeln!(o, "  {} {arrow}|\"{label}\"| {}", key(e.from), key(&scope.target_key(&e)));
            if hl.edge(e.from, e.to) {
                bold.push(idx.to_string());
            }
            idx += 1;
        }
    }
    o.push_str("  classDef check fill:#dbe9f6,stroke:#333\n  classDef switch fill:#e3dbf6,stroke:#333\n  classDef question fill:#fff4c2,stroke:#333\n");
    for s in [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info] {
        let _ = writeln!(o, "  classDef {s} fill:{},stroke:#333", severity_colour(s));
        let _ = writeln!(o, "  classDef {s}_beyond fill:{},stroke:#999,stroke-dasharray:4", severity_colour(s));
    }
    o.push_str("  classDef outside fill:#fff,stroke:#999,stroke-dasharray:4\n");
    if !bold.is_empty() {
        let _ = writeln!(o, "  linkStyle {} stroke:red,stroke-width:3px", bold.join(","));
        let _ = writeln!(o, "  classDef onpath stroke:red,stroke-width:3px\n  class {} onpath", on_path.join(","));
    }
    o
}
