//! `signin-doctor fmt`: rule and case files in one canonical layout.

use std::path::{Path, PathBuf};

use signin_doctor::{Error, ErrorKind};

use super::exit;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Rule or case files, or directories of them (walked for `.ron`
    /// files); default `rules`.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Change nothing: print each file's diff and fail (exit 1) when any
    /// file is not in the layout, for CI.
    #[arg(long)]
    check: bool,
}

pub fn run(a: Args) -> Result<i32, Error> {
    let roots = if a.paths.is_empty() { vec![PathBuf::from("rules")] } else { a.paths.clone() };
    let mut files = Vec::new();
    for r in &roots {
        if r.is_dir() {
            for e in walkdir::WalkDir::new(r).sort_by_file_name() {
                let e = e.map_err(|e| Error::from_parts(ErrorKind::Io, format!("cannot read the directory: {e}"), r))?;
                if e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "ron") {
                    files.push(e.into_path());
                }
            }
        } else if r.exists() {
            files.push(r.clone());
        } else {
            return Err(Error::from_parts(ErrorKind::Io, "cannot read the file: no such file or directory", r));
        }
    }
    let (mut changed, mut failed) = (0usize, 0usize);
    for f in &files {
        match one(f, a.check) {
            Ok(true) => changed += 1,
            Ok(false) => {}
            Err(e) => {
                failed += 1;
                eprintln!("error: {e}");
            }
        }
    }
    let verb = if a.check { "would be reformatted" } else { "reformatted" };
    super::ui::note(format!("{} of {} files {verb}{}", changed, files.len(), if failed > 0 { format!(", {failed} could not be read") } else { String::new() }));
    Ok(if failed > 0 {
        exit::BAD_INPUT
    } else if a.check && changed > 0 {
        exit::FAILED
    } else {
        exit::OK
    })
}

/// Format one file; whether it changed (or, with `check`, would).
fn one(f: &Path, check: bool) -> Result<bool, Error> {
    // Writing through a link would replace the link, not format its file.
    if std::fs::symlink_metadata(f).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(Error::from_parts(ErrorKind::Write, "is a symbolic link; format the file it points to", f));
    }
    let old = signin_doctor::read_text_file(f)?;
    let new = signin_doctor::authoring::format_ron(f, &old)?;
    if new == old {
        return Ok(false);
    }
    let name = f.display().to_string();
    if check {
        let diff = similar::TextDiff::from_lines(&old, &new).unified_diff().context_radius(2).header(&name, &name).to_string();
        super::out!("{diff}");
    } else {
        super::outfile::write_file(f, new.as_bytes())?;
        super::outln!("{name}");
    }
    Ok(true)
}
