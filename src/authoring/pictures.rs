//! docs/trees: every shipped tree drawn as pictures a person reads at 100%
//! zoom. A large tree is drawn in parts (see [`parts`](super::parts)); each
//! tree gets a Markdown page with its Mermaid charts (GitHub renders them),
//! and each picture its DOT and an SVG.
//!
//! The SVG is laid out by Graphviz when it is installed, else in process, so
//! its bytes depend on the machine. It carries the SHA-256 of the DOT it was
//! laid out from instead: the staleness test compares that, and every other
//! file byte for byte.

use super::graph::{dot_part, DotFlavour, Highlight};
use super::mermaid::mermaid_part;
use super::parts::{parts, Part};
use crate::rules::Rules;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt::Write;

/// One SVG picture to lay out.
#[derive(Debug, Clone)]
pub struct SvgPicture {
    /// Its file name, `STEM.svg`.
    pub name: String,
    /// The DOT it is laid out from (also written as `STEM.dot`).
    pub dot: String,
    parts: Vec<Part>,
    index: usize,
}

impl SvgPicture {
    /// The note every SVG of docs/trees carries, naming the DOT it was laid
    /// out from by its SHA-256; `layout` says who laid it out.
    pub fn note(&self, layout: &str) -> String {
        format!("{layout} From {stem}.dot, sha256 {}. How to draw it again: docs/trees/README.md", sha256_hex(&self.dot), stem = self.name.trim_end_matches(".svg"))
    }

    /// Whether a committed SVG was laid out from this picture's DOT.
    pub fn is_current(&self, svg: &str) -> bool {
        svg.contains(&format!("sha256 {}.", sha256_hex(&self.dot)))
    }

    /// The parts its tree is drawn in, and which of them this picture is
    /// (for [`dot_part`] and [`mermaid_part`]).
    pub fn part(&self) -> (&[Part], usize) {
        (&self.parts, self.index)
    }

    /// Laid out in process (feature `svg`).
    #[cfg(feature = "svg")]
    pub fn builtin(&self, rules: &Rules) -> Result<String, String> {
        super::graph::svg_part(rules, &self.parts, self.index, &Highlight::default())
    }
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Every picture of every tree: the text files (`TREE.md`, `STEM.dot`,
/// `STEM.mmd`, and the index `README.md`) as (file name, contents), and the
/// SVG pictures to lay out. This is what `signin-doctor graph --out-dir
/// docs/trees` writes, and what the staleness test compares.
pub fn pictures(rules: &Rules) -> (Vec<(String, String)>, Vec<SvgPicture>) {
    let none = Highlight::default();
    let all: BTreeMap<&str, Vec<Part>> = rules.trees().iter().map(|t| (t.id.as_str(), parts(rules, &t.id))).collect();
    let mut files = Vec::new();
    let mut svgs = Vec::new();
    let mut index = String::from(
        "# Pictures of the shipped trees\n\nDrawn from the rules by `cargo run --release -- graph --out-dir docs/trees`, with Graphviz installed\n(Debian: `apt install graphviz`); edit the rules, not these files. A test fails when they are stale.\nA large tree is drawn in parts, each small enough to read at 100% zoom.\n\nHow to read them: checks are rounded blue boxes, switches purple with a double border, questions\nyellow, diagnoses notes coloured by severity. Each edge is labelled with its branch; a dashed edge\nis taken only when the data cannot tell (unknown) or the caller does not know. A dashed box is\na node drawn in another picture (another part, or another tree): it links to it.\n\n",
    );
    for t in rules.trees() {
        let tree_parts = &all[t.id.as_str()];
        let mut page = format!("# Tree `{}`: {}\n\n", t.id, t.title);
        if let Some(d) = &t.description {
            let _ = writeln!(page, "{}\n", d.trim());
        }
        page.push_str("Drawn from the rules (how, and how to read it: [README](README.md)); edit the rules, not this page.\nA dashed edge is taken only when the data cannot tell or the caller does not know; a dashed box\nis a node drawn in another picture.\n\n");
        let _ = writeln!(index, "- [{}]({}.md): {}", t.id, t.id, t.title);
        for (i, p) in tree_parts.iter().enumerate() {
            let flow = mermaid_part(rules, tree_parts, i, &none);
            let dot = dot_part(rules, tree_parts, i, &none, DotFlavour::Graphviz);
            if tree_parts.len() > 1 {
                let _ = writeln!(page, "## {}\n", heading(tree_parts, i));
                let _ = writeln!(index, "  - [{}]({}.md#{}) ([SVG]({}.svg))", p.root, t.id, anchor(&heading(tree_parts, i)), p.stem);
            }
            // A grid's nodes are reached from everywhere: no list.
            let from = if p.grid { Vec::new() } else { reached_from(rules, &all, p) };
            if !from.is_empty() {
                let _ = writeln!(page, "Reached from: {}.\n", from.join(", "));
            }
            let _ = writeln!(page, "As SVG: [{}.svg]({}.svg).\n\n```mermaid\n{}\n```\n", p.stem, p.stem, flow.trim_end());
            files.push((format!("{}.mmd", p.stem), flow));
            svgs.push(SvgPicture { name: format!("{}.svg", p.stem), dot: dot.clone(), parts: tree_parts.clone(), index: i });
            files.push((format!("{}.dot", p.stem), dot));
        }
        files.push((format!("{}.md", t.id), format!("{}\n", page.trim_end())));
    }
    files.push(("README.md".to_string(), index));
    (files, svgs)
}

fn heading(parts: &[Part], i: usize) -> String {
    format!("Part {} of {}: from `{}`", i + 1, parts.len(), parts[i].root)
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces
/// as hyphens.
fn anchor(heading: &str) -> String {
    heading.to_lowercase().chars().filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_').map(|c| if c == ' ' { '-' } else { c }).collect()
}

/// Links to the nodes outside a picture that lead into it.
fn reached_from(rules: &Rules, all: &BTreeMap<&str, Vec<Part>>, p: &Part) -> Vec<String> {
    let mut out = Vec::new();
    for n in rules.nodes().filter(|n| !p.nodes.iter().any(|x| x == n.id())) {
        if !n.branches().iter().any(|b| b.target.is_some_and(|t| p.nodes.iter().any(|x| x == t))) {
            continue;
        }
        let Some(tree) = rules.tree_of(n.id()) else { continue };
        let Some(tree_parts) = all.get(tree.id.as_str()) else { continue };
        let link = match tree_parts.iter().position(|q| q.nodes.iter().any(|x| x == n.id())) {
            Some(i) if tree_parts.len() > 1 => format!("{}.md#{}", tree.id, anchor(&heading(tree_parts, i))),
            _ => format!("{}.md", tree.id),
        };
        out.push(format!("[`{}`]({link})", n.id()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_are_githubs() {
        assert_eq!(anchor("Part 2 of 4: from `failure-kind`"), "part-2-of-4-from-failure-kind");
    }

    #[test]
    fn an_svg_is_current_only_for_the_dot_it_was_laid_out_from() -> Result<(), crate::Error> {
        let rules = Rules::embedded()?;
        let (files, svgs) = pictures(&rules);
        let Some(first) = svgs.first() else { panic!("no pictures") };
        let note = first.note("Laid out by a test.");
        assert!(first.is_current(&format!("<!-- {note} -->")));
        assert!(!svgs.iter().skip(1).any(|s| s.is_current(&note)));
        assert!(files.iter().any(|(n, _)| n == "README.md") && files.iter().any(|(n, _)| n == "triage.md"));
        Ok(())
    }
}
