//! Large trees drawn as several linked pictures, each small enough to read
//! at 100% zoom.
//!
//! A tree is cut along its dominator tree (petgraph's `simple_fast`): a part
//! is a node and the nodes only reachable through it, so every part has one
//! way in and reads top to bottom like the whole. Cuts are made at hubs (a
//! node with more than [`HUB`] targets gets its own part, laid out left to
//! right so its targets stack instead of spreading across the page), and
//! then wherever a part still draws more than [`LIMIT`] boxes, at the node
//! that splits it most evenly. Small sections that start at the tree's
//! entries are packed together again. Nodes with no edges within the tree
//! (the diagnoses) go in one picture, laid out as a grid.

use super::graph::targets;
use crate::rules::{Node, Rules};
use petgraph::algo::dominators::{simple_fast, Dominators};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeSet, HashMap, HashSet};

/// The most boxes one picture draws before it is cut (its own nodes, plus the
/// diagnoses, other trees' nodes and other parts it leads to).
pub const LIMIT: usize = 26;

/// A node with more targets than this gets a picture of its own, laid out
/// left to right.
pub const HUB: usize = 6;

/// One picture of a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The tree it is part of.
    pub tree: String,
    /// The file name without extension: the tree id, or `TREE.NODE` when the
    /// tree is drawn in several pictures (NODE is the part's first node).
    pub stem: String,
    /// The part's first node.
    pub root: String,
    /// The tree's nodes it draws, in rules order.
    pub nodes: Vec<String>,
    /// Laid out left to right (it holds a hub).
    pub across: bool,
    /// Its nodes have no edges among them: laid out as a grid.
    pub grid: bool,
}

/// The tree's nodes as a graph with a virtual root before every way in.
struct Shape<'r> {
    nodes: Vec<&'r Node>,
    root: NodeIndex,
    /// Every target of each node (inside or not), distinct.
    targets: Vec<Vec<&'r str>>,
    isolated: Vec<bool>,
    dom: Dominators<NodeIndex>,
    /// The tree's start, when it has one.
    start: Option<usize>,
}

impl<'r> Shape<'r> {
    fn new(rules: &'r Rules, tree: &str) -> Shape<'r> {
        let nodes: Vec<&Node> = rules.nodes().filter(|n| rules.tree_of(n.id()).is_some_and(|t| t.id == tree)).collect();
        let at: HashMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (n.id(), i)).collect();
        let mut graph = DiGraph::<(), ()>::new();
        let ix: Vec<NodeIndex> = nodes.iter().map(|_| graph.add_node(())).collect();
        let root = graph.add_node(());
        let out: Vec<Vec<&str>> = nodes.iter().map(|n| targets(n)).collect();
        let mut entered = vec![false; nodes.len()];
        let mut isolated = vec![true; nodes.len()];
        for (i, ts) in out.iter().enumerate() {
            for t in ts {
                if let Some(&j) = at.get(t) {
                    graph.add_edge(ix[i], ix[j], ());
                    entered[j] = true;
                    isolated[i] = false;
                    isolated[j] = false;
                }
            }
        }
        // Ways in: the tree's start, nodes other trees lead to, and nodes
        // nothing leads to.
        let start = rules.trees().iter().find(|t| t.id == tree).and_then(|t| t.start.clone());
        let from_outside: HashSet<&str> = rules.nodes().filter(|n| !at.contains_key(n.id())).flat_map(|n| targets(n)).collect();
        for (i, n) in nodes.iter().enumerate() {
            if !entered[i] || from_outside.contains(n.id()) || start.as_deref() == Some(n.id()) {
                graph.add_edge(root, ix[i], ());
            }
        }
        // Isolated: no edges within the tree and no targets at all (a
        // diagnosis); a check that leads only to other trees is no such.
        for (i, ts) in out.iter().enumerate() {
            isolated[i] &= ts.is_empty();
        }
        let start = start.and_then(|s| at.get(s.as_str()).copied());
        // A cycle no way in reaches (validation forbids cycles; be safe).
        loop {
            let dom = simple_fast(&graph, root);
            match (0..nodes.len()).find(|&i| dom.immediate_dominator(ix[i]).is_none()) {
                Some(i) => {
                    graph.add_edge(root, ix[i], ());
                }
                None => return Shape { nodes, root, targets: out, isolated, dom, start },
            }
        }
    }

    fn children(&self, v: usize) -> Vec<usize> {
        let v = if v == self.nodes.len() { self.root } else { NodeIndex::new(v) };
        let mut c: Vec<usize> = self.dom.immediately_dominated_by(v).filter(|&c| c != v).map(NodeIndex::index).collect();
        c.sort_unstable();
        c
    }

    /// `v` and every node it dominates, within `within`.
    fn region(&self, v: usize, within: &BTreeSet<usize>) -> BTreeSet<usize> {
        let mut out = BTreeSet::new();
        let mut stack = vec![v];
        while let Some(x) = stack.pop() {
            if within.contains(&x) && out.insert(x) {
                stack.extend(self.children(x));
            }
        }
        out
    }

    /// How many boxes a picture of these nodes draws: its own, and each
    /// node beyond it once per node that leads there.
    fn drawn(&self, set: &BTreeSet<usize>) -> usize {
        let own: HashSet<&str> = set.iter().map(|&i| self.nodes[i].id()).collect();
        own.len() + set.iter().map(|&i| self.targets[i].iter().filter(|t| !own.contains(*t)).count()).sum::<usize>()
    }

    fn hub(&self, v: usize) -> bool {
        self.targets[v].len() > HUB
    }

    /// The node `v`'s immediate dominator, unless that is the virtual root.
    fn idom(&self, v: usize) -> Option<usize> {
        self.dom.immediate_dominator(NodeIndex::new(v)).filter(|d| *d != self.root).map(NodeIndex::index)
    }

    /// Pieces cut off one another are merged back while the two fit in one
    /// picture: halving a long chain again and again leaves small pieces.
    /// A hub's piece stays apart (it is laid out across).
    fn merge_back(&self, pieces: &mut Vec<(usize, BTreeSet<usize>)>) {
        let hubby = |set: &BTreeSet<usize>| set.iter().any(|&v| self.hub(v));
        'again: loop {
            for c in 0..pieces.len() {
                let Some(parent) = self.idom(pieces[c].0) else { continue };
                let Some(p) = pieces.iter().position(|(_, set)| set.contains(&parent)) else { continue };
                if p == c || hubby(&pieces[c].1) || hubby(&pieces[p].1) {
                    continue;
                }
                let union: BTreeSet<usize> = pieces[p].1.union(&pieces[c].1).copied().collect();
                if self.drawn(&union) <= LIMIT {
                    pieces[p].1 = union;
                    pieces.remove(c);
                    continue 'again;
                }
            }
            return;
        }
    }

    /// Cut `block` (rooted at `top`) until each piece draws at most LIMIT.
    fn cut(&self, top: usize, block: BTreeSet<usize>, out: &mut Vec<(usize, BTreeSet<usize>)>) {
        let mut block = block;
        // Hubs below the top first: each gets its own picture.
        let hubs: Vec<usize> = block.iter().copied().filter(|&v| v != top && self.hub(v)).collect();
        for h in hubs {
            if block.contains(&h) {
                let sub = self.region(h, &block);
                block.retain(|x| !sub.contains(x));
                self.cut(h, sub, out);
            }
        }
        while self.drawn(&block) > LIMIT {
            let total = self.drawn(&block);
            let best = block
                .iter()
                .copied()
                .filter(|&v| v != top)
                .map(|v| {
                    let sub = self.region(v, &block);
                    let rest: BTreeSet<usize> = block.difference(&sub).copied().collect();
                    (self.drawn(&sub).min(self.drawn(&rest)), std::cmp::Reverse(v), sub)
                })
                .filter(|(even, _, sub)| sub.len() >= 2 && *even < total)
                .max_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
            let Some((_, std::cmp::Reverse(v), sub)) = best else { break };
            block.retain(|x| !sub.contains(x));
            self.cut(v, sub, out);
        }
        out.push((top, block));
    }
}

/// The unconnected sections of a picture's own nodes: for each, the index of
/// its first node and how deep it draws (the longest path in it, a box
/// beyond the picture counted as one more).
pub(super) fn sections(inside: &[&Node]) -> Vec<(usize, usize)> {
    let at = |id: &str| inside.iter().position(|n| n.id() == id);
    let inner: Vec<(usize, usize)> = inside.iter().enumerate().flat_map(|(i, n)| targets(n).into_iter().filter_map(move |t| at(t).map(|j| (i, j)))).collect();
    // Union-find over the edges between own nodes.
    let mut up: Vec<usize> = (0..inside.len()).collect();
    fn find(up: &mut [usize], x: usize) -> usize {
        let mut r = x;
        while up[r] != r {
            r = up[r];
        }
        up[x] = r;
        r
    }
    for &(i, j) in &inner {
        let (a, b) = (find(&mut up, i), find(&mut up, j));
        up[a.max(b)] = a.min(b);
    }
    // The longest path to each node (the trees have no cycles; n rounds
    // settle any order).
    let mut depth = vec![0usize; inside.len()];
    for _ in 0..inside.len() {
        for &(i, j) in &inner {
            depth[j] = depth[j].max(depth[i] + 1);
        }
    }
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (i, d) in depth.iter().enumerate() {
        let r = find(&mut up, i);
        let deep = d + usize::from(!targets(inside[i]).iter().all(|t| at(t).is_some()));
        match out.iter_mut().find(|(first, _)| find(&mut up, *first) == r) {
            Some(s) => s.1 = s.1.max(deep),
            None => out.push((i, deep)),
        }
    }
    out
}

/// The pictures a tree is drawn in: one when it is small, else one per part.
pub fn parts(rules: &Rules, tree: &str) -> Vec<Part> {
    let shape = Shape::new(rules, tree);
    let n = shape.nodes.len();
    let everything: BTreeSet<usize> = (0..n).collect();
    let grid: BTreeSet<usize> = everything.iter().copied().filter(|&i| shape.isolated[i]).collect();
    let linked: BTreeSet<usize> = everything.difference(&grid).copied().collect();
    let mut pieces: Vec<(usize, BTreeSet<usize>)> = Vec::new();
    if shape.drawn(&linked) <= LIMIT {
        if let Some(&first) = linked.first() {
            pieces.push((first, linked));
        }
    } else {
        // Each way in starts a section; sections are cut, then the small
        // ones that start at ways in are packed together again.
        let mut cut = Vec::new();
        for entry in shape.children(n).into_iter().filter(|i| !shape.isolated[*i]) {
            let mut section = Vec::new();
            shape.cut(entry, shape.region(entry, &linked), &mut section);
            cut.push((entry, section));
        }
        let mut packed: Option<(usize, BTreeSet<usize>)> = None;
        for (entry, section) in cut {
            for (top, block) in section {
                let packable = top == entry && !block.iter().any(|&v| shape.hub(v));
                match packed.take() {
                    Some((ptop, mut p)) if packable && shape.drawn(&p.union(&block).copied().collect()) <= LIMIT => {
                        p.extend(block);
                        packed = Some((ptop, p));
                    }
                    Some(p) => {
                        pieces.push(p);
                        if packable {
                            packed = Some((top, block));
                        } else {
                            pieces.push((top, block));
                        }
                    }
                    None if packable => packed = Some((top, block)),
                    None => pieces.push((top, block)),
                }
            }
        }
        pieces.extend(packed);
        shape.merge_back(&mut pieces);
    }
    if let Some(&first) = grid.first() {
        pieces.push((first, grid.clone()));
    }
    // The part the tree starts in first, then in rules order.
    pieces.sort_by_key(|(top, set)| (shape.start.is_none_or(|s| !set.contains(&s)), *top));
    let one = pieces.len() == 1;
    pieces
        .into_iter()
        .map(|(top, set)| {
            let root = shape.nodes[top].id().to_string();
            Part {
                tree: tree.to_string(),
                stem: if one { tree.to_string() } else { format!("{tree}.{root}") },
                root,
                across: set.iter().any(|&v| shape.hub(v)),
                grid: set.iter().all(|&v| shape.isolated[v]),
                nodes: set.iter().map(|&i| shape.nodes[i].id().to_string()).collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Rules {
        Rules::embedded().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn every_node_of_a_tree_is_in_exactly_one_picture() {
        let rules = shipped();
        for t in rules.trees() {
            let parts = parts(&rules, &t.id);
            let mut seen: Vec<&str> = parts.iter().flat_map(|p| p.nodes.iter().map(String::as_str)).collect();
            let count = seen.len();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), count, "{}: a node is in two pictures", t.id);
            let all = rules.nodes().filter(|n| rules.tree_of(n.id()).is_some_and(|x| x.id == t.id)).count();
            assert_eq!(count, all, "{}: a node is in no picture", t.id);
        }
    }

    #[test]
    fn no_picture_draws_more_than_the_limit_unless_it_is_one_hub_or_a_grid() {
        let rules = shipped();
        for t in rules.trees() {
            for p in parts(&rules, &t.id) {
                let shape = Shape::new(&rules, &t.id);
                let set: BTreeSet<usize> = p.nodes.iter().filter_map(|id| shape.nodes.iter().position(|n| n.id() == id)).collect();
                let drawn = shape.drawn(&set);
                assert!(drawn <= LIMIT || p.across || p.grid, "{}: {drawn} boxes", p.stem);
                assert!(p.nodes.contains(&p.root), "{}", p.stem);
            }
        }
    }

    #[test]
    fn sections_are_found_with_their_depth() {
        let rules = shipped();
        let access: Vec<&Node> = rules.nodes().filter(|n| rules.tree_of(n.id()).is_some_and(|t| t.id == "access")).collect();
        let s = sections(&access);
        let firsts: Vec<&str> = s.iter().map(|(i, _)| access[*i].id()).collect();
        assert_eq!(firsts, ["registration-start", "ca-start", "password-start", "lockout-start"]);
        // ca-start → ca-security-defaults → ca-country → ca-travelling → a diagnosis.
        assert_eq!(s[1].1, 4);
    }

    #[test]
    fn the_triage_tree_is_cut_at_its_hubs_and_small_trees_stay_whole() {
        let rules = shipped();
        let triage = parts(&rules, "triage");
        let stems: Vec<&str> = triage.iter().map(|p| p.stem.as_str()).collect();
        assert!(stems.contains(&"triage.failure-kind") && stems.contains(&"triage.symptom"), "{stems:?}");
        assert!(triage.iter().filter(|p| p.root == "failure-kind" || p.root == "symptom").all(|p| p.across));
        assert!(triage.iter().any(|p| p.root == "break-glass" && !p.across));
        assert_eq!(parts(&rules, "access").iter().map(|p| p.stem.as_str()).collect::<Vec<_>>(), ["access"]);
        let diagnoses = parts(&rules, "diagnoses");
        assert!(diagnoses.len() == 1 && diagnoses[0].grid, "{diagnoses:?}");
    }
}
