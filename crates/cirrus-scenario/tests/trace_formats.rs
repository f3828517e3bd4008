//! Workload trace formats with lifetimes (Azure, Google 2011, Bitbrains, SWF)
//! as scenario workloads: every VM is placed at its arrival, not before, and
//! leaves at its departure; runs pass the auditor.

use std::path::{Path, PathBuf};

use cirrus::audit::Auditor;
use cirrus::datacenter::VmId;

fn data(format: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../cirrus-traces/tests/data")
        .join(format)
}

fn scenario(workload: &str) -> String {
    format!(
        r#"[simulation]
name = "trace-formats"
duration_s = 7200.0
scheduling_interval_s = 60.0
seed = 1

[[host_types]]
name = "big"
mips_per_core = 3000
cores = 64
ram_mb = 262144
bw_mbps = 10000
power = {{ model = "linear", max_w = 400.0, static_fraction = 0.5 }}

[hosts]
count = 4
types = ["big"]

[[vm_types]]
name = "v"
mips = 2000
cores = 2
ram_mb = 2048
bw_mbps = 100

[workload]
{workload}
"#
    )
}

/// Runs the scenario audited; checks arrivals and departures against the lifetimes.
fn run(text: &str) -> (cirrus::metrics::RunResult, Vec<cirrus::simulation::VmLifetime>) {
    let s = cirrus_scenario::load_str(text, Path::new("formats.toml"), &[]).unwrap();
    let lifetimes = s.lifetimes.clone().expect("a trace format with lifetimes");
    let mut auditor = Auditor::new();
    let mut problems = Vec::new();
    let r = s
        .simulation()
        .unwrap()
        .run_observed(|o| {
            if let Err(e) = auditor.check(o) {
                problems.push(e.to_string());
            }
            for (i, l) in lifetimes.iter().enumerate() {
                let here = o.datacenter.host_of(VmId(i as u32)).is_some();
                if here && (o.time_s < l.arrival_s || l.departure_s.is_some_and(|d| o.time_s > d)) {
                    problems.push(format!("VM {i} on a host at {} s, lifetime {l:?}", o.time_s));
                }
            }
        })
        .unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    (r, lifetimes)
}

fn check_departures(r: &cirrus::metrics::RunResult, lifetimes: &[cirrus::simulation::VmLifetime]) {
    for (v, l) in r.vms.iter().zip(lifetimes) {
        match l.departure_s {
            Some(d) if d <= 7200.0 => assert_eq!(v.finished_at_s, Some(d), "{v:?} {l:?}"),
            _ => assert!(v.host.is_some(), "{v:?} {l:?}"),
        }
    }
    assert_eq!(r.summary.run.vms_rejected, 0);
}

#[test]
fn swf_jobs_arrive_at_their_start_and_leave_after_their_run_time() {
    let path = data("swf").join("tiny.swf");
    let (r, lifetimes) = run(&scenario(&format!(
        "format = \"swf\"\npath = {:?}",
        path.to_str().unwrap()
    )));
    // Jobs 1, 2 and 4 ran (job 3 has run time 0): starts 10, 5 (wait unknown), 30,
    // rebased to the first at t = 0; they run 100, 200 and 60 s.
    let mut got: Vec<(f64, Option<f64>)> = lifetimes.iter().map(|l| (l.arrival_s, l.departure_s)).collect();
    got.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(
        got,
        vec![(0.0, Some(200.0)), (5.0, Some(105.0)), (25.0, Some(85.0))]
    );
    check_departures(&r, &lifetimes);
    assert_eq!(r.summary.run.vms_placed, 3);
    assert_eq!(r.summary.run.vms_finished, 3);
}

#[test]
fn azure_bitbrains_and_google_traces_run() {
    let azure = data("azure");
    for workload in [
        format!(
            "format = \"azure\"\npath = {:?}\nvmtable = {:?}",
            azure.to_str().unwrap(),
            azure.join("vmtable.csv").to_str().unwrap()
        ),
        format!(
            "format = \"bitbrains\"\npath = {:?}",
            data("bitbrains").to_str().unwrap()
        ),
        format!(
            "format = \"google\"\npath = {:?}",
            data("google").to_str().unwrap()
        ),
    ] {
        let (r, lifetimes) = run(&scenario(&workload));
        assert!(!lifetimes.is_empty());
        check_departures(&r, &lifetimes);
        assert!(r.summary.energy.energy_kwh > 0.0, "{workload}");
    }
}

#[test]
fn format_options_are_checked_by_key() {
    let path = data("swf").join("tiny.swf");
    let e = cirrus_scenario::load_str(
        &scenario(&format!(
            "format = \"swf\"\npath = {:?}\ncpu = \"max\"",
            path.to_str().unwrap()
        )),
        Path::new("formats.toml"),
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("workload.cpu: not used by the swf format"), "{e}");
    let e = cirrus_scenario::load_str(
        &scenario(&format!(
            "format = \"azure\"\npath = {:?}\ncpu = \"p95\"",
            data("azure").to_str().unwrap()
        )),
        Path::new("formats.toml"),
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("workload.cpu: unknown CPU column \"p95\""), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.swf");
    std::fs::write(&broken, "; header\n1 0 10 100 4\n").unwrap();
    let e = cirrus_scenario::load_str(
        &scenario(&format!(
            "format = \"swf\"\npath = {:?}",
            broken.to_str().unwrap()
        )),
        Path::new("formats.toml"),
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("broken.swf:2"), "{e}");
}

#[test]
fn synthetic_vms_arrive_as_a_poisson_process_and_live_drawn_lifetimes() {
    let text = scenario(
        "format = \"synthetic\"\ndistribution = { kind = \"diurnal\", peak_hour = 14.0, base = 0.2, amplitude = 0.3, \
         burst_rate_per_h = 2.0, burst_height = 0.3, burst_mean_s = 300.0 }\n\n[workload.lifetimes]\nat_start = 5\n\
         arrivals_per_h = 30.0\nlifetime = { dist = \"exponential\", mean_s = 1800.0 }\n\n[vms]\ncount = 40\n",
    );
    let (r, lifetimes) = run(&text);
    assert_eq!(lifetimes.len(), 40);
    assert!(lifetimes[..5].iter().all(|l| l.arrival_s == 0.0));
    assert!(
        lifetimes[5..]
            .windows(2)
            .all(|w| w[0].arrival_s <= w[1].arrival_s)
    );
    assert!(lifetimes[5].arrival_s > 0.0);
    // 35 arrivals at 30 per hour: about 70 minutes.
    let last = lifetimes[39].arrival_s;
    assert!((1800.0..9000.0).contains(&last), "{last}");
    check_departures(&r, &lifetimes);
    // Reproducible: same seed, same lifetimes.
    let again = cirrus_scenario::load_str(&text, Path::new("formats.toml"), &[]).unwrap();
    assert_eq!(again.lifetimes.unwrap(), lifetimes);
}
