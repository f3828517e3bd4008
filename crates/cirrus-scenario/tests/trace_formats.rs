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
    // Jobs 1, 2 and 4 ran 100, 200 and 60 s, job 3 under half a second (run time 0:
    // kept as 0.25 s); starts 10, 5 (wait unknown), 20, 30, rebased to the first at t = 0.
    let mut got: Vec<(f64, Option<f64>)> = lifetimes.iter().map(|l| (l.arrival_s, l.departure_s)).collect();
    got.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(
        got,
        vec![
            (0.0, Some(200.0)),
            (5.0, Some(105.0)),
            (15.0, Some(15.25)),
            (25.0, Some(85.0))
        ]
    );
    check_departures(&r, &lifetimes);
    assert_eq!(r.summary.run.vms_placed, 4);
    assert_eq!(r.summary.run.vms_finished, 4);
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

/// Loads a scenario (no run) with `workload`.
fn load(workload: &str) -> Result<cirrus_scenario::Scenario, String> {
    cirrus_scenario::load_str(&scenario(workload), Path::new("formats.toml"), &[]).map_err(|e| e.to_string())
}

#[test]
fn each_formats_habits_are_scenario_keys_and_the_report_travels_with_the_scenario() {
    let swf = data("swf").join("tiny.swf");
    let swf = swf.to_str().unwrap();
    // SWF: run time 0 kept by default, skipped by choice; counted either way.
    let s = load(&format!("format = \"swf\"\npath = {swf:?}")).unwrap();
    let report = s.trace_report.as_ref().unwrap();
    assert_eq!(
        (
            report.format.as_str(),
            report.vms_read,
            report.zero_runtime_jobs_kept
        ),
        ("swf", 4, 1)
    );
    assert_eq!(s.spec.traces.len(), 4);
    let s = load(&format!(
        "format = \"swf\"\npath = {swf:?}\nzero_run_time = \"skip\""
    ))
    .unwrap();
    let report = s.trace_report.as_ref().unwrap();
    assert_eq!((report.vms_read, report.vms_skipped_total()), (3, 1));
    let e = load(&format!(
        "format = \"swf\"\npath = {swf:?}\nzero_run_time = \"drop\""
    ))
    .unwrap_err();
    assert!(e.contains("workload.zero_run_time"), "{e}");
    assert!(e.contains("expected `keep` or `skip`"), "{e}");

    // Azure: VMs leave at their last reading unless `departure = "deletion"`.
    let azure = data("azure");
    let vmtable = azure.join("vmtable.csv");
    let base = format!(
        "format = \"azure\"\npath = {:?}\nvmtable = {:?}\nrebase = false",
        azure.to_str().unwrap(),
        vmtable.to_str().unwrap()
    );
    let s = load(&base).unwrap();
    assert_eq!(s.trace_report.as_ref().unwrap().vms_leaving_at_last_reading, 1);
    let departures = |s: &cirrus_scenario::Scenario| -> Vec<Option<f64>> {
        s.lifetimes
            .as_ref()
            .unwrap()
            .iter()
            .map(|l| l.departure_s)
            .collect()
    };
    assert_eq!(departures(&s), [Some(1200.0), Some(1500.0)]);
    let s = load(&format!("{base}\ndeparture = \"deletion\"")).unwrap();
    assert_eq!(departures(&s), [Some(3600.0), Some(1500.0)]);
    assert_eq!(s.trace_report.as_ref().unwrap().vms_leaving_at_last_reading, 0);
    let e = load(&format!("{base}\ngaps = \"error\"")).unwrap_err();
    assert!(e.contains("gaps = error"), "{e}");

    // Google: absolute by default; relative to each task's peak by choice.
    let google = data("google");
    let g = format!("format = \"google\"\npath = {:?}", google.to_str().unwrap());
    let peak_of =
        |s: &cirrus_scenario::Scenario| s.spec.traces.iter().flat_map(|t| t.samples()).fold(0.0, f64::max);
    let absolute = load(&g).unwrap();
    let relative = load(&format!("{g}\nrelative_to = \"task-peak\"")).unwrap();
    assert_eq!(peak_of(&relative), 1.0);
    assert!(peak_of(&absolute) < 1.0);
    let half = load(&format!("{g}\nmachine_capacity = 0.5")).unwrap();
    assert!((peak_of(&half) - 2.0 * peak_of(&absolute)).abs() < 1e-12);
    let e = load(&format!("{g}\nmachine_capacity = 0.0")).unwrap_err();
    assert!(e.contains("workload.machine_capacity"), "{e}");
    let e = load(&format!(
        "{g}\nrelative_to = \"task-peak\"\nmachine_capacity = 0.5"
    ))
    .unwrap_err();
    assert!(e.contains("workload.machine_capacity: not used"), "{e}");

    // Bitbrains: a file with zero rows loads by default, is refused with `zero_rows = "error"`.
    let dir = tempfile::tempdir().unwrap();
    let header = std::fs::read_to_string(data("bitbrains").join("1.csv")).unwrap();
    let header = header.lines().next().unwrap();
    std::fs::write(
        dir.path().join("1.csv"),
        format!(
            "{header}\n0;\t0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0\n\
             300;\t2;\t4000.0;\t5000.0;\t125.0;\t1048576.0;\t0.0;\t0.0;\t0.0;\t0.0;\t0.0\n"
        ),
    )
    .unwrap();
    let b = format!(
        "format = \"bitbrains\"\npath = {:?}",
        dir.path().to_str().unwrap()
    );
    let s = load(&b).unwrap();
    let report = s.trace_report.as_ref().unwrap();
    assert_eq!((report.zero_rows_absent, report.readings_above_capacity), (1, 1));
    let e = load(&format!("{b}\nzero_rows = \"error\"")).unwrap_err();
    assert!(e.contains("1.csv:2") && e.contains("zero_rows = error"), "{e}");
    let e = load(&format!("{b}\nover_capacity = \"error\"")).unwrap_err();
    assert!(
        e.contains("1.csv:3") && e.contains("over_capacity = error"),
        "{e}"
    );
    let s = load(&format!("{b}\nover_capacity = \"clamp\"")).unwrap();
    assert_eq!(s.trace_report.as_ref().unwrap().readings_clamped, 1);

    // PlanetLab and synthetic workloads have no report.
    let s = load(
        "format = \"synthetic\"\ndistribution = { kind = \"constant\", value = 0.5 }\n\n[vms]\ncount = 2",
    )
    .unwrap();
    assert!(s.trace_report.is_none());
}

#[test]
fn vms_sized_from_the_trace_differ_where_the_trace_says_so() {
    let sized = |workload: &str| load(&format!("{workload}\n\n[vms]\nsizing = \"trace\"")).unwrap();
    // (cores, MIPS per core, MB) per VM, in the trace's VM order.
    let sizes = |s: &cirrus_scenario::Scenario| -> Vec<(u32, f64, u64)> {
        s.spec
            .vms
            .iter()
            .map(|v| {
                let t = &s.spec.vm_types[v.vm_type];
                (t.cores, t.mips, t.ram_mb)
            })
            .collect()
    };
    // SWF: processors (4, 8, 2, 16 by arrival: jobs 2, 1, 3, 4 → 8, 4, 2, 16) and memory
    // per processor × processors where known (job 1: 1024 KB × 4 = 4 MB; job 4: 512 KB ×
    // 16 = 8 MB); MIPS from the type (2000), as the log has none.
    let swf = data("swf").join("tiny.swf");
    let s = sized(&format!("format = \"swf\"\npath = {:?}", swf.to_str().unwrap()));
    assert_eq!(
        sizes(&s),
        [
            (8, 2000.0, 2048),
            (4, 2000.0, 4),
            (2, 2000.0, 2048),
            (16, 2000.0, 8)
        ]
    );
    // Job 3 is the type itself; the three others got derived types.
    assert_eq!(s.spec.vm_types.len(), 4);
    assert_eq!(s.spec.vm_types[1].name, "v@8x2000/2048MB");
    assert_eq!(s.vm_memory.len(), s.spec.vm_types.len());
    // The default sizing keeps every VM the type.
    let s = load(&format!("format = \"swf\"\npath = {:?}", swf.to_str().unwrap())).unwrap();
    assert!(sizes(&s).iter().all(|&z| z == (2, 2000.0, 2048)));

    // Azure with a vmtable: core and memory buckets (vmA 2 cores 4 GB; vmB >24 → 30
    // cores, >64 → 70 GB).
    let azure = data("azure");
    let s = sized(&format!(
        "format = \"azure\"\npath = {:?}\nvmtable = {:?}",
        azure.to_str().unwrap(),
        azure.join("vmtable.csv").to_str().unwrap()
    ));
    assert_eq!(sizes(&s), [(2, 2000.0, 4096), (30, 2000.0, 70 * 1024)]);

    // Bitbrains: cores × MHz per core and provisioned memory from the files.
    let s = sized(&format!(
        "format = \"bitbrains\"\npath = {:?}",
        data("bitbrains").to_str().unwrap()
    ));
    let bitbrains = cirrus_traces::read_bitbrains(
        &cirrus_traces::list_bitbrains_files(&data("bitbrains"), &Default::default()).unwrap(),
        &Default::default(),
    )
    .unwrap();
    let expected: Vec<(u32, f64, u64)> = bitbrains
        .iter()
        .map(|v| {
            (
                v.cores.unwrap(),
                v.mips_per_core.unwrap(),
                v.ram_mb.unwrap().ceil() as u64,
            )
        })
        .collect();
    assert_eq!(sizes(&s), expected);
    assert_eq!(expected[0], (2, 2000.0, 4096));

    // A job larger than every host (128 processors on 64-core hosts) is capped, counted.
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.swf");
    std::fs::write(&big, "1 0 0 100 128 -1 -1 128 -1 -1 1 1 1 1 1 1 -1 -1\n").unwrap();
    let s = sized(&format!("format = \"swf\"\npath = {:?}", big.to_str().unwrap()));
    assert_eq!(sizes(&s), [(64, 2000.0, 2048)]);
    assert_eq!(s.trace_report.as_ref().unwrap().vms_capped_to_hosts, 1);

    // Formats without sizes.
    let e = load(&format!(
        "format = \"google\"\npath = {:?}\n\n[vms]\nsizing = \"trace\"",
        data("google").to_str().unwrap()
    ))
    .map(|_| ())
    .unwrap_err();
    assert!(e.contains("vms.sizing"), "{e}");
}

#[test]
fn a_window_and_a_sample_are_scenario_keys() {
    let swf = data("swf").join("tiny.swf");
    let base = format!(
        "format = \"swf\"\npath = {:?}\nrebase = false",
        swf.to_str().unwrap()
    );
    // Arrivals 5, 10, 20, 30: the window [6, 25) keeps jobs 1 and 3.
    let s = load(&format!("{base}\nstart_s = 6.0\nend_s = 25.0")).unwrap();
    let arrivals: Vec<f64> = s
        .lifetimes
        .as_ref()
        .unwrap()
        .iter()
        .map(|l| l.arrival_s)
        .collect();
    assert_eq!(arrivals, [10.0, 20.0]);
    assert_eq!(s.trace_report.as_ref().unwrap().vms_skipped_total(), 2);
    let s = load(&format!("{base}\nsample_count = 2")).unwrap();
    assert_eq!(s.spec.traces.len(), 2);
    assert_eq!(s.trace_report.as_ref().unwrap().vms_not_sampled, 2);
    for (extra, key) in [
        ("start_s = 30.0\nend_s = 20.0", "workload.end_s"),
        ("sample_fraction = 0.0", "workload.sample_fraction"),
        ("sample_fraction = 0.5\nsample_count = 2", "workload.sample_count"),
        ("sample_count = 0", "workload.sample_count"),
        ("max_sample_mb = 0", "workload.max_sample_mb"),
    ] {
        let e = load(&format!("{base}\n{extra}")).map(|_| ()).unwrap_err();
        assert!(e.contains(key), "{extra}: {e}");
    }
}

#[test]
fn the_memory_bound_on_kept_samples_is_a_scenario_key() {
    // One Azure VM read at 0 and 300 000 intervals later: 300 001 slots of
    // 4 bytes held, over 1 MiB and under 2.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vm_cpu_readings-file-1-of-1.csv");
    std::fs::write(&file, "0,v,1,1,1\n90000000,v,1,1,1\n").unwrap();
    let base = format!("format = \"azure\"\npath = {:?}", file.to_str().unwrap());
    let e = load(&format!("{base}\nmax_sample_mb = 1"))
        .map(|_| ())
        .unwrap_err();
    assert!(
        e.contains("max_sample_mb") && e.contains("sample_fraction"),
        "{e}"
    );
    let s = load(&format!("{base}\nmax_sample_mb = 2")).unwrap();
    assert_eq!(s.trace_report.as_ref().unwrap().gap_slots_filled, 299_999);
}
