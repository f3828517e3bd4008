//! Host failures (issue 7): evacuation by live migration against the
//! baseline, every VM accounted for, a hand-computed failure trace, and
//! errors that name the file, line and key.

mod common;

use common::{run_audited, scenarios};

use cirrus::consolidation::MigrationReason;
use cirrus::metrics::{RunResult, VmStatus};
use cirrus::migration::StopReason;

/// Every VM is in exactly one final state, and the states agree with the
/// per-VM records and the event counts.
fn assert_accounted(r: &RunResult) {
    let s = &r.summary;
    assert_eq!(
        s.fates.vms_undisturbed
            + s.fates.vms_migrated
            + s.fates.vms_restarted
            + s.fates.vms_down_at_end
            + s.fates.vms_unplaced,
        s.run.vms as u64
    );
    for (status, n) in [
        (VmStatus::Undisturbed, s.fates.vms_undisturbed),
        (VmStatus::Migrated, s.fates.vms_migrated),
        (VmStatus::Restarted, s.fates.vms_restarted),
        (VmStatus::Down, s.fates.vms_down_at_end),
        (VmStatus::Unplaced, s.fates.vms_unplaced),
    ] {
        assert_eq!(
            r.vms.iter().filter(|v| v.status == status).count() as u64,
            n,
            "{status:?}"
        );
    }
    // Every loss ends in a restart, or the VM is still down at the end.
    let losses: u64 = r.vms.iter().map(|v| u64::from(v.losses)).sum();
    assert_eq!(losses, s.failures.vm_losses);
    assert_eq!(
        s.failures.vm_losses,
        s.failures.vm_restarts + s.fates.vms_down_at_end
    );
    for v in &r.vms {
        assert_eq!(
            v.host.is_some(),
            matches!(
                v.status,
                VmStatus::Undisturbed | VmStatus::Migrated | VmStatus::Restarted
            )
        );
        assert!(v.availability.is_nan() || (0.0..=1.0).contains(&v.availability));
    }
    let downtime: f64 = r.vms.iter().map(|v| v.downtime_s).sum();
    assert!((downtime - s.availability.vm_downtime_s).abs() <= 1e-9 * downtime.max(1.0));
    assert!(
        (s.availability.vm_downtime_migration_s
            + s.availability.vm_downtime_restart_s
            + s.availability.vm_downtime_crash_s
            - s.availability.vm_downtime_s)
            .abs()
            <= 1e-9 * s.availability.vm_downtime_s.max(1.0)
    );
}

#[test]
fn evacuation_loses_fewer_vms_and_keeps_them_more_available() {
    let path = scenarios().join("failures/degraded.toml");
    let with = run_audited(&path, &[]);
    let without = run_audited(&path, &["failures.evacuate=false"]);
    let (a, b) = (&with.summary, &without.summary);
    // The same failures (drawn from their own streams) either way.
    assert_eq!(
        (a.failures.host_failures, a.failures.host_crashes),
        (b.failures.host_failures, b.failures.host_crashes)
    );
    assert!(
        a.failures.host_failures > a.failures.host_crashes && a.failures.host_crashes > 0,
        "{a:?}"
    );
    assert!(a.failures.vms_evacuated > 0);
    assert!(
        a.failures.vm_losses < b.failures.vm_losses,
        "{} vs {}",
        a.failures.vm_losses,
        b.failures.vm_losses
    );
    assert!(a.availability.vm_availability_mean > b.availability.vm_availability_mean);
    assert!(a.availability.vm_downtime_s < b.availability.vm_downtime_s);
    assert!(a.availability.availability_violations <= b.availability.availability_violations);
    assert_eq!(b.migration_counts.migrations, 0);
    assert_accounted(&with);
    assert_accounted(&without);
    eprintln!(
        "degraded: with evacuation {} losses, availability {:.6}; without {} losses, {:.6}",
        a.failures.vm_losses,
        a.availability.vm_availability_mean,
        b.failures.vm_losses,
        b.availability.vm_availability_mean
    );
}

#[test]
fn crashes_are_restarted_and_every_vm_is_accounted_for() {
    let r = run_audited(&scenarios().join("failures/crashes.toml"), &[]);
    let s = &r.summary;
    assert!(s.failures.host_failures > 10, "{}", s.failures.host_failures);
    assert_eq!(s.failures.host_failures, s.failures.host_crashes);
    assert!(s.failures.vm_losses > 0 && s.failures.vm_restarts > 0);
    assert_eq!(
        s.migration_counts.migrations, 0,
        "crashes give no time to migrate"
    );
    // Each restart takes at least the delay; capacity was never short here.
    assert!((s.availability.vm_downtime_restart_s - 120.0 * s.failures.vm_losses as f64).abs() < 1e-6);
    assert!(s.failures.host_mtbf_s.is_finite() && s.failures.host_mttr_s.is_finite());
    assert!(s.failures.host_availability < 1.0 && s.failures.host_reliability < 1.0);
    assert_accounted(&r);
}

/// Three hosts; both VMs start on host 0 (first fit).
const SMALL: &str = r#"[simulation]
name = "failure-trace"
duration_s = 10000.0
scheduling_interval_s = 100.0
seed = 1

[energy]
off_rule = "never"

[[host_types]]
name = "h"
mips_per_core = 1000
cores = 4
ram_mb = 4096
bw_mbps = 1000
power = { model = "linear", max_w = 200.0, static_fraction = 0.5 }

[hosts]
count = 3
types = ["h"]

[[vm_types]]
name = "v"
mips = 1000
ram_mb = 1000
bw_mbps = 100

[vms]
count = 2

[workload]
format = "synthetic"
distribution = { kind = "constant", value = 0.5 }

[placement]
policy = "ff"

[migration]
name = "stop-and-copy"

[failures]
restart_delay_s = 100.0
trace = "failures.csv"
"#;

#[test]
fn a_failure_trace_gives_the_hand_computed_downtimes() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("small.toml");
    std::fs::write(&scenario, SMALL).unwrap();
    // Host 0 announces at 800 s and fails at 1000 s; host 1 crashes at 2000 s.
    std::fs::write(
        dir.path().join("failures.csv"),
        "host,start_s,end_s,kind,warning_s\n0,1000,5000,degraded,200\n1,2000,3000,crash,\n",
    )
    .unwrap();
    let r = run_audited(&scenario, &[]);
    let s = &r.summary;
    // At 800 s both VMs leave host 0 for host 1 by stop-and-copy, sharing host 0's
    // 1 Gbit/s link: 2 x 1000 MB at 125 MB/s, 16 s, all of it downtime.
    assert_eq!(r.migrations.len(), 2);
    for m in &r.migrations {
        assert_eq!(
            (m.reason, m.source, m.target, m.stop_reason),
            (MigrationReason::Evacuation, 0, 1, Some(StopReason::StopAndCopy))
        );
        assert_eq!(m.start_s, 800.0);
        assert!(
            (m.duration_s - 16.0).abs() < 1e-9 && (m.downtime_s - 16.0).abs() < 1e-9,
            "{m:?}"
        );
    }
    // At 2000 s host 1 crashes: both lost, restarted 100 s later on host 2
    // (host 0 is down until 5000 s).
    assert_eq!((s.failures.host_failures, s.failures.host_crashes), (2, 1));
    assert_eq!(
        (
            s.failures.vm_losses,
            s.failures.vm_restarts,
            s.failures.vms_evacuated
        ),
        (2, 2, 2)
    );
    for v in &r.vms {
        assert_eq!((v.host, v.losses, v.status), (Some(2), 1, VmStatus::Restarted));
        assert!((v.downtime_s - 116.0).abs() < 1e-9, "{v:?}");
        assert!((v.availability - (1.0 - 116.0 / 10000.0)).abs() < 1e-12);
    }
    assert!((s.availability.vm_downtime_restart_s - 200.0).abs() < 1e-9);
    assert_eq!(s.availability.vm_downtime_crash_s, 0.0);
    assert_eq!(s.availability.availability_violations, 2);
    // Down 4000 s + 1000 s of 30,000 host-seconds; two failures.
    assert!((s.failures.host_availability - (1.0 - 5000.0 / 30000.0)).abs() < 1e-12);
    assert!((s.failures.host_mtbf_s - 25000.0 / 2.0).abs() < 1e-9);
    assert!((s.failures.host_mttr_s - 2500.0).abs() < 1e-9);
    assert!((s.failures.host_reliability - 1.0 / 3.0).abs() < 1e-12);
    assert_accounted(&r);
    // A failed host draws nothing, even with `off_rule = "never"`: host 0 is
    // down 4000 s of the 10,000, host 1 1000 s; host 2 is up throughout.
    let e = |h: usize| r.hosts[h].energy_kwh;
    assert!(e(0) < e(2) && e(1) < e(2));

    // Without evacuation both VMs are lost at 1000 s and restart at 1100 s on
    // host 1, then again at 2000 s (host 1 crashes) and 2100 s on host 2.
    let r = run_audited(&scenario, &["failures.evacuate=false"]);
    assert_eq!(
        (
            r.summary.failures.vm_losses,
            r.summary.failures.vm_restarts,
            r.summary.migration_counts.migrations
        ),
        (4, 4, 0)
    );
    for v in &r.vms {
        assert!((v.downtime_s - 200.0).abs() < 1e-9, "{v:?}");
    }
    assert_accounted(&r);
}

#[test]
fn a_full_datacenter_makes_lost_vms_wait() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("small.toml");
    // One host only: a crash leaves nowhere to restart until the repair.
    std::fs::write(
        &scenario,
        SMALL
            .replace("count = 3", "count = 1")
            .replace("[placement]", "[availability]\ntarget = 0.5\n\n[placement]"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("failures.csv"),
        "host,start_s,end_s,kind\n0,1000,4000,crash\n",
    )
    .unwrap();
    let r = run_audited(&scenario, &[]);
    for v in &r.vms {
        // Down from 1000 s until the repair at 4000 s: 100 s of restart delay, 2900 s waiting.
        assert!((v.downtime_s - 3000.0).abs() < 1e-9, "{v:?}");
    }
    assert!((r.summary.availability.vm_downtime_restart_s - 200.0).abs() < 1e-9);
    assert!((r.summary.availability.vm_downtime_crash_s - 5800.0).abs() < 1e-9);
    assert_eq!(r.summary.availability.availability_violations, 0);
    assert_accounted(&r);
}

#[test]
fn bad_failure_input_names_the_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("small.toml");
    std::fs::write(&scenario, SMALL).unwrap();
    let error = |csv: &str| {
        std::fs::write(dir.path().join("failures.csv"), csv).unwrap();
        cirrus_scenario::load(&scenario, &[]).unwrap_err().to_string()
    };
    let e = error("host,start_s,end_s,kind\n0,10,20,crash\n7,1,2,crash\n");
    assert!(e.contains("failures.csv:3: host: 7 does not exist"), "{e}");
    assert!(
        e.contains("small.toml:43:") && e.contains("failures.trace"),
        "{e}"
    );
    let e = error("host,start_s,end_s,kind\n0,10,20,boom\n");
    assert!(e.contains("failures.csv:2: kind"), "{e}");

    let processes = SMALL.replace(
        "trace = \"failures.csv\"\n",
        "\n[[failures.process]]\nhost_types = [\"h\"]\nttf = { dist = \"weibull\", shape = 0.7 }\nttr = { dist = \"constant\", value_s = 60.0 }\n",
    );
    let e = cirrus_scenario::load_str(&processes, &scenario, &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("failures.process[0].ttf.scale_s") && e.contains("small.toml:46:"),
        "{e}"
    );
    let e = cirrus_scenario::load_str(
        &processes.replace("host_types = [\"h\"]", "host_types = [\"g\"]"),
        &scenario,
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("failures.process[0].host_types[0]: unknown host type \"g\""),
        "{e}"
    );
    let e = cirrus_scenario::load_str(&SMALL.replace("trace = \"failures.csv\"\n", ""), &scenario, &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("failures: missing `trace`"), "{e}");
    let e = cirrus_scenario::load_str(&SMALL.replace("100.0\ntrace", "-1.0\ntrace"), &scenario, &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("failures.restart_delay_s"), "{e}");
}
