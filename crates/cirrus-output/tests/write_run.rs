//! Writing a run: the files, their headers, and what a failed write leaves.

use cirrus::consolidation::MigrationReason;
use cirrus::metrics::{
    ActivitySummary, AvailabilitySummary, ConsolidationSummary, DegradationSummary, EnergySummary,
    FailureSummary, HostRecord, IntervalRecord, MigrationCosts, MigrationCounts, MigrationRecord,
    PlacementSummary, RunResult, RunSummary, SlaSummary, Summary, VmFates, VmRecord, VmStatus,
};
use cirrus::migration::{ModelKind, StopReason};
use cirrus_output::{Selection, write_run};

fn result() -> RunResult {
    RunResult {
        summary: Summary {
            run: RunSummary {
                scenario: "tiny".into(),
                seed: 7,
                hosts: 1,
                vms: 1,
                vms_placed: 1,
                vms_rejected: 0,
                vms_finished: 0,
                simulated_s: 600.0,
                last_step_s: 600.0,
                steps: 2,
                events: 2,
                vm_steps: 2,
            },
            energy: EnergySummary {
                energy_kwh: 0.01,
                network_energy_kwh: 0.0,
                cooling_energy_kwh: 0.0,
                migration_energy_kwh: 0.0,
                total_energy_kwh: 0.01,
            },
            activity: ActivitySummary {
                active_racks_mean: 1.0,
                active_hosts_mean: 1.0,
                active_hosts_min: 1,
                active_hosts_max: 1,
            },
            sla: SlaSummary {
                host_shutdowns: 0,
                time_before_host_shutdown_mean_s: f64::NAN,
                time_before_host_shutdown_std_s: f64::NAN,
                slatah: 0.0,
                overall_sla_violation: 0.0,
                average_sla_violation: 0.0,
                requested_mips_s: 300_000.0,
                allocated_mips_s: 300_000.0,
            },
            migration_counts: MigrationCounts {
                migrations: 1,
                migrations_overload: 1,
                migrations_underload: 0,
            },
            degradation: DegradationSummary {
                pdm: 0.001,
                pdm_per_vm_mean: 0.001,
                slav: 0.0,
                esv: 0.0,
                time_before_vm_migration_mean_s: 13.92,
                time_before_vm_migration_std_s: f64::NAN,
            },
            migration_costs: MigrationCosts {
                migration_downtime_s: 0.0,
                migration_downtime_mean_s: 0.0,
                migration_downtime_p99_s: 0.0,
                migration_data_mb: 870.0,
                migration_time_mean_s: 10.0,
                migrations_scripted: 0,
                migrations_evacuation: 0,
                migrations_refused: 0,
            },
            availability: AvailabilitySummary {
                vm_downtime_s: 0.0,
                vm_downtime_migration_s: 0.0,
                vm_downtime_restart_s: 0.0,
                vm_downtime_crash_s: 0.0,
                vm_availability_mean: 1.0,
                vm_availability_min: 1.0,
                availability_target: 0.9995,
                availability_violations: 0,
            },
            failures: FailureSummary {
                host_failures: 0,
                host_crashes: 0,
                host_mtbf_s: f64::NAN,
                host_mttr_s: f64::NAN,
                host_availability: 1.0,
                host_reliability: 1.0,
                vm_losses: 0,
                vm_restarts: 0,
                vms_evacuated: 0,
                migrations_aborted: 0,
            },
            fates: VmFates {
                vms_undisturbed: 0,
                vms_migrated: 1,
                vms_restarted: 0,
                vms_down_at_end: 0,
                vms_unplaced: 0,
            },
            consolidation: ConsolidationSummary {
                consolidation_rounds: 2,
            },
            real_time: None,
            placement: PlacementSummary {
                placement_hosts: 1,
                placement_racks: 1,
                placement_lower_bound_hosts: 1,
                placement_gap: 0.0,
                placement_inter_host_traffic_mbps: 0.0,
                placement_inter_rack_traffic_mbps: 0.0,
                placement_total_traffic_mbps: 0.0,
                placement_anti_collocation_violations: 0,
                placement_constraint_violations: 0,
                placement_trace_overloaded_hosts: 0,
            },
            power_states: Default::default(),
            move_waits: None,
        },
        intervals: vec![IntervalRecord {
            time_s: 300.0,
            active_hosts: 1,
            active_racks: 1,
            power_w: 120.5,
            energy_kwh: 0.01,
            requested_mips: 1000.0,
            allocated_mips: 1000.0,
            overloaded_hosts: 1,
            migrations: 1,
            sla_violation_s: 13.92,
            migrations_overload: 1,
            migrations_underload: 0,
            migrations_evacuation: 0,
            migrations_scripted: 0,
            hosts_on: 1,
            hosts_off: 0,
            hosts_asleep: 0,
            hosts_in_transition: 0,
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
            energy_on_kwh: 0.01,
            energy_off_kwh: 0.0,
            energy_sleep_kwh: 0.0,
            energy_transition_kwh: 0.0,
            boots: 0,
            sleeps: 0,
        }],
        vms: vec![VmRecord {
            vm: 0,
            vm_type: "small".into(),
            trace: "a b".into(),
            host: Some(0),
            finished_at_s: None,
            requested_mips_s: 300_000.0,
            allocated_mips_s: 300_000.0,
            migrations: 1,
            downtime_s: 0.0,
            losses: 0,
            status: VmStatus::Migrated,
            availability: 1.0,
        }],
        migrations: vec![MigrationRecord {
            start_s: 300.1,
            end_s: 314.02,
            vm: 0,
            source: 1,
            target: 0,
            duration_s: 13.92,
            downtime_s: 0.0,
            data_mb: 870.0,
            reason: MigrationReason::Overload,
            model: ModelKind::FixedDelay,
            rounds: 0,
            faults: 0,
            stop_reason: Some(StopReason::FixedDelay),
            predicted_downtime_s: 0.0,
            predicted_total_s: 13.92,
            max_downtime_s: None,
            chosen_on_downtime_s: None,
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
    assert_eq!(
        names,
        [
            "intervals.csv",
            "hosts.csv",
            "vms.csv",
            "migrations.csv",
            "summary.json"
        ]
    );
    let intervals = std::fs::read_to_string(dir.path().join("intervals.csv")).unwrap();
    assert_eq!(
        intervals,
        "time_s,active_hosts,active_racks,power_w,energy_kwh,requested_mips,allocated_mips,overloaded_hosts,\
         migrations,sla_violation_s,migrations_overload,migrations_underload,migrations_evacuation,\
         migrations_scripted,hosts_on,hosts_off,hosts_asleep,hosts_in_transition\n\
         300.0,1,1,120.5,0.01,1000.0,1000.0,1,1,13.92,1,0,0,0,1,0,0,0\n"
    );
    let vms = std::fs::read_to_string(dir.path().join("vms.csv")).unwrap();
    assert!(vms.contains("0,small,a b,0,,300000.0,300000.0,1"), "{vms}");
    let migrations = std::fs::read_to_string(dir.path().join("migrations.csv")).unwrap();
    assert!(
        migrations
            .ends_with("300.1,314.02,0,1,0,13.92,0.0,870.0,overload,cloudsim,0,0,fixed-delay,0.0,13.92\n"),
        "{migrations}"
    );
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
        migrations: false,
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

#[test]
fn an_empty_migration_table_still_has_its_header() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = result();
    let with_rows = cirrus_output::csv_bytes(&r.migrations).unwrap();
    let header = String::from_utf8(with_rows)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(header, MigrationRecord::COLUMNS.join(","));
    r.migrations.clear();
    write_run(&r, dir.path(), Selection::default()).unwrap();
    let text = std::fs::read_to_string(dir.path().join("migrations.csv")).unwrap();
    assert_eq!(text.trim_end(), header);
}
