//! Writing a run: the files, their headers, and what a failed write leaves.

use cirrus::metrics::{HostRecord, IntervalRecord, RunResult, Summary, VmRecord};
use cirrus_output::{Selection, write_run};

fn result() -> RunResult {
    RunResult {
        summary: Summary {
            scenario: "tiny".into(),
            seed: 7,
            hosts: 1,
            vms: 1,
            vms_placed: 1,
            vms_finished: 0,
            simulated_s: 600.0,
            last_step_s: 600.0,
            steps: 2,
            events: 2,
            vm_steps: 2,
            energy_kwh: 0.01,
            active_hosts_mean: 1.0,
            active_hosts_min: 1,
            active_hosts_max: 1,
            host_shutdowns: 0,
            time_before_host_shutdown_mean_s: f64::NAN,
            time_before_host_shutdown_std_s: f64::NAN,
            slatah: 0.0,
            overall_sla_violation: 0.0,
            average_sla_violation: 0.0,
            requested_mips_s: 300_000.0,
            allocated_mips_s: 300_000.0,
        },
        intervals: vec![IntervalRecord {
            time_s: 300.0,
            active_hosts: 1,
            power_w: 120.5,
            energy_kwh: 0.01,
            requested_mips: 1000.0,
            allocated_mips: 1000.0,
        }],
        hosts: vec![HostRecord {
            host: 0,
            host_type: "g5".into(),
            rack: Some(3),
            energy_kwh: 0.01,
            active_s: 300.0,
            mean_utilization: 0.25,
            shutdowns: 0,
            vms_at_end: 1,
        }],
        vms: vec![VmRecord {
            vm: 0,
            vm_type: "small".into(),
            trace: "a b".into(),
            host: Some(0),
            finished_at_s: None,
            requested_mips_s: 300_000.0,
            allocated_mips_s: 300_000.0,
        }],
    }
}

#[test]
fn writes_every_selected_file_with_headers() {
    let dir = tempfile::tempdir().unwrap();
    let written = write_run(&result(), dir.path(), Selection::default()).unwrap();
    let names: Vec<_> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["intervals.csv", "hosts.csv", "vms.csv", "summary.json"]);
    let intervals = std::fs::read_to_string(dir.path().join("intervals.csv")).unwrap();
    assert_eq!(
        intervals,
        "time_s,active_hosts,power_w,energy_kwh,requested_mips,allocated_mips\n300.0,1,120.5,0.01,1000.0,1000.0\n"
    );
    let vms = std::fs::read_to_string(dir.path().join("vms.csv")).unwrap();
    assert!(vms.contains("0,small,a b,0,,300000.0,300000.0"), "{vms}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["scenario"], "tiny");
    // NaN (no shutdown happened) is written as null, never as invalid JSON.
    assert!(summary["time_before_host_shutdown_mean_s"].is_null());
}

#[test]
fn deselected_files_are_not_written_and_stale_ones_removed() {
    let dir = tempfile::tempdir().unwrap();
    write_run(&result(), dir.path(), Selection::default()).unwrap();
    let only_summary = Selection {
        intervals: false,
        hosts: false,
        vms: false,
    };
    write_run(&result(), dir.path(), only_summary).unwrap();
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["summary.json"]);
}

#[test]
fn a_failed_rewrite_leaves_no_stale_summary() {
    let dir = tempfile::tempdir().unwrap();
    write_run(&result(), dir.path(), Selection::default()).unwrap();
    // Make intervals.csv impossible to replace: a non-empty directory in its place.
    std::fs::remove_file(dir.path().join("intervals.csv")).unwrap();
    std::fs::create_dir(dir.path().join("intervals.csv")).unwrap();
    std::fs::write(dir.path().join("intervals.csv").join("x"), b"x").unwrap();
    let err = write_run(&result(), dir.path(), Selection::default()).unwrap_err();
    assert!(err.to_string().contains("intervals.csv"), "{err}");
    assert!(
        !dir.path().join("summary.json").exists(),
        "a stale summary.json would make the run look complete"
    );
}

#[test]
fn an_output_path_that_is_a_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("taken");
    std::fs::write(&file, b"x").unwrap();
    let err = write_run(&result(), &file, Selection::default()).unwrap_err();
    assert!(err.to_string().contains("taken"), "{err}");
}
