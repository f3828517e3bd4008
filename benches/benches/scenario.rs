//! Whole-scenario benchmarks: the CloudSim PlanetLab configurations end to end.
//!
//! `scenario/dvfs/run` times one simulated day (800 hosts, 1052 VMs, 287 steps)
//! from a loaded scenario; `scenario/dvfs/load+run` adds parsing the TOML and
//! reading the 1052 trace files. Throughput is in simulated VM-steps.
#![allow(missing_docs)] // criterion_main! generates an undocumented `main`.

use std::path::Path;

use cirrus::registry::build_placement_policy;
use cirrus::simulation::Simulation;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const DVFS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../scenarios/planetlab-20110303-dvfs.toml"
);

fn dvfs(c: &mut Criterion) {
    let scenario = cirrus_scenario::load(Path::new(DVFS), &[]).expect("the shipped scenario loads");
    let policy_name = scenario.file.placement.policy.clone();
    let steps = (scenario.config.duration_s / scenario.config.scheduling_interval_s).floor() as u64;
    let vm_steps = steps * scenario.spec.vms.len() as u64;
    let mut group = c.benchmark_group("scenario/dvfs");
    group.sample_size(20);
    group.throughput(Throughput::Elements(vm_steps));
    group.bench_function("run", |b| {
        b.iter(|| {
            let policy = build_placement_policy(&policy_name, Default::default()).expect("registered");
            let sim = Simulation::new(scenario.spec.clone(), scenario.config.clone(), policy).expect("valid");
            sim.run().expect("runs").summary.energy_kwh
        })
    });
    group.bench_function("load+run", |b| {
        b.iter(|| {
            let s = cirrus_scenario::load(Path::new(DVFS), &[]).expect("loads");
            s.into_simulation()
                .expect("valid")
                .run()
                .expect("runs")
                .summary
                .energy_kwh
        })
    });
    group.finish();
}

criterion_group!(benches, dvfs);
criterion_main!(benches);
