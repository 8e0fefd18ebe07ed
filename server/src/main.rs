use clap::Parser;
use std::io::IsTerminal;
use std::process::ExitCode;
use tessera::cli::{Cli, LogFormat};
use tracing_subscriber::EnvFilter;

// glibc's malloc was a third of the instructions of a token check; mimalloc's small-object
// paths are several times shorter (bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Rendering a large page recurses deeply; unoptimised builds need more than the 2 MiB
    // default stack of tokio's workers.
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(8 * 1024 * 1024)
        .build()
        .expect("a tokio runtime")
        .block_on(run())
}

async fn run() -> ExitCode {
    let cli = Cli::parse();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr);
    match cli.log_format {
        // One object per line, the event's fields at its top level, with the request id.
        LogFormat::Json => logs.json().flatten_event(true).with_span_list(false).init(),
        // Colour codes only help a person at a terminal; in a log file they are noise.
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
    }

    match tessera::cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
