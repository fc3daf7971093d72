//! The `newsdex` binary: parse the command line, run, map the outcome to an
//! exit code (0 ok, 1 no hits, 2 error, 3 some records rejected). A closed
//! pipe (`newsdex export ... | head`) ends quietly with 0.

use clap::Parser;
use newsdex::{ExitCode, cli::Cli, cmd};

/// mimalloc instead of glibc's malloc: indexing allocates and frees
/// millions of small blocks (token streams, term-dictionary nodes, entity
/// names), many freed on another thread than the one that made them
/// (BENCHMARKS.md has the trade of time for memory).
#[global_allocator]
static GLOBAL: newsdex::util::alloc::MiMalloc = newsdex::util::alloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cmd::run(cli) {
        Ok(code) => code.into(),
        Err(err) if is_broken_pipe(&err) => ExitCode::Success.into(),
        Err(err) => {
            eprintln!("newsdex: {err:#}");
            ExitCode::Error.into()
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
