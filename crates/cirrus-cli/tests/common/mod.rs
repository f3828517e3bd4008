//! Shared by the CLI integration tests that drive the `cirrus` binary:
//! running it and checking its exit code and output.

#![allow(dead_code)] // each test file uses its own subset

use std::path::Path;
use std::process::{Command, Output};

/// The binary under test.
pub const CIRRUS: &str = env!("CARGO_BIN_EXE_cirrus");

/// `cirrus ARGS` run in `dir`.
pub fn cirrus_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(CIRRUS).current_dir(dir).args(args).output().unwrap()
}

/// `cirrus ARGS` run in the test's working directory.
pub fn cirrus(args: &[&str]) -> Output {
    Command::new(CIRRUS).args(args).output().unwrap()
}

/// Stdout of a run that must succeed; on failure, both streams in the message.
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Stderr of a run that must exit 2 (bad input).
pub fn bad_input(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A JSON file, parsed.
pub fn json(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap()
}

/// A text file, or a panic naming it.
pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
