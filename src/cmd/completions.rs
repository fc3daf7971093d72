//! `newsdex completions SHELL` and `newsdex man`: the shell completions and
//! the manual page, generated from the same clap definitions as `--help`.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::{Error, ExitCode};

pub fn run(shell: clap_complete::Shell) -> anyhow::Result<ExitCode> {
    let mut cmd = Cli::command();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    clap_complete::generate(shell, &mut cmd, "newsdex", &mut out);
    out.flush()?;
    Ok(ExitCode::Success)
}

/// The manual page on stdout; with `dir`, every page written there.
pub fn man(dir: Option<&Path>) -> anyhow::Result<ExitCode> {
    let cmd = Cli::command();
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        clap_mangen::generate_to(cmd, dir).map_err(|e| Error::io(dir, e))?;
        return Ok(ExitCode::Success);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    clap_mangen::Man::new(cmd).render(&mut out)?;
    out.flush()?;
    Ok(ExitCode::Success)
}
