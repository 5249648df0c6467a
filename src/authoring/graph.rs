//! Pictures of the trees: DOT (Graphviz), Mermaid, and SVG (rendered in
//! process by layout-rs, so no Graphviz install is needed). Checks, switches,
//! questions and diagnoses are styled differently; edges carry their branch
//! condition; a highlighted path (from a case or a saved session) is drawn bold.

use super::parts::Part;
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

/// One edge as drawn: the branches from one node to one target, merged,
/// each branch's label whole (wrapped, never cut).
struct Edge<'a> {
    from: &'a str,
    to: &'a str,
    labels: Vec<String>,
    dont_know: bool,
}

/// How wide an edge label's lines are, in characters.
const EDGE_WIDTH: usize = 26;

impl Edge<'_> {
    /// The label's lines: each branch wrapped, branches one after another.
    fn lines(&self) -> Vec<String> {
        self.labels.iter().flat_map(|l| wrap(l, EDGE_WIDTH)).collect()
    }
}

fn edges<'a>(n: &'a Node) -> Vec<Edge<'a>> {
    let mut by_target: BTreeMap<&str, (Vec<String>, bool, usize)> = BTreeMap::new();
    for (i, b) in n.branches().into_iter().enumerate() {
        let Some(t) = b.target else { continue };
        let e = by_target.entry(t).or_insert((Vec::new(), false, i));
        let label = match n {
            Node::Question(_) => b.label.clone(),
            _ => b.choice.map(str::to_string).unwrap_or(b.label.clone()),
        };
        e.0.push(label);
        e.1 |= b.key == "dont_know" || b.key == "unknown";
    }
    let mut v: Vec<_> = by_target.into_iter().collect();
    v.sort_by_key(|(_, (_, _, i))| *i);
    v.into_iter()
        .map(|(to, (labels, dk, _))| {
            let single = labels.len() == 1;
            // Checks' yes / no / unknown stay on one line.
            let labels = if matches!(n, Node::Question(_)) { labels } else { vec![labels.join(" / ")] };
            Edge { from: n.id(), to, labels, dont_know: dk && single }
        })
        .collect()
}

/// A node's distinct targets, in branch order.
pub(super) fn targets(n: &Node) -> Vec<&str> {
    edges(n).into_iter().map(|e| e.to).collect()
}

fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for w in s.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + w.chars().count() > width {
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

/// The key of the box for node `to` beyond a picture, drawn for `from`.
fn beyond_key(to: &str, from: &str) -> String {
    format!("{to}~{from}")
}

/// Where a node drawn beside a picture's own nodes lives.
enum Beyond {
    /// In another tree.
    Tree(String),
    /// In another picture of the same tree (its stem).
    Part(String),
}

/// What one picture draws: its own nodes, and the nodes beyond it that its
/// edges reach.
struct Scope<'r> {
    title: String,
    inside: Vec<&'r Node>,
    outside: Vec<(&'r Node, Beyond)>,
    /// Left to right (a hub's targets stack).
    across: bool,
    /// No edges: a grid.
    grid: bool,
}

impl<'r> Scope<'r> {
    fn new(rules: &'r Rules, title: String, inside: Vec<&'r Node>, beyond: impl Fn(&str) -> Beyond) -> Scope<'r> {
        let ids: HashSet<&str> = inside.iter().map(|n| n.id()).collect();
        let mut outside: Vec<(&Node, Beyond)> = Vec::new();
        for n in &inside {
            for t in targets(n) {
                if !ids.contains(t) && !outside.iter().any(|(o, _)| o.id() == t) {
                    if let Some(o) = rules.node(t) {
                        outside.push((o, beyond(t)));
                    }
                }
            }
        }
        Scope { title, inside, outside, across: false, grid: false }
    }

    /// One tree, or every tree.
    fn tree(rules: &'r Rules, tree: Option<&str>) -> Scope<'r> {
        let inside = rules.nodes().filter(|n| tree.is_none_or(|t| rules.tree_of(n.id()).is_some_and(|x| x.id == t))).collect();
        let title = tree.and_then(|t| rules.trees().iter().find(|x| x.id == t)).map_or("signin-doctor rules".to_string(), |t| t.title.clone());
        Scope::new(rules, title, inside, |id| Beyond::Tree(rules.tree_of(id).map_or("?".to_string(), |t| t.id.clone())))
    }

    /// One picture of a tree drawn in parts.
    fn part(rules: &'r Rules, parts: &[Part], index: usize) -> Scope<'r> {
        let p = &parts[index];
        let inside = p.nodes.iter().filter_map(|id| rules.node(id)).collect();
        let tree = rules.trees().iter().find(|t| t.id == p.tree).map_or(p.tree.clone(), |t| t.title.clone());
        let title = if parts.len() == 1 { tree } else { format!("{tree}: part {} of {}, from {}", index + 1, parts.len(), p.root) };
        let beyond = |id: &str| match parts.iter().find(|q| q.nodes.iter().any(|n| n == id)) {
            Some(q) => Beyond::Part(q.stem.clone()),
            None => Beyond::Tree(rules.tree_of(id).map_or("?".to_string(), |t| t.id.clone())),
        };
        let mut scope = Scope::new(rules, title, inside, beyond);
        scope.across = p.across;
        scope.grid = p.grid;
        scope
    }

    fn beyond(&self, id: &str) -> Option<&Beyond> {
        self.outside.iter().find(|(n, _)| n.id() == id).map(|(_, b)| b)
    }

    /// The boxes to draw, with their keys: each own node once, and each node
    /// beyond the picture once per node that leads to it, so that a
    /// diagnosis many nodes reach is no knot of long edges.
    fn boxes(&self) -> Vec<(String, &'r Node, Option<&Beyond>)> {
        let mut out: Vec<(String, &Node, Option<&Beyond>)> = self.inside.iter().map(|n| (n.id().to_string(), *n, None)).collect();
        for n in &self.inside {
            for t in targets(n) {
                if let Some((o, b)) = self.outside.iter().find(|(o, _)| o.id() == t) {
                    out.push((beyond_key(t, n.id()), *o, Some(b)));
                }
            }
        }
        out
    }

    /// The key of the box an edge ends at.
    fn target_key(&self, e: &Edge) -> String {
        if self.beyond(e.to).is_some() {
            beyond_key(e.to, e.from)
        } else {
            e.to.to_string()
        }
    }
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
    dot_of(&Scope::tree(rules, tree), hl, flavour)
}

/// One picture of a tree drawn in parts (see [`parts`](super::parts)) as
/// DOT; the nodes of its other pictures are drawn as links to them.
pub fn dot_part(rules: &Rules, parts: &[Part], index: usize, hl: &Highlight, flavour: DotFlavour) -> String {
    dot_of(&Scope::part(rules, parts, index), hl, flavour)
}

/// How many columns a grid picture has.
const GRID_COLUMNS: usize = 4;

/// Unconnected sections of a picture one after the other (below, or right of
/// it when laid out across), not side by side: an invisible edge from the
/// first node of each to the next's, as long as the first is deep.
/// (Graphviz's `pack` would do it, but drops edge labels in `dot`.)
fn stack(scope: &Scope, o: &mut String) {
    let sections = super::parts::sections(&scope.inside);
    for w in sections.windows(2) {
        let _ = writeln!(o, "  \"{}\" -> \"{}\" [style=invis, minlen={}];", scope.inside[w[0].0].id(), scope.inside[w[1].0].id(), w[0].1 + 1);
    }
}

fn node_lines(n: &Node, beyond: Option<&Beyond>, width: usize) -> Vec<String> {
    let mut lines = vec![format!("[{}] {}", n.kind(), n.id())];
    match beyond {
        Some(Beyond::Tree(t)) => {
            if let Node::Diagnosis(d) = n {
                lines.extend(wrap(&d.title, width));
            }
            lines.push(format!("(in tree {t})"));
        }
        Some(Beyond::Part(stem)) => lines.push(format!("(continued in {stem})")),
        None => lines.extend(wrap(&text_of(n), width)),
    }
    lines
}

fn dot_of(scope: &Scope, hl: &Highlight, flavour: DotFlavour) -> String {
    let mut o = String::new();
    let graphviz = flavour == DotFlavour::Graphviz;
    let _ = writeln!(o, "digraph \"{}\" {{", dot_escape(&scope.title, flavour));
    let _ = writeln!(o, "  rankdir={};", if scope.across { "LR" } else { "TB" });
    if graphviz {
        let _ = writeln!(o, "  labelloc=t; label=\"{}\"; fontname=\"Helvetica\"; fontsize=16;", dot_escape(&scope.title, flavour));
        let _ = writeln!(o, "  node [fontname=\"Helvetica\", fontsize=12, style=filled, margin=\"0.15,0.08\"]; edge [fontname=\"Helvetica\", fontsize=11];");
    } else {
        let _ = writeln!(o, "  node [fontsize=15]; edge [fontsize=13];");
    }
    let width = if graphviz { 30 } else { 26 };
    for (key, n, beyond) in scope.boxes() {
        let label = node_lines(n, beyond, width).iter().map(|l| dot_escape(l, flavour)).collect::<Vec<_>>().join("\\n");
        let fill = match (n, beyond) {
            (Node::Diagnosis(d), _) => severity_colour(d.severity),
            (_, Some(_)) => "#ffffff",
            (Node::Check(_), None) => "#dbe9f6",
            (Node::Switch(_), None) => "#e3dbf6",
            (Node::Question(_), None) => "#fff4c2",
        };
        let on = hl.nodes.contains(n.id());
        // Boxes, not diamonds or parallelograms: those take twice the room
        // for the same text.
        let shape = match (flavour, n) {
            (DotFlavour::Graphviz, Node::Check(_)) => "box, style=\"filled,rounded\"",
            (DotFlavour::Graphviz, Node::Switch(_)) => "box, peripheries=2",
            (DotFlavour::Graphviz, Node::Question(_)) => "box",
            (DotFlavour::Graphviz, Node::Diagnosis(_)) => "note",
            (DotFlavour::Layout, Node::Question(_) | Node::Switch(_)) => "Mrecord",
            (DotFlavour::Layout, _) => "box",
        };
        let border = if on {
            "red"
        } else if beyond.is_some() {
            "gray"
        } else {
            "black"
        };
        let mut extra = String::new();
        if on {
            extra.push_str(if graphviz { ", penwidth=3" } else { ", width=3" });
        }
        if beyond.is_some() && graphviz {
            extra.push_str(", style=\"filled,dashed\"");
        }
        if let (Some(Beyond::Part(stem)), true) = (beyond, graphviz) {
            let _ = write!(extra, ", URL=\"{}.svg\", tooltip=\"open {}\"", dot_escape(stem, flavour), dot_escape(stem, flavour));
        }
        let _ = writeln!(o, "  \"{key}\" [shape={shape}, label=\"{label}\", fillcolor=\"{fill}\", color=\"{border}\"{extra}];");
    }
    if graphviz && !scope.grid {
        stack(scope, &mut o);
    }
    if scope.grid && graphviz {
        // Unconnected boxes in four columns, not one endless row.
        for column in scope.inside.chunks(scope.inside.len().div_ceil(GRID_COLUMNS).max(1)) {
            for w in column.windows(2) {
                let _ = writeln!(o, "  \"{}\" -> \"{}\" [style=invis];", w[0].id(), w[1].id());
            }
        }
    }
    for n in &scope.inside {
        for e in edges(n) {
            let on = hl.edges.contains(&(e.from.to_string(), e.to.to_string()));
            let label = e.lines().iter().map(|l| dot_escape(l, flavour)).collect::<Vec<_>>().join("\\n");
            let mut attrs = format!("label=\"{label}\"");
            if e.dont_know {
                attrs.push_str(", style=\"dashed\"");
            }
            if on {
                attrs.push_str(", color=\"red\", penwidth=3");
            }
            let _ = writeln!(o, "  \"{}\" -> \"{}\" [{attrs}];", e.from, scope.target_key(&e));
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
    mermaid_of(&Scope::tree(rules, tree), hl)
}

/// One picture of a tree drawn in parts as a Mermaid flowchart.
pub fn mermaid_part(rules: &Rules, parts: &[Part], index: usize, hl: &Highlight) -> String {
    mermaid_of(&Scope::part(rules, parts, index), hl)
}

fn mermaid_of(scope: &Scope, hl: &Highlight) -> String {
    let mut o = format!("flowchart {}\n", if scope.across { "LR" } else { "TD" });
    let key = |id: &str| id.replace('-', "_").replace('~', "__from__");
    for (k, n, beyond) in scope.boxes() {
        let text = match beyond {
            Some(Beyond::Tree(t)) => format!("{}<br/>(tree {t})", n.id()),
            Some(Beyond::Part(stem)) => format!("{}<br/>(continued in {stem})", n.id()),
            None => format!("<b>{}</b><br/>{}", n.id(), wrap(&mermaid_text(&text_of(n)), 32).join("<br/>")),
        };
        let text = text.replace('"', "#quot;");
        let shape = match n {
            Node::Check(_) => format!("{}(\"{text}\")", key(&k)),
            Node::Switch(_) => format!("{}{{{{\"{text}\"}}}}", key(&k)),
            Node::Question(_) => format!("{}[/\"{text}\"/]", key(&k)),
            Node::Diagnosis(_) => format!("{}[[\"{text}\"]]", key(&k)),
        };
        let class = match (n, beyond) {
            (_, Some(_)) => "outside".to_string(),
            (Node::Diagnosis(d), None) => d.severity.to_string(),
            (other, None) => other.kind().to_string(),
        };
        let _ = writeln!(o, "  {shape}:::{class}");
    }
    let mut idx = 0;
    let mut bold = Vec::new();
    for n in &scope.inside {
        for e in edges(n) {
            let arrow = if e.dont_know { "-.->" } else { "-->" };
            let label = e.lines().iter().map(|l| mermaid_text(l)).collect::<Vec<_>>().join("<br/>");
            let _ = writeln!(o, "  {} {arrow}|\"{label}\"| {}", key(e.from), key(&scope.target_key(&e)));
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
        let on: Vec<String> = scope.inside.iter().filter(|n| hl.nodes.contains(n.id())).map(|n| key(n.id())).collect();
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
    svg_of(&Scope::tree(rules, tree), hl)
}

/// One picture of a tree drawn in parts as SVG, laid out in process.
#[cfg(feature = "svg")]
pub fn svg_part(rules: &Rules, parts: &[Part], index: usize, hl: &Highlight) -> Result<String, String> {
    svg_of(&Scope::part(rules, parts, index), hl)
}

#[cfg(feature = "svg")]
fn svg_of(scope: &Scope, hl: &Highlight) -> Result<String, String> {
    use layout::backends::svg::SVGWriter;
    use layout::gv::{DotParser, GraphBuilder};
    let drawn = scope.boxes().len();
    if drawn > SVG_MAX_NODES {
        return Err(format!(
            "{drawn} nodes are too many to lay out as one SVG picture (at most {SVG_MAX_NODES}: the in-process layout grows faster than the tree and would run for minutes); draw one tree with --tree, or write --format dot and lay it out with Graphviz"
        ));
    }
    let text = dot_of(scope, hl, DotFlavour::Layout);
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
