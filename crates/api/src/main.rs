//! The `calbridge` binary: parse the command line and hand over to the library.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = calbridge_api::cli::Cli::parse();
    match calbridge_api::cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Start-up failures are printed plainly: logging may not be set up yet.
            eprintln!("calbridge: {e}");
            ExitCode::FAILURE
        }
    }
}
