//! `manifest.json`: what made a run — the scenario file (path and content
//! hash), the `--set` overrides, the seed, the Cirrus version and commit, the
//! thread count, when it started and how long it took; for a run of a sweep,
//! which sweep and run.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::Digest;

/// The provenance of one run, written as `manifest.json` beside its results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The scenario's name (`simulation.name`, after overrides).
    pub scenario: String,
    /// The scenario file as given on the command line.
    pub scenario_path: String,
    /// The folder the run started in: relative paths (the scenario's, and
    /// any given with `--set`) are relative to it.
    pub working_dir: String,
    /// SHA-256 of the scenario file's bytes, lowercase hex.
    pub scenario_sha256: String,
    /// The `--set key=value` overrides in the order given (`--seed N`
    /// appears as `simulation.seed=N`).
    pub overrides: Vec<String>,
    /// The seed of the run's random streams: `simulation.seed` after
    /// overrides, or for a run of a sweep the seed the sweep derived (see
    /// [`SweepRun::scenario_seed`]).
    pub seed: u64,
    /// The Cirrus version that ran (`CARGO_PKG_VERSION`).
    pub cirrus_version: String,
    /// The git commit it was built from, or `unknown`.
    pub cirrus_commit: String,
    /// Threads for the per-host work of each step.
    pub threads: usize,
    /// Whether the invariant auditor checked every event.
    pub audit: bool,
    /// When the run started, UTC (`YYYY-MM-DDTHH:MM:SSZ`).
    pub started_utc: String,
    /// Wall time from start to the results written, seconds.
    pub wall_s: f64,
    /// The sweep and run this run was, if it was one of a sweep's (absent
    /// for `cirrus run`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepRun>,
}

/// Where a run sits in a sweep (`manifest.json` of `runs/NNNNNN/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepRun {
    /// The sweep's name.
    pub name: String,
    /// The sweep's fingerprint (as in its `sweep.json`).
    pub fingerprint: String,
    /// Run index.
    pub run: usize,
    /// Grid point.
    pub point: usize,
    /// Replication within the point.
    pub replication: usize,
    /// The point's label on each axis.
    pub labels: Vec<String>,
    /// The scenario's `simulation.seed` after the sweep's overrides (the
    /// seed override aside): the base from which the sweep derived the run's
    /// `seed` when the sweep gives no seed of its own. The run was loaded and
    /// run with the manifest's `seed`, its last override.
    pub scenario_seed: u64,
    /// Free parameters handed to the code that built the run (`param.NAME`
    /// axes), as `NAME=value`: not part of the scenario.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<String>,
}

impl Manifest {
    /// Reads `dir/manifest.json`, if there is one that parses.
    pub fn read(dir: &Path) -> Option<Self> {
        let text = std::fs::read(dir.join("manifest.json")).ok()?;
        serde_json::from_slice(&text).ok()
    }
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `time` as `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds).
pub fn utc_timestamp(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn sha256_of_known_text() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn timestamps_in_utc() {
        assert_eq!(utc_timestamp(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400 + 3661); // 2000-02-29 01:01:01
        assert_eq!(utc_timestamp(t), "2000-02-29T01:01:01Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_796_601_600); // 2026-12-07
        assert_eq!(utc_timestamp(t), "2026-12-07T00:00:00Z");
    }
}
