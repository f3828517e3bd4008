//! # Cirrus: the cloud datacenter model
//!
//! Hosts, VMs, power models, workloads, placement policies and the metrics
//! CloudSim's power experiments report, driven by the deterministic
//! discrete-event core in [`cirrus_engine`].
//!
//! This crate knows nothing about TOML or files: `cirrus-scenario` builds a
//! [`DatacenterSpec`](datacenter::DatacenterSpec) and a
//! [`SimulationConfig`](simulation::SimulationConfig) from a scenario file,
//! `cirrus-traces` reads trace files into [`UtilizationTrace`](workload::UtilizationTrace)s,
//! and `cirrus-output` writes the [`RunResult`](metrics::RunResult).
//!
//! A run flows one way: spec → [`Simulation`](simulation::Simulation) →
//! [`RunResult`](metrics::RunResult).
//!
//! New here? The [`guide`] shows how a run flows, where policies plug in, and
//! how to write a [`PlacementPolicy`](placement::PlacementPolicy) of your own
//! and run it. Every model is described, with its paper, in the repository's
//! `docs/MODELS.md`.
//!
//! # A scenario in code
//!
//! Two HP ML110 G5 hosts, three VMs following one synthetic trace, first-fit
//! placement, one simulated hour at a five-minute step:
//!
//! ```
//! use std::sync::Arc;
//! use cirrus::datacenter::{DatacenterSpec, HostSpec, HostType, VmSpec, VmType};
//! use cirrus::power::SpecPowerTable;
//! use cirrus::registry::build_placement_policy;
//! use cirrus::simulation::{Simulation, SimulationConfig};
//! use cirrus::workload::UtilizationTrace;
//!
//! let g5 = HostType {
//!     name: "hp-ml110-g5".into(),
//!     mips_per_core: 2660.0,
//!     cores: 2,
//!     ram_mb: 4096,
//!     bw_mbps: 1000.0,
//!     storage_mb: 1_000_000,
//!     power: Arc::new(SpecPowerTable::hp_ml110_g5()),
//!     power_name: "spec-hp-ml110-g5".into(),
//!     off_power_w: 0.0,
//!     power_states: None,
//! };
//! let small = VmType { name: "small".into(), mips: 1000.0, cores: 1, ram_mb: 1740, bw_mbps: 100.0, size_mb: 2500 };
//! let spec = DatacenterSpec {
//!     host_types: vec![g5],
//!     hosts: vec![HostSpec { host_type: 0, rack: None }; 2],
//!     vm_types: vec![small],
//!     vms: vec![VmSpec { vm_type: 0, trace: 0 }; 3],
//!     traces: vec![UtilizationTrace::new("half", 300.0, vec![0.5; 13])?],
//!     // No applications (traffic, anti-collocation); VMs reserve their full MIPS when created.
//!     ..DatacenterSpec::default()
//! };
//! let config = SimulationConfig { duration_s: 3600.0, ..SimulationConfig::default() };
//! let policy = build_placement_policy("ff", Default::default())?;
//! let result = Simulation::new(spec, config, policy)?.run()?;
//!
//! // Two VMs fit in the first host's RAM, the third opens the second host.
//! assert_eq!(result.summary.activity.active_hosts_max, 2);
//! // A step right after placement (t = 0), then one every 300 s up to 3600 s.
//! assert_eq!(result.summary.run.steps, 13);
//! assert!(result.summary.energy.energy_kwh > 0.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod application;
pub mod audit;
pub mod catalog;
pub mod consolidation;
pub mod datacenter;
pub mod failures;
pub mod guide;
pub mod metrics;
pub mod migration;
pub mod network;
pub mod params;
pub mod placement;
pub mod power;
pub mod registry;
pub mod reliability;
pub mod simulation;
pub mod workload;

pub use cirrus_engine::{self as engine, RngStreams, SimTime};
