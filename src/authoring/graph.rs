//! Pictures of the trees: DOT (Graphviz), Mermaid, and SVG (rendered in
//! process by layout-rs, so no Graphviz install is needed). Checks, switches,
//! questions and diagnoses are styled differently; edges carry their branch
//! condition; a highlighted path (from a case or a saved session) is drawn bold.

use crate::rules::{Node, Rules, Severity};
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;

/// A path to draw bold: (node, branch taken) pairs and the nodes visited.
#[derive(Debug, Clone, Default)]
pub struct Highlight {
    nodes: HashSet<String>,
    edges: HashSet<(String, String)>,
}

impl Highlight {
    /// Highlight a path of node ids (in walk order).
    pub fn path<S: AsRef<str>>(path: &[S]) -> Highlight {
        let nodes = path.iter().map(|s| s.as_ref().to_string()).collect();
        let edges = path.windows(2).map(|w| (w[0].as_ref().to_string(), w[1].as_ref().to_string())).collect();
        Highlight { nodes, edges }
    }
}

/// One edge as drawn: the branches from one node to one target, merged.
struct Edge<'a> {
    from: &'a str,
    to: &'a str,
    label: String,
    dont_know: bool,
}

fn edges<'a>(n: &'a Node) -> Vec<Edge<'a>> {
    let mut by_target: BTreeMap<&str, (Vec<String>, bool, usize)> = BTreeMap::new();
    for (i, b) in n.branches().into_iter().enumerate() {
        let Some(t) = b.target else { continue };
        let e = by_target.entry(t).or_insert((Vec::new(), false, i));
        let label = match n {
            Node::Question(_) => shorten(&b.label, 28),
            _ => b.choice.map(str::to_string).unwrap_or(b.label.clone()),
        };
        e.0.push(label);
        e.1 |= b.key == "dont_know" || b.key == "unknown";
    }
    let mut v: Vec<_> = by_target.into_iter().collect();
    v.sort_by_key(|(_, (_, _, i))| *i);
    v.into_iter().map(|(to, (labels, dk, _))| Edge { from: n.id(), to, label: labels.join(" / "), dont_know: dk && labels.len() == 1 }).collect()
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a).trim_end_matches([',', ':', ';']);
    format!("{cut}…")
}

fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for w in s.split_whitespace() {
        if !cur.is_empty() && cur.len() + 1 + w.len() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

fn text_of(n: &Node) -> String {
    match n {
        Node::Check(c) => c.label.clone(),
        Node::Switch(s) => s.label.clone(),
        Node::Question(q) => q.text.clone(),
        Node::Diagnosis(d) => d.title.clone(),
    }
}

fn severity_colour(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#f4a6a6",
        Severity::High => "#f8c99b",
        Severity::Medium => "#fbe7a1",
        Severity::Low => "#cfe8c4",
        Severity::Info => "#dde3ea",
    }
}

/// Nodes of the tree (or all), plus the outside nodes its edges reach.
fn selection<'r>(rules: &'r Rules, tree: Option<&str>) -> (Vec<&'r Node>, Vec<&'r Node>) {
    let inside: Vec<&Node> = rules.nodes().filter(|n| tree.is_none_or(|t| rules.tree_of(n.id()).is_some_and(|x| x.id == t))).collect();
    let ids: HashSet<&str> = inside.iter().map(|n| n.id()).collect();
    let mut outside: Vec<&Node> = Vec::new();
    for n in &inside {
        for e in edges(n) {
            if !ids.contains(e.to) && !outside.iter().any(|o| o.id() == e.to) {
                if let Some(o) = rules.node(e.to) {
                    outside.push(o);
                }
            }
        }
    }
    (inside, outside)
}

/// Which renderer the DOT is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DotFlavour {
    /// Graphviz: full shapes (diamond, hexagon, note).
    Graphviz,
    /// layout-rs: the shapes it draws (box, rounded record, double circle).
    Layout,
}

fn dot_escape(s: &str, flavour: DotFlavour) -> String {
    let s = s.replace('\\', "\\\\").replace('"', "\\\"");
    match flavour {
        DotFlavour::Graphviz => s,
        // layout-rs record labels treat these as structure.
        DotFlavour::Layout => s.replace(['{', '}', '|', '<', '>'], " "),
    }
}

/// The tree(s) as DOT.
pub fn dot(rules: &Rules, tree: Option<&str>, hl: &Highlight, flavour: DotFlavour) -> String {
    let (inside, outside) = selection(rules, tree);
    let mut o = String::new();
    let title = tree.and_then(|t| rules.trees().iter().find(|x| x.id == t)).map_or("signin-doctor rules".to_string(), |t| t.title.clone());
    let _ = writeln!(o, "digraph \"{}\" {{", dot_escape(&title, flavour));
    let _ = writeln!(o, "  rankdir=TB;");
    if flavour == DotFlavour::Layout {
        let _ = writeln!(o, "  node [fontsize=15]; edge [fontsize=13];");
    }
    if flavour == DotFlavour::Graphviz {
        let _ = writeln!(o, "  labelloc=t; label=\"{}\"; fontname=\"Helvetica\";", dot_escape(&title, flavour));
        let _ = writeln!(o, "  node [fontname=\"Helvetica\", fontsize=11, style=filled]; edge [fontname=\"Helvetica\", fontsize=10];");
    }
    let width = if flavour == DotFlavour::Layout { 26 } else { 32 };
    for n in inside.iter().chain(outside.iter()) {
        let is_out = outside.iter().any(|x| x.id() == n.id());
        let mut lines = vec![format!("[{}] {}", n.kind(), n.id())];
        if is_out {
            if let Node::Diagnosis(d) = n {
                lines.extend(wrap(&d.title, width));
            }
            lines.push(format!("(in tree {})", rules.tree_of(n.id()).map_or("?", |t| t.id.as_str())));
        } else {
            lines.extend(wrap(&text_of(n), width));
        }
        let label = lines.iter().map(|l| dot_escape(l, flavour)).collect::<Vec<_>>().join("\\n");
        let fill = match n {
            Node::Check(_) => "#dbe9f6",
            Node::Switch(_) => "#e3dbf6",
            Node::Question(_) => "#fff4c2",
            Node::Diagnosis(d) => severity_colour(d.severity),
        };
        let on = hl.nodes.contains(n.id());
        let (shape, extra) = match (flavour, n) {
            (DotFlavour::Graphviz, Node::Check(_)) => ("box", ", style=\"filled,rounded\""),
            (DotFlavour::Graphviz, Node::Switch(_)) => ("hexagon", ""),
            (DotFlavour::Graphviz, Node::Question(_)) => ("parallelogram", ""),
            (DotFlavour::Graphviz, Node::Diagnosis(_)) => ("note", ""),
            (DotFlavour::Layout, Node::Question(_) | Node::Switch(_)) => ("Mrecord", ""),
            (DotFlavour::Layout, _) => ("box", ""),
        };
        let fill = if is_out && !matches!(n, Node::Diagnosis(_)) { "#ffffff" } else { fill };
        let border = if on {
            "red"
        } else if is_out {
            "gray"
        } else {
            "black"
        };
        let pen = if on {
            if flavour == DotFlavour::Graphviz {
                ", penwidth=3"
            } else {
                ", width=3"
            }
        } else {
            ""
        };
        let dashed = if is_out && flavour == DotFlavour::Graphviz { ", style=\"dashed\"" } else { "" };
        let _ = writeln!(o, "  \"{}\" [shape={shape}, label=\"{label}\", fillcolor=\"{fill}\", color=\"{border}\"{extra}{pen}{dashed}];", n.id());
    }
    for n in &inside {
        for e in edges(n) {
            let on = hl.edges.contains(&(e.from.to_string(), e.to.to_string()));
            let mut attrs = format!("label=\"{}\"", dot_escape(&e.label, flavour));
            if e.dont_know {
                attrs.push_str(", style=\"dashed\"");
            }
            if on {
                attrs.push_str(", color=\"red\", penwidth=3");
            }
            let _ = writeln!(o, "  \"{}\" -> \"{}\" [{attrs}];", e.from, e.to);
        }
    }
    o.push_str("}\n");
    o
}

fn mermaid_text(s: &str) -> String {
    s.replace('"', "#quot;").replace('<', "#lt;").replace('>', "#gt;")
}

/// The tree(s) as a Mermaid flowchart (renders in GitHub Markdown).
pub fn mermaid(rules: &Rules, tree: Option<&str>, hl: &Highlight) -> String {
    let (inside, outside) = selection(rules, tree);
    let mut o = String::from("flowchart TD\n");
    let key = |id: &str| id.replace('-', "_");
    for n in inside.iter().chain(outside.iter()) {
        let is_out = outside.iter().any(|x| x.id() == n.id());
        let text = if is_out {
            format!("{}<br/>(tree {})", n.id(), rules.tree_of(n.id()).map_or("?", |t| t.id.as_str()))
        } else {
            format!("<b>{}</b><br/>{}", n.id(), wrap(&mermaid_text(&text_of(n)), 32).join("<br/>"))
        };
        let text = text.replace('"', "#quot;");
        let shape = match n {
            Node::Check(_) => format!("{}(\"{text}\")", key(n.id())),
            Node::Switch(_) => format!("{}{{{{\"{text}\"}}}}", key(n.id())),
            Node::Question(_) => format!("{}[/\"{text}\"/]", key(n.id())),
            Node::Diagnosis(_) => format!("{}[[\"{text}\"]]", key(n.id())),
        };
        let class = if is_out {
            "outside".to_string()
        } else {
            match n {
                Node::Diagnosis(d) => d.severity.to_string(),
                other => other.kind().to_string(),
            }
        };
        let _ = writeln!(o, "  {shape}:::{class}");
    }
    let mut idx = 0;
    let mut bold = Vec::new();
    for n in &inside {
        for e in edges(n) {
            let arrow = if e.dont_know { "-.->" } else { "-->" };
            let _ = writeln!(o, "  {} {arrow}|\"{}\"| {}", key(e.from), mermaid_text(&e.label), key(e.to));
            if hl.edges.contains(&(e.from.to_string(), e.to.to_string())) {
                bold.push(idx.to_string());
            }
            idx += 1;
        }
    }
    o.push_str("  classDef check fill:#dbe9f6,stroke:#333\n  classDef switch fill:#e3dbf6,stroke:#333\n  classDef question fill:#fff4c2,stroke:#333\n");
    for s in [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info] {
        let _ = writeln!(o, "  classDef {s} fill:{},stroke:#333", severity_colour(s));
    }
    o.push_str("  classDef outside fill:#fff,stroke:#999,stroke-dasharray:4\n");
    if !bold.is_empty() {
        let _ = writeln!(o, "  linkStyle {} stroke:red,stroke-width:3px", bold.join(","));
        let on: Vec<String> = inside.iter().filter(|n| hl.nodes.contains(n.id())).map(|n| key(n.id())).collect();
        let _ = writeln!(o, "  classDef onpath stroke:red,stroke-width:3px\n  class {} onpath", on.join(","));
    }
    o
}

/// The most nodes one in-process SVG picture lays out. The shipped rules
/// draw 102 in about a second; 150 nodes in a long chain took 18 s and 300
/// did not finish in two minutes (2026-11-30).
#[cfg(feature = "svg")]
pub const SVG_MAX_NODES: usize = 150;

/// The tree(s) as SVG, laid out in process (feature `svg`).
#[cfg(feature = "svg")]
pub fn svg(rules: &Rules, tree: Option<&str>, hl: &Highlight) -> Result<String, String> {
    use layout::backends::svg::SVGWriter;
    use layout::gv::{DotParser, GraphBuilder};
    let (inside, outside) = selection(rules, tree);
    let drawn = inside.len() + outside.len();
    if drawn > SVG_MAX_NODES {
        return Err(format!(
            "{drawn} nodes are too many to lay out as one SVG picture (at most {SVG_MAX_NODES}: the in-process layout grows faster than the tree and would run for minutes); draw one tree with --tree, or write --format dot and lay it out with Graphviz"
        ));
    }
    let text = dot(rules, tree, hl, DotFlavour::Layout);
    let mut parser = DotParser::new(&text);
    let g = parser.process().map_err(|e| format!("internal: the generated DOT did not parse: {e}"))?;
    let mut gb = GraphBuilder::new();
    gb.visit_graph(&g);
    let mut vg = gb.get();
    let mut w = SVGWriter::new();
    vg.do_it(false, false, false, &mut w);
    Ok(normalise_svg(&w.finalize()))
}

/// The SVG with an XML comment before its `<svg` element: who laid it out.
pub fn svg_comment(svg: &str, says: &str) -> String {
    let comment = format!("<!-- {} -->\n", says.replace("--", "- -"));
    match svg.find("<svg") {
        Some(at) => format!("{}{comment}{}", &svg[..at], &svg[at..]),
        None => format!("{comment}{svg}"),
    }
}

#[cfg(feature = "svg")]
/// layout-rs writes its font classes in hash order; sort them so the same
/// rules always give the same bytes (docs/trees is checked for staleness),
/// and use a sans-serif face, easier to read at small sizes.
fn normalise_svg(svg: &str) -> String {
    let svg = svg.replace("font-family: Times, serif", "font-family: Helvetica, Arial, sans-serif");
    let (Some(a), Some(b)) = (svg.find("<style>\n"), svg.find("</style>")) else { return svg };
    let body = &svg[a + 8..b];
    let mut lines: Vec<&str> = body.lines().collect();
    lines.sort_unstable();
    format!("{}{}\n{}", &svg[..a + 8], lines.join("\n"), &svg[b..])
}

/// Every picture of every tree, as (file name, contents): `TREE.svg`,
/// `TREE.mmd` and `TREE.dot`. This is what `signin-doctor graph --out-dir
/// docs/trees` writes, and what the staleness test compares.
#[cfg(feature = "svg")]
pub fn pictures(rules: &Rules) -> Result<Vec<(String, String)>, String> {
    let none = Highlight::default();
    let mut out = Vec::new();
    for t in rules.trees() {
        let says = "Laid out in-process by layout-rs, so that every machine makes the same file; `signin-doctor graph` for one tree uses Graphviz dot when it is installed.";
        out.push((format!("{}.svg", t.id), svg_comment(&svg(rules, Some(&t.id), &none)?, says)));
        let flow = mermaid(rules, Some(&t.id), &none);
        // A Markdown page GitHub shows as a picture (it renders `mermaid` blocks).
        out.push((
            format!("{}.md", t.id),
            format!(
                "# Tree `{}`: {}\n\nDrawn from the rules by `signin-doctor graph --out-dir docs/trees`; edit the rules, not this page.\nChecks, switches, questions and diagnoses are styled apart; each edge is labelled with its branch.\n\n```mermaid\n{}\n```\n",
                t.id,
                t.title,
                flow.trim_end()
            ),
        ));
        out.push((format!("{}.mmd", t.id), flow));
        out.push((format!("{}.dot", t.id), dot(rules, Some(&t.id), &none, DotFlavour::Graphviz)));
    }
    Ok(out)
}
