//! `qmp-codegen`: the command line front end of `qmp-build-tools` (see [`qmp_build_tools::cli`]).

use std::process::ExitCode;

use clap::Parser;
use qmp_build_tools::cli::{run, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli, &mut std::io::stdout().lock(), &mut std::io::stderr()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("qmp-codegen: error: {error}");
            ExitCode::FAILURE
        }
    }
}
