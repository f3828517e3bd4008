//! Whole-scenario benchmarks: the CloudSim PlanetLab configurations end to end.
//!
//! `scenario/dvfs/run` times one simulated day (800 hosts, 1052 VMs, 287 steps,
//! no migrations) from a loaded scenario; `scenario/lr-mmt/run` the same day
//! with dynamic consolidation (LR 1.2 overload detection, MMT selection,
//! PABFD, about 27,600 migrations); `load+run` adds parsing the TOML and
//! reading the 1052 trace files. Throughput is in simulated VM-steps.
//!
//! CloudSim 4.0 on the same kind of 2-core machine: DVFS 5.31 s, LR-MMT
//! 13.98 s with its logging off (38.1 s as its example ships);
//! `benches/vs-cloudsim.sh` prints the ratio for a whole process run.
#![allow(missing_docs)] // criterion_main! generates an undocumented `main`.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn scenario_path(name: &str) -> String {
    format!(
        "{}/../scenarios/planetlab-20110303-{name}.toml",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn day(c: &mut Criterion, name: &str) {
    let path = scenario_path(name);
    let scenario = cirrus_scenario::load(Path::new(&path), &[]).expect("the shipped scenario loads");
    let steps = (scenario.config.duration_s / scenario.config.scheduling_interval_s).floor() as u64;
    let vm_steps = steps * scenario.spec.vms.len() as u64;
    let mut group = c.benchmark_group(format!("scenario/{name}"));
    group.sample_size(20);
    group.throughput(Throughput::Elements(vm_steps));
    group.bench_function("run", |b| {
        b.iter(|| {
            let sim = scenario.simulation().expect("valid");
            sim.run().expect("runs").summary.energy.energy_kwh
        })
    });
    group.bench_function("load+run", |b| {
        b.iter(|| {
            let s = cirrus_scenario::load(Path::new(&path), &[]).expect("loads");
            s.into_simulation()
                .expect("valid")
                .run()
                .expect("runs")
                .summary
                .energy
                .energy_kwh
        })
    });
    group.finish();
}

fn dvfs(c: &mut Criterion) {
    day(c, "dvfs");
}

fn lr_mmt(c: &mut Criterion) {
    day(c, "lr-mmt");
}

criterion_group!(benches, dvfs, lr_mmt);
criterion_main!(benches);
