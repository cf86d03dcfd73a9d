//! The `keyward` binary: the command line over the library.
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    // Held to the end: dropping it writes the lines still queued.
    let _log_writer = match keyward::server::logging::init() {
        Ok(guard) => guard,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    keyward::server::cli::run().await
}
