//! `qmp-shell`: see the `qmp_shell` library documentation.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match qmp_shell::cli::run(qmp_shell::cli::Arguments::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("qmp-shell: {error}");
            ExitCode::FAILURE
        }
    }
}
