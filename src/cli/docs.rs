//! `signin-doctor completions SHELL` and `signin-doctor man`: shell
//! completions (clap_complete) and man pages (clap_mangen), made from the
//! same definitions as the parser, so they never drift from it.

use super::outfile;
use signin_doctor::Error;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  signin-doctor completions bash > ~/.local/share/bash-completion/completions/signin-doctor
  signin-doctor completions zsh > ~/.zfunc/_signin-doctor
  signin-doctor completions powershell >> $PROFILE")]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  signin-doctor man | man -l -
  signin-doctor man --out target/man      # signin-doctor.1 and one page per command
  sudo cp target/man/*.1 /usr/local/share/man/man1/")]
pub struct ManArgs {
    /// Write every page (signin-doctor.1, signin-doctor-triage.1, …) into
    /// this directory instead of printing the main page.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

pub fn completions(a: CompletionsArgs, mut cmd: clap::Command) -> Result<i32, Error> {
    let mut buf = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "signin-doctor", &mut buf);
    super::write_stdout(&String::from_utf8_lossy(&buf));
    Ok(super::exit::OK)
}

pub fn man(a: ManArgs, mut cmd: clap::Command) -> Result<i32, Error> {
    // The global options (-q, -v, --color…) belong on every command's page.
    cmd.build();
    let Some(dir) = a.out else {
        super::write_stdout(&String::from_utf8_lossy(&render(cmd.clone())?));
        return Ok(super::exit::OK);
    };
    std::fs::create_dir_all(&dir).map_err(|e| Error::from_write(&dir, &e))?;
    let mut written = 0;
    write_page(&dir, "signin-doctor", cmd.clone(), &mut written)?;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("signin-doctor-{}", sub.get_name());
        // The page shows the command as a person types it.
        let sub = sub.clone().name(name.clone()).display_name(format!("signin-doctor {}", sub.get_name())).version(cmd.get_version().unwrap_or_default().to_string());
        write_page(&dir, &name, sub, &mut written)?;
    }
    super::ui::note(format!("wrote {written} man pages to {}", dir.display()));
    Ok(super::exit::OK)
}

fn render(cmd: clap::Command) -> Result<Vec<u8>, Error> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut buf).map_err(|e| Error::from_write(Path::new("man page"), &e))?;
    Ok(buf)
}

fn write_page(dir: &Path, name: &str, cmd: clap::Command, written: &mut usize) -> Result<(), Error> {
    outfile::write_file(&dir.join(format!("{name}.1")), &render(cmd)?)?;
    *written += 1;
    Ok(())
}
