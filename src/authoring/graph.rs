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

    /// Whether the edge from `from` to `to` is on the path.
    pub(super) fn edge(&self, from: &str, to: &str) -> bool {
        self.edges.contains(&(from.to_string(), to.to_string()))
    }

    /// Whether a box is on the path: an own node when the path visits it,
    /// a copy of a node beyond the picture when the path reaches it from
    /// the node it is drawn for.
    pub(super) fn draws(&self, d: &Drawn) -> bool {
        match d.from {
            None => self.nodes.contains(d.node.id()),
            Some(f) => self.edge(f, d.node.id()),
        }
    }
}

/// One edge as drawn: the branches from one node to one target, merged,
/// each branch's label whole (wrapped, never cut).
pub(super) struct Edge<'a> {
    pub(super) from: &'a str,
    pub(super) to: &'a str,
    pub(super) labels: Vec<String>,
    pub(super) dont_know: bool,
}

/// How wide an edge label's lines are, in characters.
const EDGE_WIDTH: usize = 26;

impl Edge<'_> {
    /// The label's lines: its branches joined by " / ", wrapped.
    pub(super) fn lines(&self) -> Vec<String> {
        wrap(&self.labels.join(" / "), EDGE_WIDTH)
    }
}

pub(super) fn edges<'a>(n: &'a Node) -> Vec<Edge<'a>> {
    let mut by_target: BTreeMap<&str, (Vec<String>, bool, usize)> = BTreeMap::new();
    for (i, b) in n.branches().into_iter().enumerate() {
        let Some(t) = b.target else { continue };
        let e = by_target.entry(t).or_insert((Vec::new(), false, i));
        let label = match (n, b.key) {
            (Node::Question(_), _) => b.label.clone(),
            // A switch's default: none of its cases matched.
            (_, "default") => "anything else (default)".to_string(),
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
            Edge { from: n.id(), to, labels, dont_know: dk && single }
        })
        .collect()
}

/// A node's distinct targets, in branch order.
pub(super) fn targets(n: &Node) -> Vec<&str> {
    edges(n).into_iter().map(|e| e.to).collect()
}

pub(super) fn wrap(s: &str, width: usize) -> Vec<String> {
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

pub(super) fn text_of(n: &Node) -> String {
    match n {
        Node::Check(c) => c.label.clone(),
        Node::Switch(s) => s.label.clone(),
        Node::Question(q) => q.text.clone(),
        Node::Diagnosis(d) => d.title.clone(),
    }
}

pub(super) fn severity_colour(s: Severity) -> &'static str {
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
pub(super) enum Beyond {
    /// In another tree, with the stem of its picture when pictures of that
    /// tree are being linked.
    Tree(String, Option<String>),
    /// In another picture of the same tree (its stem).
    Part(String),
}

impl Beyond {
    /// The picture to link to, if any.
    fn stem(&self) -> Option<&str> {
        match self {
            Beyond::Tree(_, stem) => stem.as_deref(),
            Beyond::Part(stem) => Some(stem),
        }
    }
}

/// One box of a picture: its key in the DOT or Mermaid text, its node,
/// where that node lives when it is beyond the picture, and then which own
/// node this copy is drawn for.
pub(super) struct Drawn<'r, 's> {
    pub(super) key: String,
    pub(super) node: &'r Node,
    pub(super) beyond: Option<&'s Beyond>,
    pub(super) from: Option<&'r str>,
}

/// What one picture draws: its own nodes, and the nodes beyond it that its
/// edges reach.
pub(super) struct Scope<'r> {
    pub(super) title: String,
    pub(super) inside: Vec<&'r Node>,
    pub(super) outside: Vec<(&'r Node, Beyond)>,
    /// Left to right (a hub's targets stack).
    pub(super) across: bool,
    /// No edges: a grid.
    pub(super) grid: bool,
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
    pub(super) fn tree(rules: &'r Rules, tree: Option<&str>) -> Scope<'r> {
        let inside = rules.nodes().filter(|n| tree.is_none_or(|t| rules.tree_of(n.id()).is_some_and(|x| x.id == t))).collect();
        let title = tree.and_then(|t| rules.trees().iter().find(|x| x.id == t)).map_or("signin-doctor rules".to_string(), |t| t.title.clone());
        Scope::new(rules, title, inside, |id| Beyond::Tree(rules.tree_of(id).map_or("?".to_string(), |t| t.id.clone()), None))
    }

    /// One picture of a tree drawn in parts.
    pub(super) fn part(rules: &'r Rules, parts: &[Part], index: usize) -> Scope<'r> {
        let p = &parts[index];
        let inside = p.nodes.iter().filter_map(|id| rules.node(id)).collect();
        let tree = rules.trees().iter().find(|t| t.id == p.tree).map_or(p.tree.clone(), |t| t.title.clone());
        let title = if parts.len() == 1 { tree } else { format!("{tree}: part {} of {}, from {}", index + 1, parts.len(), p.root) };
        let beyond = |id: &str| match parts.iter().find(|q| q.nodes.iter().any(|n| n == id)) {
            Some(q) => Beyond::Part(q.stem.clone()),
            None => {
                let tree = rules.tree_of(id).map_or("?".to_string(), |t| t.id.clone());
                let stem = super::parts::parts(rules, &tree).into_iter().find(|q| q.nodes.iter().any(|n| n == id)).map(|q| q.stem);
                Beyond::Tree(tree, stem)
            }
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
    pub(super) fn boxes(&self) -> Vec<Drawn<'r, '_>> {
        let mut out: Vec<Drawn> = self.inside.iter().map(|n| Drawn { key: n.id().to_string(), node: n, beyond: None, from: None }).collect();
        for n in &self.inside {
            for t in targets(n) {
                if let Some((o, b)) = self.outside.iter().find(|(o, _)| o.id() == t) {
                    out.push(Drawn { key: beyond_key(t, n.id()), node: o, beyond: Some(b), from: Some(n.id()) });
                }
            }
        }
        out
    }

    /// The key of the box an edge ends at.
    pub(super) fn target_key(&self, e: &Edge) -> String {
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
        let key = |i: usize| dot_escape(scope.inside[i].id(), DotFlavour::Graphviz);
        let _ = writeln!(o, "  \"{}\" -> \"{}\" [style=invis, minlen={}];", key(w[0].0), key(w[1].0), w[0].1 + 1);
    }
}

fn node_lines(n: &Node, beyond: Option<&Beyond>, width: usize) -> Vec<String> {
    let mut lines = vec![format!("[{}] {}", n.kind(), n.id())];
    match (beyond, n) {
        (Some(b), Node::Diagnosis(d)) => {
            lines.extend(wrap(&d.title, width));
            lines.push(format!("({})", where_(b)));
        }
        (Some(b), _) => lines.push(format!("({})", where_(b))),
        (None, _) => lines.extend(wrap(&text_of(n), width)),
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
    for d in scope.boxes() {
        let Drawn { key, node: n, beyond, .. } = &d;
        let (n, beyond) = (*n, *beyond);
        let label = node_lines(n, beyond, width).iter().map(|l| dot_escape(l, flavour)).collect::<Vec<_>>().join("\\n");
        let fill = match (n, beyond) {
            (Node::Diagnosis(d), _) => severity_colour(d.severity),
            (_, Some(_)) => "#ffffff",
            (Node::Check(_), None) => "#dbe9f6",
            (Node::Switch(_), None) => "#e3dbf6",
            (Node::Question(_), None) => "#fff4c2",
        };
        let on = hl.draws(&d);
        // Boxes, not diamonds or parallelograms: those take twice the room
        // for the same text.
        let shape = match (flavour, n) {
            (DotFlavour::Graphviz, Node::Switch(_)) => "box, peripheries=2",
            (DotFlavour::Graphviz, Node::Diagnosis(_)) => "note",
            (DotFlavour::Graphviz, _) => "box",
            (DotFlavour::Layout, Node::Question(_) | Node::Switch(_)) => "Mrecord",
            (DotFlavour::Layout, _) => "box",
        };
        let border = match (on, beyond) {
            (true, _) => "red",
            (false, Some(_)) => "gray",
            (false, None) => "black",
        };
        let mut extra = String::new();
        if graphviz {
            let mut style = vec!["filled"];
            if matches!(n, Node::Check(_)) {
                style.push("rounded");
            }
            if beyond.is_some() {
                style.push("dashed");
            }
            let _ = write!(extra, ", style=\"{}\"", style.join(","));
            if let Some(stem) = beyond.and_then(Beyond::stem) {
                let stem = dot_escape(stem, flavour);
                let _ = write!(extra, ", URL=\"{stem}.svg\", tooltip=\"open {stem}\"");
            }
        }
        if on {
            extra.push_str(if graphviz { ", penwidth=3" } else { ", width=3" });
        }
        let _ = writeln!(o, "  \"{}\" [shape={shape}, label=\"{label}\", fillcolor=\"{fill}\", color=\"{border}\"{extra}];", dot_escape(key, flavour));
    }
    if graphviz && !scope.grid {
        stack(scope, &mut o);
    }
    if scope.grid && graphviz {
        // Unconnected boxes in four columns, not one endless row.
        for column in scope.inside.chunks(scope.inside.len().div_ceil(GRID_COLUMNS).max(1)) {
            for w in column.windows(2) {
                let _ = writeln!(o, "  \"{}\" -> \"{}\" [style=invis];", dot_escape(w[0].id(), flavour), dot_escape(w[1].id(), flavour));
            }
        }
    }
    dot_edges(scope, hl, flavour, &mut o);
    o.push_str("}\n");
    o
}

/// The edges of a picture as DOT. A label sits on its edge, tied to it in a
/// fan-out; in a picture laid out across, a fan-out's labels are boxes of
/// plain text the edge runs through, in a column beside their targets.
fn dot_edges(scope: &Scope, hl: &Highlight, flavour: DotFlavour, o: &mut String) {
    let graphviz = flavour == DotFlavour::Graphviz;
    for n in &scope.inside {
        let all = edges(n);
        // In a fan-out a label can sit as near a neighbour's edge as its
        // own: Graphviz then underlines it and draws a line to its edge.
        let decorate = graphviz && all.len() >= 3;
        let through = decorate && scope.across;
        for e in all {
            let on = hl.edge(e.from, e.to);
            let label = e.lines().iter().map(|l| dot_escape(l, flavour)).collect::<Vec<_>>().join("\\n");
            let mut look = String::new();
            if e.dont_know {
                look.push_str(", style=\"dashed\"");
            }
            if on {
                look.push_str(", color=\"red\", penwidth=3");
            }
            let (from, to) = (dot_escape(e.from, flavour), dot_escape(&scope.target_key(&e), flavour));
            if through {
                let mid = dot_escape(&format!("{}~label", scope.target_key(&e)), flavour);
                let _ = writeln!(o, "  \"{mid}\" [shape=plaintext, style=\"\", margin=\"0.05,0\", label=\"{label}\"];");
                let _ = writeln!(o, "  \"{from}\" -> \"{mid}\" [arrowhead=none{look}];");
                let _ = writeln!(o, "  \"{mid}\" -> \"{to}\" [{}];", look.trim_start_matches(", "));
                continue;
            }
            let tie = if decorate { ", decorate=true" } else { "" };
            let _ = writeln!(o, "  \"{from}\" -> \"{to}\" [label=\"{label}\"{tie}{look}];");
        }
    }
}

/// Where a node beyond a picture is, in words.
pub(super) fn where_(b: &Beyond) -> String {
    match b {
        Beyond::Tree(t, Some(stem)) if stem != t => format!("in tree {t}: {stem}"),
        Beyond::Tree(t, _) => format!("in tree {t}"),
        Beyond::Part(stem) => format!("continued in {stem}"),
    }
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
