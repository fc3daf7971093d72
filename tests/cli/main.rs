//! CLI integration tests: the real `newsdex` binary on the small fixtures in
//! `tests/fixtures/`, each test in its own temporary directory.

mod answers;
mod index;
mod ner;
mod search;
mod shell;
mod xlsx;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A temporary directory and a way to run newsdex in it.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
}

/// What a run printed and how it ended.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn fixture(rel: &str) -> String {
    fixtures().join(rel).display().to_string()
}

/// The `id` of every line of JSON lines output (each line must have one).
pub fn ids(jsonl: &str) -> Vec<String> {
    jsonl
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

impl Default for TestEnv {
    fn default() -> Self {
        TestEnv::new()
    }
}

impl TestEnv {
    pub fn new() -> TestEnv {
        TestEnv {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn index_dir(&self) -> String {
        self.path("idx").display().to_string()
    }

    /// A newsdex command against this env's index, in its directory.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_newsdex"));
        c.current_dir(self.dir.path())
            .env_remove("NEWSDEX_INDEX")
            .env_remove("NEWSDEX_MODEL")
            .env("NO_COLOR", "1")
            .arg("--index")
            .arg(self.index_dir())
            .args(args)
            .stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.cmd(args).output().expect("newsdex runs"))
    }

    /// Runs with `input` on stdin.
    pub fn run_stdin(&self, args: &[&str], input: &str) -> Run {
        use std::io::Write;
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("newsdex starts");
        let written = child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes());
        // A command that fails before reading its input (a locked index)
        // closes the pipe: that is its answer, not a test failure.
        if let Err(e) = written {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
        }
        Run::from(child.wait_with_output().expect("newsdex ends"))
    }

    /// Indexes the fixture corpus (expects exit 3: it has broken records).
    pub fn index_fixtures(&self) -> Run {
        let r = self.run(&["index", &fixture("corpus"), "--quiet"]);
        assert_eq!(r.code, 3, "stderr: {}", r.stderr);
        r
    }
}
