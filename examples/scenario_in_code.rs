//! Builds a scenario in code, without TOML: two host types with SPECpower
//! curves, forty VMs following diurnal traces computed here, and the same
//! day run twice — without and with dynamic consolidation (THR + MMT, with
//! the registry's PABFD and CloudSim migration model).
//!
//! `cargo run --release -p cirrus-examples --example scenario_in_code`

use std::sync::Arc;

use cirrus::consolidation::Consolidation;
use cirrus::datacenter::{DatacenterSpec, HostSpec, HostType, VmSpec, VmType};
use cirrus::params::Params;
use cirrus::power::SpecPowerTable;
use cirrus::registry::{
    build_migration_model, build_overload_detector, build_placement_policy, build_vm_selection,
};
use cirrus::simulation::{Simulation, SimulationConfig};
use cirrus::workload::UtilizationTrace;

fn host_type(name: &str, mips_per_core: f64, power: SpecPowerTable) -> HostType {
    HostType {
        name: name.into(),
        mips_per_core,
        cores: 2,
        ram_mb: 4096,
        bw_mbps: 1000.0,
        storage_mb: 1_000_000,
        power: Arc::new(power),
        power_name: name.into(),
        off_power_w: 0.0,
        power_states: None,
    }
}

/// A day of 5-minute samples: a diurnal sine with its own phase and amplitude.
fn diurnal(i: usize) -> Result<UtilizationTrace, Box<dyn std::error::Error>> {
    let phase = i as f64 * 0.7;
    let amplitude = 0.15 + 0.05 * (i % 4) as f64;
    let samples = (0..=288)
        .map(|k| {
            let t = k as f64 / 288.0 * std::f64::consts::TAU;
            (0.35 + amplitude * (t + phase).sin()).clamp(0.0, 1.0)
        })
        .collect();
    Ok(UtilizationTrace::new(format!("diurnal-{i}"), 300.0, samples)?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let spec = DatacenterSpec {
        host_types: vec![
            host_type("hp-ml110-g4", 1860.0, SpecPowerTable::hp_ml110_g4()),
            host_type("hp-ml110-g5", 2660.0, SpecPowerTable::hp_ml110_g5()),
        ],
        hosts: (0..20)
            .map(|h| HostSpec {
                host_type: h % 2,
                rack: None,
            })
            .collect(),
        // 613 MB: six VMs fit a host's memory, so CPU decides how densely they pack.
        vm_types: vec![VmType {
            name: "micro".into(),
            mips: 1000.0,
            cores: 1,
            ram_mb: 613,
            bw_mbps: 100.0,
            size_mb: 2500,
        }],
        vms: (0..40).map(|v| VmSpec { vm_type: 0, trace: v }).collect(),
        traces: (0..40).map(diurnal).collect::<Result<_, _>>()?,
        // No applications; VMs reserve their full MIPS while being created.
        ..DatacenterSpec::default()
    };
    let config = SimulationConfig {
        name: "diurnal-day".into(),
        duration_s: 86_400.0,
        seed: 1,
        ..SimulationConfig::default()
    };

    let static_run = Simulation::new(
        spec.clone(),
        config.clone(),
        build_placement_policy("pabfd", Params::default())?,
    )?
    .run()?;

    let consolidation = Consolidation::new(
        build_overload_detector("thr", Params::default())?, // threshold 0.8, CloudSim's default
        build_vm_selection("mmt", Params::default())?,
        build_placement_policy("pabfd", Params::default())?,
        build_migration_model("cloudsim", Params::default())?,
    );
    let dynamic_run = Simulation::new(spec, config, build_placement_policy("pabfd", Params::default())?)?
        .with_consolidation(consolidation)
        .run()?;

    for (name, r) in [
        ("static placement", &static_run),
        ("THR-MMT consolidation", &dynamic_run),
    ] {
        let s = &r.summary;
        println!(
            "{name:<22} energy {:>6.2} kWh  active hosts {:>4.1}  migrations {:>4}  SLATAH {:>5.2} %",
            s.energy.energy_kwh,
            s.activity.active_hosts_mean,
            s.migration_counts.migrations,
            s.sla.slatah * 100.0
        );
    }
    Ok(())
}
