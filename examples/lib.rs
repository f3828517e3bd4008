//! Helpers shared by the examples in this folder (run them with
//! `cargo run --release -p cirrus-examples --example NAME`).

use std::path::PathBuf;

/// `rel` inside the repository, wherever the example is run from.
pub fn repo_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

/// A fresh folder for an example's results under `results/examples/NAME`.
pub fn results_dir(name: &str) -> PathBuf {
    repo_path("results/examples").join(name)
}
