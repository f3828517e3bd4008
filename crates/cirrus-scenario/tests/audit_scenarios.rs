//! Every shipped scenario runs under the invariant auditor
//! (`cirrus::audit::Auditor`), checked after every event: capacities,
//! placement (each VM on at most one host, or migrating between two), time
//! and energy monotone. Sweep definitions (`scenarios/sweeps/`) are not
//! scenarios and are skipped.

use std::path::{Path, PathBuf};
use std::thread;

use cirrus::audit::Auditor;

fn scenarios(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("scenarios folder")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "sweeps") {
                scenarios(&p, out);
            }
        } else if p.extension().is_some_and(|e| e == "toml") {
            out.push(p);
        }
    }
}

/// Scale scenarios (`scenarios/scale/`) are audited over their first hour:
/// the auditor re-sums every host after every event, and these exist to be
/// timed by `benches/scale.sh`, not to be run whole in CI.
const SCALE_AUDIT_S: f64 = 3600.0;
/// Scale scenarios with more hosts than this are only loaded: their initial
/// placement alone is too slow for a CI run under the auditor.
const SCALE_AUDIT_MAX_HOSTS: usize = 10_000;

fn audit(path: &Path) -> Result<u64, String> {
    let scale = path
        .parent()
        .and_then(|p| p.file_name())
        .is_some_and(|n| n == "scale");
    let overrides = if scale {
        vec![format!("simulation.duration_s={SCALE_AUDIT_S}")]
    } else {
        Vec::new()
    };
    let scenario = cirrus_scenario::load(path, &overrides).map_err(|e| e.to_string())?;
    if scale && scenario.spec.hosts.len() > SCALE_AUDIT_MAX_HOSTS {
        eprintln!(
            "{}: loaded, not run ({} hosts)",
            path.display(),
            scenario.spec.hosts.len()
        );
        return Ok(u64::MAX);
    }
    let mut auditor = Auditor::new();
    let mut first_failure = None;
    scenario
        .into_simulation()
        .map_err(|e| e.to_string())?
        .run_observed(|o| {
            if first_failure.is_none()
                && let Err(e) = auditor.check(o)
            {
                first_failure = Some(e);
            }
        })
        .map_err(|e| e.to_string())?;
    match first_failure {
        Some(e) => Err(e.to_string()),
        None => Ok(auditor.events()),
    }
}

#[test]
fn every_shipped_scenario_passes_the_auditor() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut paths = Vec::new();
    scenarios(&root, &mut paths);
    assert!(paths.len() >= 15, "found only {} scenarios", paths.len());
    let (even, odd): (Vec<_>, Vec<_>) = paths.iter().enumerate().partition(|(i, _)| i % 2 == 0);
    let results: Vec<(PathBuf, Result<u64, String>)> = thread::scope(|s| {
        let handles: Vec<_> = [even, odd]
            .into_iter()
            .map(|part| {
                s.spawn(move || {
                    part.into_iter()
                        .map(|(_, p)| (p.clone(), audit(p)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("audit thread"))
            .collect()
    });
    let mut failures = Vec::new();
    for (path, r) in results {
        match r {
            Ok(events) => {
                assert!(events > 1, "{}: only {events} observations", path.display());
                eprintln!("{}: {events} events audited", path.display());
            }
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
