//! Rules: model → load → validate.
//!
//! Rule files are RON, one tree per file, under `rules/`. The shipped rules
//! are compiled into the binary ([`Rules::embedded`]); [`Rules::load_dir`]
//! reads another directory. Loading checks everything before any walk and
//! reports every problem at once ([`RuleErrors`]).

mod model;
mod steps;
mod texts;
mod validate;

use crate::text::SourceFile;
pub use crate::text::{RuleError, RuleErrors};
pub use model::{Branch, Check, Choice, Cond, Diagnosis, Literal, Node, Question, Severity, Switch, SwitchCase, TreeFile, DONT_KNOW};
pub(crate) use validate::{did_you_mean, placeholders};

use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
}

/// A tree: one rule file.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Tree {
    /// Tree id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Whether walks start here.
    pub entry: bool,
    /// First node.
    pub start: Option<String>,
    /// The file it came from.
    pub file: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub node: Node,
    pub tree: usize,
    pub file: usize,
    pub pos: usize,
}

/// A checked set of rules.
///
/// ```
/// use signin_doctor::Rules;
/// let rules = Rules::embedded()?;
/// assert!(rules.diagnosis("stale-authenticator-registration").is_some());
/// # Ok::<(), signin_doctor::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Rules {
    files: Vec<SourceFile>,
    trees: Vec<Tree>,
    entries: Vec<Entry>,
    /// Node ids to entries, with a fast hasher: a walk looks up each node it passes.
    index: HashMap<String, usize, foldhash::fast::RandomState>,
    start: usize,
    regexes: HashMap<String, regex::Regex>,
    fingerprint: String,
}

impl Rules {
    /// The rules compiled into this binary (the repository's `rules/`).
    pub fn embedded() -> Result<Rules> {
        Rules::from_sources(embedded::FILES.iter().map(|(n, t)| (format!("rules/{n}"), t.to_string())).collect())
    }

    /// Load every `*.ron` file of a directory (not recursive; `README.md` and
    /// other files are ignored).
    pub fn load_dir(dir: &Path) -> Result<Rules> {
        let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, &e))?;
        let mut paths: Vec<_> = rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "ron")).collect();
        paths.sort();
        if paths.is_empty() {
            return Err(Error::new(crate::ErrorKind::NotFound, "no .ron rule files in this directory").at_path(dir));
        }
        let mut files = Vec::new();
        for p in paths {
            let text = crate::limit::read_text_file(&p)?;
            files.push((p.display().to_string(), text));
        }
        Rules::from_sources(files)
    }

    /// Load from (file name, text) pairs.
    pub fn from_sources(sources: Vec<(String, String)>) -> Result<Rules> {
        validate::load(sources).map_err(Error::rules)
    }

    pub(crate) fn assemble(files: Vec<SourceFile>, trees: Vec<Tree>, entries: Vec<Entry>, start: usize, regexes: HashMap<String, regex::Regex>) -> Rules {
        let index = entries.iter().enumerate().map(|(i, e)| (e.node.id().to_string(), i)).collect();
        let mut h = Sha256::new();
        for f in &files {
            h.update(f.name.rsplit('/').next().unwrap_or(&f.name).as_bytes());
            h.update([0]);
            h.update(f.text.as_bytes());
            h.update([0]);
        }
        let fingerprint = h.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect();
        Rules { files, trees, entries, index, start, regexes, fingerprint }
    }

    /// A short hash of the rule files' text; sessions record it to notice changed rules.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
    /// The trees.
    pub fn trees(&self) -> &[Tree] {
        &self.trees
    }
    /// A node by id.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.index.get(id).map(|&i| &self.entries[i].node)
    }
    /// All nodes, in file order.
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.entries.iter().map(|e| &e.node)
    }
    /// The first node of every walk.
    pub fn start(&self) -> &Node {
        &self.entries[self.start].node
    }
    /// A diagnosis by id.
    pub fn diagnosis(&self, id: &str) -> Option<&Diagnosis> {
        match self.node(id)? {
            Node::Diagnosis(d) => Some(d),
            _ => None,
        }
    }
    /// A question by id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        match self.node(id)? {
            Node::Question(q) => Some(q),
            _ => None,
        }
    }
    /// The tree a node belongs to.
    pub fn tree_of(&self, id: &str) -> Option<&Tree> {
        self.index.get(id).map(|&i| &self.trees[self.entries[i].tree])
    }
    /// `file:line:col` of a node.
    pub fn location(&self, id: &str) -> Option<String> {
        let e = &self.entries[*self.index.get(id)?];
        let f = &self.files[e.file];
        let (l, c) = f.line_col(f.node_id_span(e.pos)?.start);
        Some(format!("{}:{l}:{c}", f.name))
    }
    /// `file:line:col` of a node's branch (`yes`, `no`, `unknown`, `dont_know`, or a choice id).
    pub fn branch_location(&self, id: &str, branch: &str) -> Option<String> {
        let e = &self.entries[*self.index.get(id)?];
        let f = &self.files[e.file];
        let span = f.node_span(e.pos)?;
        let at = match (&e.node, branch) {
            (Node::Check(_), key) | (Node::Switch(_), key @ ("default" | "unknown")) | (Node::Question(_), key @ "dont_know") => f.find_key(span.clone(), key),
            (Node::Question(_), "dont-know") => f.find_key(span.clone(), "dont_know"),
            (Node::Question(_), choice) => f.find(span.clone(), Some("id"), Some(choice)),
            (_, label) => f.find(span.clone(), Some("label"), Some(label)),
        }
        .unwrap_or(span);
        let (l, c) = f.line_col(at.start);
        Some(format!("{}:{l}:{c}", f.name))
    }
    pub(crate) fn regex(&self, pattern: &str) -> Option<&regex::Regex> {
        self.regexes.get(pattern)
    }
}
