//! Load-time checks. Everything is checked before any walk, and every
//! problem is reported at once.

use super::model::{Cond, Literal, Node, TreeFile, DONT_KNOW};
use super::{Entry, Rules, Tree};
use crate::facts::{spec, FactType, CATALOG};
use crate::text::{ron_error, ron_options, RuleErrors, SourceFile};
// Kosaraju, not Tarjan: petgraph's Tarjan recurses once per node and
// overflowed the stack on a 100k-node tree; Kosaraju keeps its own stack.
use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::Dfs;
use std::collections::HashMap;
use std::ops::Range;

/// The closest name to `name` among `names`, if close enough to be a likely typo.
pub(crate) fn did_you_mean<'a>(name: &str, names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    names.map(|n| (strsim::damerau_levenshtein(name, n), n)).filter(|(d, n)| *d <= 3.max(name.len() / 4) && *d < n.len()).min_by_key(|(d, _)| *d).map(|(_, n)| n)
}

fn lit_type(l: &Literal) -> FactType {
    match l {
        Literal::Bool(_) => FactType::Bool,
        Literal::Number(_) => FactType::Number,
        Literal::Text(_) => FactType::Text,
    }
}

pub(super) struct Ctx<'a> {
    errs: &'a mut RuleErrors,
    file: usize,
    span: Range<usize>,
    node: &'a str,
    regexes: &'a mut HashMap<String, regex::Regex>,
}

impl Ctx<'_> {
    pub(super) fn at_string(&self, value: &str) -> Range<usize> {
        let f = &self.errs.files()[self.file];
        f.find(self.span.clone(), None, Some(value))
            .or_else(|| {
                // A `{name}` placeholder inside a text: at the name itself.
                let text = f.text.get(self.span.clone())?;
                let i = text.find(&format!("{{{value}}}"))?;
                let start = self.span.start + i + 1;
                Some(start..start + value.len())
            })
            .unwrap_or_else(|| self.span.start..self.span.start + 1)
    }
    pub(super) fn err(&mut self, code: &'static str, at: Range<usize>, msg: String, hint: Option<String>) {
        let node = self.node.to_string();
        self.errs.push(code, self.file, at, Some(&node), msg, hint);
    }

    /// Check that `name` is a fact; returns its type.
    pub(super) fn fact(&mut self, name: &str) -> Option<FactType> {
        match spec(name) {
            Some(s) => Some(s.ty),
            None => {
                let at = self.at_string(name);
                let hint = match did_you_mean(name, CATALOG.iter().map(|s| s.name)) {
                    Some(m) => format!("did you mean `{m}`? (`signin-doctor facts` lists them all)"),
                    None => "`signin-doctor facts` lists the facts rules can use".into(),
                };
                self.err("unknown-fact", at, format!("unknown fact `{name}`"), Some(hint));
                None
            }
        }
    }

    fn mismatch(&mut self, name: &str, ty: FactType, what: &str, hint: &str) {
        let at = self.at_string(name);
        self.err("type-mismatch", at, format!("`{name}` is a {ty} fact, but {what}"), Some(hint.to_string()));
    }

    fn cond(&mut self, c: &Cond) {
        match c {
            Cond::Eq(f, l) | Cond::Ne(f, l) => {
                if let Some(ty) = self.fact(f) {
                    if ty == FactType::List {
                        self.mismatch(f, ty, "it is compared with a single value", "use Contains(fact, \"value\") to test a list for an element");
                    } else if lit_type(l) != ty {
                        self.mismatch(f, ty, &format!("it is compared with {} {l}", article(lit_type(l))), &format!("compare it with a {ty} value"));
                    }
                }
            }
            Cond::In(f, ls) => {
                if let Some(ty) = self.fact(f) {
                    let want = if ty == FactType::List { FactType::Text } else { ty };
                    if ty == FactType::Bool {
                        self.mismatch(f, ty, "In needs a text, number or list fact", "use Eq(fact, true)");
                    } else if let Some(bad) = ls.iter().find(|l| lit_type(l) != want) {
                        self.mismatch(f, ty, &format!("the list holds {} {bad}", article(lit_type(bad))), &format!("list {want} values only"));
                    }
                }
            }
            Cond::Lt(f, _) | Cond::Le(f, _) | Cond::Gt(f, _) | Cond::Ge(f, _) => {
                if let Some(ty) = self.fact(f) {
                    if !matches!(ty, FactType::Number | FactType::List) {
                        self.mismatch(f, ty, "it is compared as a number", "Lt/Le/Gt/Ge need a number fact (or a list, to compare its length); use Eq or Contains for text");
                    }
                }
            }
            Cond::Contains(f, _) => {
                if let Some(ty) = self.fact(f) {
                    if !matches!(ty, FactType::Text | FactType::List) {
                        self.mismatch(f, ty, "Contains needs a text or list fact", "use Eq for numbers and booleans");
                    }
                }
            }
            Cond::Matches(f, pat) => {
                if let Some(ty) = self.fact(f) {
                    if ty != FactType::Text {
                        self.mismatch(f, ty, "Matches needs a text fact", "use Eq, In or Contains");
                    }
                }
                // Compiled once per distinct pattern, each within a size limit
                // (a rule file's regexes are the author's, but thousands of
                // them with the default limits took 829 MB).
                let compiled =
                    if self.regexes.contains_key(pat) { None } else { Some(regex::RegexBuilder::new(pat).case_insensitive(true).size_limit(REGEX_SIZE_LIMIT).dfa_size_limit(REGEX_DFA_LIMIT).build()) };
                match compiled {
                    None => {}
                    Some(Ok(r)) => {
                        self.regexes.insert(pat.clone(), r);
                    }
                    Some(Err(e)) => {
                        let at = self.at_string(pat);
                        let (msg, hint) = match &e {
                            regex::Error::CompiledTooBig(limit) => (
                                format!("the regular expression is too large: it compiles to more than {} KiB", limit / 1024),
                                "make it simpler: fewer or smaller repetitions ({1,10} of a group multiplies its size), or ASCII classes such as (?-u:\\w) instead of Unicode ones",
                            ),
                            _ => (format!("invalid regular expression: {}", e.to_string().lines().last().unwrap_or("invalid").trim()), "see https://docs.rs/regex for the syntax"),
                        };
                        self.err("bad-regex", at, msg, Some(hint.into()));
                    }
                }
            }
            Cond::Known(f) | Cond::Unknown(f) => {
                self.fact(f);
            }
            Cond::All(v) | Cond::Any(v) => {
                if v.is_empty() {
                    let at = self.span.start..self.span.start + 1;
                    self.err("empty-condition", at, "All([]) / Any([]) with no conditions".into(), Some("list at least one condition".into()));
                }
                v.iter().for_each(|c| self.cond(c));
            }
            Cond::Not(c) => self.cond(c),
        }
    }
}

fn article(t: FactType) -> &'static str {
    match t {
        FactType::Bool => "a bool",
        FactType::Number => "a number",
        FactType::Text => "a text",
        FactType::List => "a list",
    }
}

/// Fact names in `{...}` placeholders of a question text.
pub(crate) fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{').skip(1).filter_map(|s| s.split_once('}').map(|(name, _)| name.trim()))
}

pub(super) fn load(sources: Vec<(String, String)>) -> Result<Rules, RuleErrors> {
    let files: Vec<SourceFile> = sources.into_iter().map(|(n, t)| SourceFile::new(n, t)).collect();
    let mut errs = RuleErrors::new(files.clone());
    let mut parsed: Vec<(usize, TreeFile)> = Vec::new();
    let opts = ron_options();
    for (i, f) in files.iter().enumerate() {
        match opts.from_str::<TreeFile>(&f.text) {
            Ok(t) => parsed.push((i, t)),
            Err(e) => {
                let (l, c, msg) = ron_error(&e);
                let off = f.offset(l, c);
                let hint = if msg.contains("Unexpected missing field") || msg.contains("missing field") {
                    Some("every node needs its required fields; see rules/README.md".to_string())
                } else if msg.contains("Unexpected field") || msg.contains("unknown field") {
                    Some("check the field name against rules/README.md".to_string())
                } else {
                    None
                };
                errs.push("syntax", i, off..(off + 1).min(f.text.len().max(off + 1)), None, format!("RON syntax: {msg}"), hint);
            }
        }
    }
    let syntax_ok = errs.is_empty();

    // Trees and nodes, with duplicate ids.
    let mut trees = Vec::new();
    let mut entries: Vec<Entry> = Vec::new();
    let mut seen: HashMap<String, (usize, usize)> = HashMap::new();
    let mut tree_ids: HashMap<String, usize> = HashMap::new();
    for (file, t) in &parsed {
        if let Some(prev) = tree_ids.insert(t.id.clone(), *file) {
            let at = files[*file].top_level("id").unwrap_or(0..1);
            errs.push("duplicate-id", *file, at, None, format!("tree id `{}` is also used by {}", t.id, files[prev].name), Some("give each tree its own id".into()));
        }
        let tree = trees.len();
        trees.push(Tree { id: t.id.clone(), title: t.title.clone(), description: t.description.clone(), entry: t.entry, start: t.start.clone(), file: files[*file].name.clone() });
        for (pos, n) in t.nodes.iter().enumerate() {
            let at = files[*file].node_id_span(pos).unwrap_or(0..1);
            if let Some(&(pf, pp)) = seen.get(n.id()) {
                let (l, _) = files[pf].line_col(files[pf].node_id_span(pp).unwrap_or(0..1).start);
                errs.push(
                    "duplicate-id",
                    *file,
                    at,
                    Some(n.id()),
                    format!("node id `{}` is already used at {}:{l}", n.id(), files[pf].name),
                    Some("node ids are global across all rule files; rename one".into()),
                );
                continue;
            }
            seen.insert(n.id().to_string(), (*file, pos));
            entries.push(Entry { node: n.clone(), tree, file: *file, pos });
        }
    }
    let (paths, verify) = super::steps::collect(&parsed, &files, &mut errs);
    super::steps::check(&entries, &files, &paths, &verify, &mut errs);
    let index: HashMap<&str, usize> = entries.iter().enumerate().map(|(i, e)| (e.node.id(), i)).collect();
    let regexes = node_checks(&entries, &files, &index, syntax_ok, &mut errs);

    let start = if syntax_ok { entry_start(&trees, &parsed, &files, &entries, &index, &mut errs) } else { None };
    // Other trees' `start` is optional but must exist.
    for (i, t) in trees.iter().enumerate() {
        if let (false, Some(s)) = (t.entry, t.start.as_deref()) {
            if !index.contains_key(s) && syntax_ok {
                let fi = parsed[i].0;
                errs.push("missing-node", fi, files[fi].top_level("start").unwrap_or(0..1), None, format!("the start node `{s}` is no node"), None);
            }
        }
    }

    if syntax_ok {
        graph_checks(&entries, &files, &index, start, &mut errs);
    }

    if !errs.is_empty() {
        errs.sort();
        errs.set_files(files);
        return Err(errs);
    }
    let start = start.unwrap_or(0);

    super::steps::prepare(&mut entries, &paths, &verify);
    Ok(Rules::assemble(files, trees, entries, start, regexes))
}

/// The most memory one rule regex may compile to, and its lazy DFA's cache.
const REGEX_SIZE_LIMIT: usize = 1 << 20;
const REGEX_DFA_LIMIT: usize = 256 << 10;

/// Graph checks: cycles, and nodes no path from the start reaches.
fn graph_checks(entries: &[Entry], files: &[SourceFile], index: &HashMap<&str, usize>, start: Option<usize>, errs: &mut RuleErrors) {
    let mut g: DiGraph<usize, ()> = DiGraph::new();
    let nodes: Vec<NodeIndex> = (0..entries.len()).map(|i| g.add_node(i)).collect();
    for (i, e) in entries.iter().enumerate() {
        for b in e.node.branches() {
            if let Some(&j) = b.target.and_then(|t| index.get(t)) {
                g.update_edge(nodes[i], nodes[j], ());
            }
        }
    }
    for scc in kosaraju_scc(&g) {
        let cyclic = scc.len() > 1 || g.contains_edge(scc[0], scc[0]);
        if !cyclic {
            continue;
        }
        let mut members: Vec<usize> = scc.iter().map(|n| g[*n]).collect();
        members.sort();
        let first = &entries[members[0]];
        let names: Vec<&str> = members.iter().map(|&m| entries[m].node.id()).collect();
        let at = files[first.file].node_id_span(first.pos).unwrap_or(0..1);
        errs.push(
            "cycle",
            first.file,
            at,
            Some(first.node.id()),
            format!("these nodes lead back to each other: {}", names.join(" → ")),
            Some("a walk must always move on towards a diagnosis; point one branch elsewhere".into()),
        );
    }
    if let Some(s) = start {
        let mut dfs = Dfs::new(&g, nodes[s]);
        let mut reached = vec![false; entries.len()];
        while let Some(n) = dfs.next(&g) {
            reached[g[n]] = true;
        }
        for (i, e) in entries.iter().enumerate() {
            if !reached[i] {
                let at = files[e.file].node_id_span(e.pos).unwrap_or(0..1);
                errs.push(
                    "unreachable",
                    e.file,
                    at,
                    Some(e.node.id()),
                    format!("no path from the start (`{}`) reaches this {}", entries[s].node.id(), e.node.kind()),
                    Some("lead a branch to it, or delete it".into()),
                );
            }
        }
    }
}

/// The entry tree (exactly one) and the node its walks start at.
fn entry_start(trees: &[Tree], parsed: &[(usize, TreeFile)], files: &[SourceFile], entries: &[Entry], index: &HashMap<&str, usize>, errs: &mut RuleErrors) -> Option<usize> {
    let entry_trees: Vec<usize> = trees.iter().enumerate().filter(|(_, t)| t.entry).map(|(i, _)| i).collect();
    let mut start = None;
    {
        match entry_trees.as_slice() {
            [] => {
                if !files.is_empty() {
                    errs.push("no-entry", 0, 0..1, None, "no tree is marked `entry: true`".into(), Some("mark the tree where walks begin with `entry: true` and give it a `start`".into()));
                }
            }
            [t] => {
                let fi = parsed[*t].0;
                match trees[*t].start.as_deref() {
                    None => errs.push("no-entry", fi, files[fi].top_level("entry").unwrap_or(0..1), None, "the entry tree has no `start` node".into(), Some("add `start: \"<node id>\"`".into())),
                    Some(s) => match index.get(s) {
                        Some(&i) => start = Some(i),
                        None => {
                            let hint = did_you_mean(s, entries.iter().map(|e| e.node.id())).map(|m| format!("did you mean `{m}`?"));
                            errs.push("missing-node", fi, files[fi].top_level("start").unwrap_or(0..1), None, format!("the start node `{s}` is no node"), hint);
                        }
                    },
                }
            }
            many => {
                for t in &many[1..] {
                    let fi = parsed[*t].0;
                    errs.push(
                        "no-entry",
                        fi,
                        files[fi].top_level("entry").unwrap_or(0..1),
                        None,
                        format!("more than one tree is marked `entry: true` (also `{}`)", trees[many[0]].id),
                        Some("only one tree is where walks begin".into()),
                    );
                }
            }
        }
    }
    start
}

/// Per-node checks: each node's conditions, questions, diagnoses and
/// branches, against the fact catalog and the other nodes. Returns the
/// compiled regular expressions of `Matches` conditions.
///
/// Longer than 100 lines on purpose: one `match` over the node kinds, each
/// arm a short list of checks, reads best in one place.
fn node_checks(entries: &[Entry], files: &[SourceFile], index: &HashMap<&str, usize>, syntax_ok: bool, errs: &mut RuleErrors) -> HashMap<String, regex::Regex> {
    let ids = || entries.iter().map(|e| e.node.id());
    let mut regexes = HashMap::new();
    for e in entries {
        let span = files[e.file].node_span(e.pos).unwrap_or(0..1);
        let id_at = files[e.file].node_id_span(e.pos).unwrap_or(0..1);
        let mut ctx = Ctx { errs: &mut *errs, file: e.file, span: span.clone(), node: e.node.id(), regexes: &mut regexes };
        match &e.node {
            Node::Check(c) => {
                ctx.cond(&c.when);
                if c.unknown.is_some() && !c.when.can_be_unknown() {
                    let at = files[e.file].find_key(span.clone(), "unknown").unwrap_or(id_at.clone());
                    ctx.err(
                        "dead-branch",
                        at,
                        "this `unknown` branch can never be taken: the condition is never unknown".into(),
                        Some("Known(...) and Unknown(...) are always yes or no; remove the `unknown` branch".into()),
                    );
                }
                if c.label.trim().is_empty() {
                    ctx.err("empty-text", id_at.clone(), "the check has an empty label".into(), Some("write the check as a question an agent can read aloud".into()));
                }
            }
            Node::Switch(sw) => {
                if let Some(ty) = ctx.fact(&sw.fact) {
                    let want = if ty == FactType::List { FactType::Text } else { ty };
                    for case in &sw.cases {
                        if let Some(bad) = case.values.iter().find(|l| lit_type(l) != want) {
                            let f = sw.fact.clone();
                            ctx.mismatch(&f, ty, &format!("case \"{}\" lists {} {bad}", case.label, article(lit_type(bad))), &format!("list {want} values only"));
                        }
                    }
                }
                if sw.cases.is_empty() {
                    ctx.err("no-choices", id_at.clone(), "the switch has no cases".into(), Some("add cases: [(values: [...], label: \"...\", next: \"...\"), ...]".into()));
                }
                let mut labels: Vec<&str> = Vec::new();
                let mut values: Vec<String> = Vec::new();
                for case in &sw.cases {
                    let at = files[e.file].find(span.clone(), Some("label"), Some(&case.label)).unwrap_or(id_at.clone());
                    if labels.contains(&case.label.as_str()) {
                        ctx.err("duplicate-id", at.clone(), format!("case label `{}` appears twice in this switch", case.label), None);
                    }
                    labels.push(&case.label);
                    for v in &case.values {
                        let key = v.to_string().to_lowercase();
                        if values.contains(&key) {
                            ctx.err("duplicate-id", at.clone(), format!("the value {v} is listed in more than one case; only the first can match"), Some("list each value once".into()));
                        }
                        values.push(key);
                    }
                    if case.values.is_empty() {
                        ctx.err("empty-condition", at.clone(), format!("case \"{}\" lists no values", case.label), None);
                    }
                }
            }
            Node::Question(q) => {
                if q.choices.is_empty() {
                    ctx.err("no-choices", id_at.clone(), "the question has no choices".into(), Some("add choices: [(id: \"yes\", label: \"Yes\", next: \"...\"), ...]".into()));
                }
                let mut cids: Vec<&str> = Vec::new();
                for ch in &q.choices {
                    let at = files[e.file].find(span.clone(), Some("id"), Some(&ch.id)).unwrap_or(id_at.clone());
                    if ch.id == DONT_KNOW {
                        ctx.err(
                            "reserved-choice",
                            at.clone(),
                            format!("the choice id `{DONT_KNOW}` is reserved"),
                            Some("every question offers \"Don't know\" already; set where it leads with dont_know".into()),
                        );
                    }
                    if cids.contains(&ch.id.as_str()) {
                        ctx.err("duplicate-id", at, format!("choice id `{}` appears twice in this question", ch.id), None);
                    }
                    cids.push(&ch.id);
                }
                for name in placeholders(&q.text) {
                    ctx.fact(name);
                }
            }
            Node::Diagnosis(d) => {
                for name in &d.evidence {
                    ctx.fact(name);
                }
                if d.next_steps.is_empty() {
                    ctx.err("no-next-steps", id_at.clone(), "the diagnosis has no next steps".into(), Some("tell the agent what to do: next_steps: [\"...\", ...]".into()));
                }
                if d.title.trim().is_empty() || d.summary.trim().is_empty() {
                    ctx.err("empty-text", id_at.clone(), "the diagnosis needs a title and a summary".into(), None);
                }
            }
        }
        // Branches: present, and pointing at nodes that exist.
        for b in e.node.branches() {
            match b.target {
                None => {
                    let at = match b.choice {
                        Some(c) if b.key == "next" => {
                            files[e.file].find(span.clone(), Some("id"), Some(c)).or_else(|| files[e.file].find(span.clone(), Some("label"), Some(c))).unwrap_or(id_at.clone())
                        }
                        _ => id_at.clone(),
                    };
                    let what = match (b.key, b.choice) {
                        ("next", Some(c)) if e.node.kind() == "switch" => format!("case `{c}` has no `next`"),
                        ("next", Some(c)) => format!("choice `{c}` has no `next`"),
                        ("default", _) => "the switch has no `default` branch".to_string(),
                        ("unknown", _) if e.node.kind() == "switch" => "the switch has no `unknown` branch".to_string(),
                        ("dont_know", _) => "the question has no `dont_know` branch".to_string(),
                        (k, _) => format!("the check has no `{k}` branch"),
                    };
                    errs.push("missing-branch", e.file, at, Some(e.node.id()), format!("{what}: a walk can end here without a diagnosis"), Some(format!("add `{}: \"<node id>\"`", b.key)));
                }
                Some(t) if !index.contains_key(t) && syntax_ok => {
                    let at = files[e.file].find(span.clone(), Some(b.key), Some(t)).or_else(|| files[e.file].find(span.clone(), None, Some(t))).unwrap_or(id_at.clone());
                    let hint = did_you_mean(t, ids()).map(|m| format!("did you mean `{m}`?")).unwrap_or_else(|| "define the node, or point to an existing one".into());
                    errs.push("missing-node", e.file, at, Some(e.node.id()), format!("`{}` leads to `{t}`, which is no node", b.label), Some(hint));
                }
                _ => {}
            }
        }
        super::texts::check(&e.node, &mut Ctx { errs: &mut *errs, file: e.file, span: span.clone(), node: e.node.id(), regexes: &mut regexes });
    }
    regexes
}
