//! The `signin-doctor` command line: a thin layer over the library.

#[macro_use]
mod cli;

fn main() {
    std::process::exit(cli::run());
}
