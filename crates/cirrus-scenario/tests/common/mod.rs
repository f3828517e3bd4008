//! Shared by the integration tests that run shipped scenarios under the auditor.

use std::path::{Path, PathBuf};

use cirrus::audit::Auditor;
use cirrus::metrics::RunResult;

/// The repository's `scenarios/` folder.
pub fn scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios")
}

/// Runs the scenario at `path` with `overrides` under the auditor, which must
/// find nothing.
pub fn run_audited(path: &Path, overrides: &[&str]) -> RunResult {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    let scenario = cirrus_scenario::load(path, &overrides).unwrap();
    let mut auditor = Auditor::new();
    let mut failure = None;
    let r = scenario
        .simulation()
        .unwrap()
        .run_observed(|o| {
            if failure.is_none()
                && let Err(e) = auditor.check(o)
            {
                failure = Some(e);
            }
        })
        .unwrap();
    assert_eq!(failure, None, "{}", path.display());
    r
}
