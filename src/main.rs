//! The `signin-doctor` command line: a thin layer over the library.

#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

#[macro_use]
mod cli;

fn main() {
    std::process::exit(cli::run());
}
