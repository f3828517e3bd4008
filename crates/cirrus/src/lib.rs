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

pub mod datacenter;
pub mod metrics;
pub mod params;
pub mod placement;
pub mod power;
pub mod registry;
pub mod simulation;
pub mod workload;

pub use cirrus_engine::{self as engine, RngStreams, SimTime};
