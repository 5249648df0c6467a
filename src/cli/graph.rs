//! `signin-doctor graph` and `signin-doctor explain`.

use super::common::{load_rules, Format};
use super::exit;
use super::{out, outln};
use clap::ValueEnum;
use signin_doctor::authoring::{self, Case, DotFlavour, Highlight};
use signin_doctor::{Error, ErrorKind, Rules};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// Mermaid flowchart (renders in Markdown on GitHub and in many wikis).
    Mermaid,
    /// SVG: laid out by Graphviz `dot` when it is installed, else by this
    /// program (see --layout); the file says which.
    Svg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LayoutChoice {
    /// Graphviz `dot` when it is installed, else the in-process layout.
    Auto,
    /// Graphviz `dot`; an error when it is not installed.
    Graphviz,
    /// The in-process layout (the same bytes on every machine).
    Builtin,
}

#[derive(clap::Args, Debug)]
pub struct GraphArgs {
    /// Draw only this tree (nodes of other trees it leads to are drawn dashed).
    #[arg(long, value_name = "ID")]
    tree: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Svg)]
    format: GraphFormat,
    /// Draw the path of a case file (.ron) or a saved session (.json) in bold red.
    #[arg(long, value_name = "FILE")]
    highlight: Option<PathBuf>,
    /// Rule directory (default: the rules built into this binary).
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE", conflicts_with = "out_dir")]
    output: Option<PathBuf>,
    /// Who lays out an SVG picture.
    #[arg(long, value_enum, default_value_t = LayoutChoice::Auto)]
    layout: LayoutChoice,
    /// Draw only the part of its tree that holds this node (a large tree is drawn in parts small
    /// enough to read; nodes of other parts are drawn as links to them).
    #[arg(long, value_name = "NODE", conflicts_with = "tree")]
    part: Option<String>,
    /// Write every tree to DIR, large ones in parts: a Markdown page per tree (Mermaid charts), and
    /// per picture STEM.dot, STEM.mmd and STEM.svg (laid out as --layout says; each SVG names the
    /// DOT it was laid out from by its SHA-256). This is how docs/trees is made.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["highlight", "tree", "part", "output"])]
    out_dir: Option<PathBuf>,
}

fn write(path: &Path, text: &str) -> Result<(), Error> {
    super::outfile::write_file(path, text.as_bytes())
}

fn highlight(rules: &Rules, file: &Path) -> Result<Highlight, Error> {
    if file.extension().is_some_and(|x| x == "json") {
        let (session, _) = super::guide::load_session(file, rules, true)?;
        Ok(Highlight::path(&session.outcome(rules)?.path()))
    } else {
        let run = Case::load(file)?.run(rules)?;
        Ok(Highlight::path(&run.path))
    }
}

/// What one picture draws.
#[derive(Clone, Copy)]
pub enum What<'a> {
    /// One tree, or every tree.
    Tree(Option<&'a str>),
    /// One part of a tree drawn in parts.
    Part(&'a [authoring::Part], usize),
}

/// Render one picture in one format.
pub fn render(rules: &Rules, what: What, format: GraphFormat, hl: &Highlight, layout: LayoutChoice) -> Result<String, Error> {
    let failed = |e: String| Error::from_parts(ErrorKind::InvalidRules, e, Path::new(""));
    let dot = |flavour| match what {
        What::Tree(tree) => authoring::dot(rules, tree, hl, flavour),
        What::Part(parts, i) => authoring::dot_part(rules, parts, i, hl, flavour),
    };
    let builtin = || match what {
        What::Tree(tree) => authoring::svg(rules, tree, hl),
        What::Part(parts, i) => authoring::svg_part(rules, parts, i, hl),
    };
    Ok(match format {
        GraphFormat::Dot => dot(DotFlavour::Graphviz),
        GraphFormat::Mermaid => match what {
            What::Tree(tree) => authoring::mermaid(rules, tree, hl),
            What::Part(parts, i) => authoring::mermaid_part(rules, parts, i, hl),
        },
        GraphFormat::Svg => {
            let by_graphviz = if layout == LayoutChoice::Builtin { None } else { super::graphviz::svg(&dot(DotFlavour::Graphviz)) };
            match (by_graphviz, layout) {
                (Some(svg), _) => svg.map_err(failed)?,
                (None, LayoutChoice::Graphviz) => return Err(no_graphviz()),
                (None, LayoutChoice::Auto) => {
                    authoring::svg_comment(&builtin().map_err(failed)?, "Laid out in-process by layout-rs: Graphviz dot was not found, which lays out larger trees more clearly.")
                }
                (None, LayoutChoice::Builtin) => authoring::svg_comment(&builtin().map_err(failed)?, "Laid out in-process by layout-rs, as asked (layout: builtin)."),
            }
        }
    })
}

fn no_graphviz() -> Error {
    Error::from_parts(ErrorKind::Io, "--layout graphviz: Graphviz dot is not installed (not on PATH)", Path::new(""))
        .with_hint("install Graphviz (Debian: apt install graphviz), or use --layout builtin")
}

/// `--out-dir`: every tree's pictures, and a note on files there that are
/// no longer among them.
fn write_all(rules: &Rules, dir: &Path, layout: LayoutChoice) -> Result<(), Error> {
    let failed = |e: String| Error::from_parts(ErrorKind::InvalidRules, e, Path::new(""));
    std::fs::create_dir_all(dir).map_err(|e| Error::from_write(dir, &e))?;
    let (files, svgs) = authoring::pictures(rules);
    // Every picture is laid out before anything is written: a failed
    // layout leaves the directory as it was.
    let mut laid_out = Vec::new();
    let mut by_graphviz = 0;
    for p in &svgs {
        let laid = if layout == LayoutChoice::Builtin { None } else { super::graphviz::svg_noted(&p.dot, |says| p.note(says)) };
        let svg = match (laid, layout) {
            (Some(svg), _) => {
                by_graphviz += 1;
                svg.map_err(failed)?
            }
            (None, LayoutChoice::Graphviz) => return Err(no_graphviz()),
            (None, _) => authoring::svg_comment(&p.builtin(rules).map_err(failed)?, &p.note("Laid out in-process by layout-rs (Graphviz dot lays out more clearly; install it and run again).")),
        };
        laid_out.push((p.name.as_str(), svg));
    }
    let mut names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for (name, text) in files.iter().map(|(n, t)| (n.as_str(), t)).chain(laid_out.iter().map(|(n, t)| (*n, t))) {
        write(&dir.join(name), text)?;
    }
    names.extend(laid_out.iter().map(|(n, _)| *n));
    let layout = if by_graphviz == svgs.len() { "by Graphviz" } else { "in-process" };
    super::ui::note(format!("wrote {} trees in {} pictures to {} (SVG laid out {layout})", rules.trees().len(), svgs.len(), dir.display()));
    if let Ok(entries) = std::fs::read_dir(dir) {
        let mut old: Vec<String> = entries
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| [".svg", ".dot", ".mmd", ".md"].iter().any(|x| n.ends_with(x)) && !names.contains(&n.as_str()))
            .collect();
        old.sort();
        for n in old {
            super::ui::note(format!("{} is not one of the pictures (a tree or part that no longer exists?); remove it if so", dir.join(n).display()));
        }
    }
    Ok(())
}

pub fn graph(a: GraphArgs) -> Result<i32, Error> {
    if let Some(o) = &a.output {
        let mut inputs = super::common::rule_files(a.rules.as_ref());
        inputs.extend(a.highlight.iter().map(|p| ("--highlight", p.clone())));
        let inputs: Vec<(&str, &Path)> = inputs.iter().map(|(f, p)| (*f, p.as_path())).collect();
        super::outfile::check(&[("--output", o)], &inputs)?;
    }
    let rules = load_rules(a.rules.as_ref())?;
    if let Some(t) = &a.tree {
        if !rules.trees().iter().any(|x| &x.id == t) {
            let ids: Vec<&str> = rules.trees().iter().map(|t| t.id.as_str()).collect();
            return Err(Error::from_parts(ErrorKind::NotFound, format!("there is no tree `{t}` (the trees are: {})", ids.join(", ")), Path::new("")));
        }
    }
    if let Some(dir) = &a.out_dir {
        write_all(&rules, dir, a.layout)?;
        return Ok(exit::OK);
    }
    let hl = match &a.highlight {
        Some(f) => highlight(&rules, f)?,
        None => Highlight::default(),
    };
    let out = match &a.part {
        Some(node) => {
            let Some(tree) = rules.tree_of(node) else {
                return Err(Error::from_parts(ErrorKind::NotFound, format!("--part: there is no node `{node}`"), Path::new("")));
            };
            let parts = authoring::parts(&rules, &tree.id);
            let i = parts.iter().position(|p| p.nodes.iter().any(|n| n == node)).unwrap_or(0);
            render(&rules, What::Part(&parts, i), a.format, &hl, a.layout)?
        }
        None => render(&rules, What::Tree(a.tree.as_deref()), a.format, &hl, a.layout)?,
    };
    match &a.output {
        Some(p) => write(p, &out)?,
        None => out!("{out}"),
    }
    Ok(exit::OK)
}

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    /// The diagnosis id, e.g. stale-authenticator-registration.
    diagnosis: String,
    /// Rule directory (default: the rules built into this binary).
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub fn explain(a: ExplainArgs) -> Result<i32, Error> {
    let rules = load_rules(a.rules.as_ref())?;
    let (paths, truncated) = authoring::explain(&rules, &a.diagnosis)?;
    match a.format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&serde_json::json!({"diagnosis": a.diagnosis, "paths": paths, "truncated": truncated})).unwrap_or_default()),
        Format::Text => {
            let d = rules.diagnosis(&a.diagnosis).map(|d| d.title.as_str()).unwrap_or("");
            outln!("{} paths lead to `{}` ({d}){}", paths.len(), a.diagnosis, if truncated { " (only the first 500 are shown)" } else { "" });
            for (i, p) in paths.iter().enumerate() {
                outln!("\npath {}:", i + 1);
                for s in p {
                    outln!("  - {}   [{} {}]", s.condition, s.node, s.location.as_deref().unwrap_or(""));
                }
            }
        }
    }
    Ok(exit::OK)
}
