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
    /// Write every tree in every format to DIR (TREE.svg, TREE.mmd, TREE.dot): how docs/trees is made
    /// (its SVG pictures with the in-process layout, so every machine makes the same).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["highlight", "tree"])]
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

/// Render one tree (or all) in one format.
pub fn render(rules: &Rules, tree: Option<&str>, format: GraphFormat, hl: &Highlight, layout: LayoutChoice) -> Result<String, Error> {
    let failed = |e: String| Error::from_parts(ErrorKind::InvalidRules, e, Path::new(""));
    Ok(match format {
        GraphFormat::Dot => authoring::dot(rules, tree, hl, DotFlavour::Graphviz),
        GraphFormat::Mermaid => authoring::mermaid(rules, tree, hl),
        GraphFormat::Svg => {
            let by_graphviz = if layout == LayoutChoice::Builtin { None } else { super::graphviz::svg(&authoring::dot(rules, tree, hl, DotFlavour::Graphviz)) };
            match (by_graphviz, layout) {
                (Some(svg), _) => svg.map_err(failed)?,
                (None, LayoutChoice::Graphviz) => {
                    return Err(Error::from_parts(ErrorKind::Io, "--layout graphviz: Graphviz dot is not installed (not on PATH)", Path::new(""))
                        .with_hint("install Graphviz (Debian: apt install graphviz), or use --layout builtin"));
                }
                (None, LayoutChoice::Auto) => {
                    authoring::svg_comment(&authoring::svg(rules, tree, hl).map_err(failed)?, "Laid out in-process by layout-rs: Graphviz dot was not found, which lays out larger trees more clearly.")
                }
                (None, LayoutChoice::Builtin) => authoring::svg_comment(&authoring::svg(rules, tree, hl).map_err(failed)?, "Laid out in-process by layout-rs, as asked (layout: builtin)."),
            }
        }
    })
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
        std::fs::create_dir_all(dir).map_err(|e| Error::from_write(dir, &e))?;
        let files = authoring::pictures(&rules).map_err(|e| Error::from_parts(ErrorKind::InvalidRules, e, Path::new("")))?;
        for (name, text) in files {
            write(&dir.join(name), &text)?;
        }
        super::ui::note(format!("wrote {} trees to {}", rules.trees().len(), dir.display()));
        return Ok(exit::OK);
    }
    let hl = match &a.highlight {
        Some(f) => highlight(&rules, f)?,
        None => Highlight::default(),
    };
    let out = render(&rules, a.tree.as_deref(), a.format, &hl, a.layout)?;
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
