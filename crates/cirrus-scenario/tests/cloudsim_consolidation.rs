//! The shipped dynamic-consolidation scenarios against the metrics CloudSim
//! 4.0 printed for the PlanetLab day 20110303 (`docs/CLOUDSIM.md`
//! §4.1). Acceptance limits (issue 3): energy within 1 %, migrations within
//! 3 %, SLATAH and SLAV within 5 %; PDM is printed with two decimals only, so
//! it is compared to the printed precision. RS is unseeded in CloudSim: the
//! mean over several seeds is compared with the mean of CloudSim's two runs.

use std::path::Path;
use std::thread;

use cirrus::metrics::Summary;

/// One row of CloudSim's printout.
struct Reference {
    scenario: &'static str,
    energy_kwh: f64,
    migrations: u64,
    /// Percentages, as printed.
    slav_pct: f64,
    pdm_pct: f64,
    slatah_pct: f64,
    overall_pct: f64,
    average_pct: f64,
    host_shutdowns: u64,
}

#[allow(clippy::too_many_arguments)] // one argument per printed column
const fn r(
    scenario: &'static str,
    energy_kwh: f64,
    migrations: u64,
    slav_pct: f64,
    pdm_pct: f64,
    slatah_pct: f64,
    overall_pct: f64,
    average_pct: f64,
    host_shutdowns: u64,
) -> Reference {
    Reference {
        scenario,
        energy_kwh,
        migrations,
        slav_pct,
        pdm_pct,
        slatah_pct,
        overall_pct,
        average_pct,
        host_shutdowns,
    }
}

/// CloudSim 4.0, PlanetLab 20110303 (docs/CLOUDSIM.md §4.1).
const DETERMINISTIC: [Reference; 11] = [
    r("thr-mmt", 198.08, 27728, 0.00357, 0.07, 5.00, 0.08, 10.16, 6109),
    r("iqr-mmt", 193.63, 27592, 0.00342, 0.07, 5.02, 0.08, 10.12, 6045),
    r("mad-mmt", 189.79, 27781, 0.00357, 0.07, 5.09, 0.08, 10.18, 5981),
    r("lr-mmt", 167.83, 27649, 0.00432, 0.08, 5.72, 0.13, 9.52, 5190),
    r("lrr-mmt", 167.83, 27649, 0.00432, 0.08, 5.72, 0.13, 9.52, 5190),
    r("lr-mc", 153.87, 23351, 0.00703, 0.10, 7.02, 0.17, 9.69, 4187),
    r("lr-mu", 180.62, 30102, 0.00588, 0.07, 8.14, 0.18, 9.84, 5752),
    r("thr-mc", 187.10, 24770, 0.00728, 0.11, 6.90, 0.12, 9.97, 5683),
    r("thr-mu", 212.07, 31305, 0.00495, 0.07, 7.40, 0.07, 10.23, 6618),
    r("mad-mc", 179.95, 24396, 0.00759, 0.11, 7.06, 0.13, 9.87, 5568),
    r("iqr-mu", 208.05, 30576, 0.00486, 0.07, 7.43, 0.07, 10.22, 6542),
];

fn path(name: &str) -> String {
    format!(
        "{}/../../scenarios/planetlab-20110303-{name}.toml",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn run(name: &str, overrides: &[String]) -> Summary {
    let scenario = cirrus_scenario::load(Path::new(&path(name)), overrides).unwrap_or_else(|e| panic!("{e}"));
    scenario
        .into_simulation()
        .expect("simulation")
        .run()
        .expect("run")
        .summary
}

/// Runs `jobs` on both cores of a CI machine.
fn run_all(jobs: Vec<(String, Vec<String>)>) -> Vec<Summary> {
    let mut out: Vec<Option<Summary>> = (0..jobs.len()).map(|_| None).collect();
    let (even, odd): (Vec<_>, Vec<_>) = jobs.iter().enumerate().partition(|(i, _)| i % 2 == 0);
    let results: Vec<(usize, Summary)> = thread::scope(|s| {
        let handles: Vec<_> = [even, odd]
            .into_iter()
            .map(|part| {
                s.spawn(move || {
                    part.into_iter()
                        .map(|(i, (name, o))| (i, run(name, o)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("run")).collect()
    });
    for (i, s) in results {
        out[i] = Some(s);
    }
    out.into_iter().map(|s| s.expect("every job ran")).collect()
}

fn rel(got: f64, reference: f64) -> f64 {
    (got - reference).abs() / reference
}

#[test]
fn deterministic_policies_match_cloudsim() {
    let jobs = DETERMINISTIC
        .iter()
        .map(|r| (r.scenario.to_string(), Vec::new()))
        .collect();
    let summaries = run_all(jobs);
    let mut failures = Vec::new();
    eprintln!("scenario   energy (CloudSim)    migrations (CloudSim)  SLAV %  SLATAH %  PDM %  shutdowns");
    for (r, s) in DETERMINISTIC.iter().zip(&summaries) {
        eprintln!(
            "{:<9} {:8.2} ({:7.2})  {:6} ({:6})  {:.5}  {:5.2}  {:4.2}  {} ({})",
            r.scenario,
            s.energy.energy_kwh,
            r.energy_kwh,
            s.migration_counts.migrations,
            r.migrations,
            s.degradation.slav * 100.0,
            s.sla.slatah * 100.0,
            s.degradation.pdm * 100.0,
            s.sla.host_shutdowns,
            r.host_shutdowns
        );
        let mut check = |what: &str, ok: bool, detail: String| {
            if !ok {
                failures.push(format!("{}: {what}: {detail}", r.scenario));
            }
        };
        check(
            "energy within 1 %",
            rel(s.energy.energy_kwh, r.energy_kwh) <= 0.01,
            format!("{:.3} kWh vs {}", s.energy.energy_kwh, r.energy_kwh),
        );
        check(
            "migrations within 3 %",
            rel(s.migration_counts.migrations as f64, r.migrations as f64) <= 0.03,
            format!("{} vs {}", s.migration_counts.migrations, r.migrations),
        );
        check(
            "SLATAH within 5 %",
            rel(s.sla.slatah * 100.0, r.slatah_pct) <= 0.05,
            format!("{:.4} % vs {} %", s.sla.slatah * 100.0, r.slatah_pct),
        );
        check(
            "SLAV within 5 %",
            rel(s.degradation.slav * 100.0, r.slav_pct) <= 0.05,
            format!("{:.6} % vs {} %", s.degradation.slav * 100.0, r.slav_pct),
        );
        check(
            "PDM to the printed precision",
            (s.degradation.pdm * 100.0 - r.pdm_pct).abs() <= 0.005 + 1e-9,
            format!("{:.4} % vs {} %", s.degradation.pdm * 100.0, r.pdm_pct),
        );
        check(
            "overall SLA violation to the printed precision",
            (s.sla.overall_sla_violation * 100.0 - r.overall_pct).abs() <= 0.005 + 1e-9,
            format!(
                "{:.4} % vs {} %",
                s.sla.overall_sla_violation * 100.0,
                r.overall_pct
            ),
        );
        check(
            "average SLA violation within 5 %",
            rel(s.sla.average_sla_violation * 100.0, r.average_pct) <= 0.05,
            format!(
                "{:.4} % vs {} %",
                s.sla.average_sla_violation * 100.0,
                r.average_pct
            ),
        );
        check(
            "host shutdowns within 3 %",
            rel(s.sla.host_shutdowns as f64, r.host_shutdowns as f64) <= 0.03,
            format!("{} vs {}", s.sla.host_shutdowns, r.host_shutdowns),
        );
        check(
            "SLAV = SLATAH x PDM, ESV = E x SLAV",
            s.degradation.slav == s.sla.slatah * s.degradation.pdm
                && s.degradation.esv == s.energy.energy_kwh * s.degradation.slav,
            format!("{} {} {}", s.degradation.slav, s.sla.slatah, s.degradation.pdm),
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn lr_and_lrr_are_identical_as_in_cloudsim() {
    let s = run_all(vec![("lr-mmt".into(), vec![]), ("lrr-mmt".into(), vec![])]);
    assert_eq!(
        format!("{:?}", s[0]).replace("lrr-mmt", "lr-mmt"),
        format!("{:?}", s[1]).replace("lrr-mmt", "lr-mmt")
    );
}

#[test]
fn random_selection_matches_cloudsim_on_average() {
    // CloudSim's two runs of LR-RS (docs/CLOUDSIM.md §1 and §4.2): 152.33 kWh /
    // 22,967 migrations and 153.82 kWh / 23,392.
    const ENERGY_KWH: f64 = (152.33 + 153.82) / 2.0;
    const MIGRATIONS: f64 = (22_967.0 + 23_392.0) / 2.0;
    let seeds = [1u64, 2, 3, 4, 5, 6];
    let jobs = seeds
        .iter()
        .map(|s| ("lr-rs".to_string(), vec![format!("simulation.seed={s}")]))
        .collect();
    let summaries = run_all(jobs);
    let n = summaries.len() as f64;
    let energy = summaries.iter().map(|s| s.energy.energy_kwh).sum::<f64>() / n;
    let migrations = summaries
        .iter()
        .map(|s| s.migration_counts.migrations as f64)
        .sum::<f64>()
        / n;
    eprintln!(
        "LR-RS over {} seeds: {energy:.2} kWh, {migrations:.0} migrations",
        seeds.len()
    );
    assert!(
        rel(energy, ENERGY_KWH) <= 0.03,
        "mean energy {energy:.2} kWh vs CloudSim {ENERGY_KWH:.2}"
    );
    assert!(
        rel(migrations, MIGRATIONS) <= 0.03,
        "mean migrations {migrations:.0} vs CloudSim {MIGRATIONS:.0}"
    );
    // Seeds matter (the draw is random) and each seed repeats exactly.
    assert_ne!(summaries[0].energy.energy_kwh, summaries[1].energy.energy_kwh);
    let again = run("lr-rs", &["simulation.seed=1".to_string()]);
    assert_eq!(format!("{again:?}"), format!("{:?}", summaries[0]));
}

/// The same scenario files on every other PlanetLab day: no tuning to
/// 20110303. CloudSim's numbers for these days are not in `docs/CLOUDSIM.md`, so
/// this checks that each day runs and lands where consolidation should: far
/// below DVFS (which keeps every VM where it started), with migrations
/// happening and SLA figures in range.
#[test]
fn every_planetlab_day_runs_with_the_same_files() {
    let traces = concat!(env!("CARGO_MANIFEST_DIR"), "/../../traces/planetlab");
    let days: Vec<String> = std::fs::read_dir(traces)
        .expect("traces/planetlab")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir() && e.file_name().to_string_lossy().starts_with("2011"))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(days.len(), 10, "the ten PlanetLab days");
    let jobs = days
        .iter()
        .flat_map(|day| {
            // `--set` paths are relative to the working directory, as on a command line.
            let o = vec![
                format!("workload.path={traces}/{day}"),
                format!("workload.order={traces}/cloudsim_listfiles_order/{day}.txt"),
            ];
            [("lr-mmt".to_string(), o.clone()), ("dvfs".to_string(), o)]
        })
        .collect();
    let summaries = run_all(jobs);
    for (day, pair) in days.iter().zip(summaries.chunks(2)) {
        let (lr, dvfs) = (&pair[0], &pair[1]);
        eprintln!(
            "{day}: {} VMs, LR-MMT {:.2} kWh, {} migrations, SLAV {:.5} %; DVFS {:.2} kWh",
            lr.run.vms,
            lr.energy.energy_kwh,
            lr.migration_counts.migrations,
            lr.degradation.slav * 100.0,
            dvfs.energy.energy_kwh
        );
        assert!(
            lr.energy.energy_kwh < 0.5 * dvfs.energy.energy_kwh,
            "{day}: consolidation saves energy"
        );
        assert!(lr.migration_counts.migrations > 1000, "{day}: VMs migrate");
        assert!(
            lr.sla.slatah > 0.0 && lr.sla.slatah < 0.2,
            "{day}: SLATAH {}",
            lr.sla.slatah
        );
        assert!(
            lr.degradation.pdm > 0.0 && lr.degradation.pdm < 0.01,
            "{day}: PDM {}",
            lr.degradation.pdm
        );
    }
}
