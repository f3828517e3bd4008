//! # A guide to research code on top of Cirrus
//!
//! This module holds no code: it is the page to read before writing a policy, a model or an
//! experiment against the `cirrus` crate. The models themselves, with their papers, are
//! described in the repository's `docs/MODELS.md`; CloudSim's behaviour, which the
//! CloudSim-compatible configuration reproduces, in `docs/CLOUDSIM.md`; the map of the code
//! in `docs/ARCHITECTURE.md`.
//!
//! ## How a run flows
//!
//! ```text
//! scenario.toml ──cirrus_scenario::load──▶ Scenario { spec, config, placement, consolidation, output }
//!                                               │  .simulation_with(config)  (fresh policy objects)
//!                                               ▼
//!                                  cirrus::simulation::Simulation  [.with_consolidation(c)]
//!                                               │  .run() / .run_observed(|obs| …)
//!                                               ▼
//!                                  cirrus::metrics::RunResult { summary, intervals, hosts, vms, migrations }
//!                                               │  cirrus_output::write_run(…)
//!                                               ▼
//!                                  summary.json, intervals.csv, hosts.csv, vms.csv, migrations.csv
//! ```
//!
//! - The `cirrus-scenario` crate parses a TOML file (with `key.path=value` overrides),
//!   validates it with `file:line:column` errors and reads the traces. Its `Scenario` keeps
//!   policies *by name*, so one loaded scenario builds any number of independent runs:
//!   `Scenario::simulation_with` takes a [`SimulationConfig`](crate::simulation::SimulationConfig)
//!   (change the seed there) and builds fresh policy objects each time.
//!   `Scenario::simulation_builder` replaces any of them by an object of your own — the
//!   initial placement, the consolidation loop or one of its parts, the migration model —
//!   and keeps everything else the file configured (network, failures, scripted moves,
//!   arrivals); the repository's `examples/custom_initial_placement.rs` runs a file scenario
//!   with a placement policy written there.
//! - Without TOML, a run is a [`DatacenterSpec`](crate::datacenter::DatacenterSpec) (host and
//!   VM types, hosts, VMs, utilisation traces), a `SimulationConfig` and a placement policy,
//!   given to [`Simulation::new`](crate::simulation::Simulation::new): see the
//!   [crate documentation](crate) and the example below.
//! - [`Simulation::run`](crate::simulation::Simulation::run) is deterministic: every random
//!   number comes from [`RngStreams`](crate::RngStreams) derived from the seed, so the same
//!   inputs and seed give the same bytes on any machine and thread count.
//!   [`run_observed`](crate::simulation::Simulation::run_observed) calls a closure after every
//!   event with the [`Observation`](crate::simulation::Observation) of that instant (time,
//!   datacenter, energy, migrations), for tracing or invariant checks.
//! - The [`RunResult`](crate::metrics::RunResult) is plain serde data; its
//!   [`Summary`](crate::metrics::Summary) holds CloudSim's metrics (energy, SLATAH, PDM, SLAV,
//!   ESV, migrations, …) with units in the field names. `cirrus-output` writes it to files.
//!
//! ## Where to plug in
//!
//! Every policy is a trait object; a scenario names an implementation and the registry
//! ([`crate::registry`]) builds it from its parameters:
//!
//! | trait | decides | module |
//! |---|---|---|
//! | [`PlacementPolicy`](crate::placement::PlacementPolicy) | where a VM goes (initial placement, arrivals, migration destinations) | [`crate::placement`] |
//! | [`OverloadDetector`](crate::consolidation::overload::OverloadDetector) | is a host overloaded? (it sees a [`HostLoad`](crate::consolidation::overload::HostLoad): numbers only) | [`crate::consolidation::overload`] |
//! | [`VmSelection`](crate::consolidation::selection::VmSelection) | which VM leaves an overloaded host | [`crate::consolidation::selection`] |
//! | [`MigrationModel`](crate::migration::MigrationModel) | how a live migration proceeds, how long it takes and what it costs | [`crate::migration`] |
//! | [`PowerModel`](crate::power::PowerModel) | watts at a utilisation | [`crate::power`] |
//!
//! To make an implementation available to scenario files, add its file to the trait's module
//! and one [`Entry`](crate::catalog::Entry) (name, one-line summary with its reference,
//! constructor from [`Params`](crate::params::Params)) to that module's `CATALOG`; the
//! registry combines the catalogues, so nothing else changes, and `cirrus list` then shows it. To try one *without touching Cirrus*, implement the trait in your own crate and
//! hand the object to the simulation yourself, as below.
//!
//! ## A placement policy of your own
//!
//! A [`PlacementPolicy`](crate::placement::PlacementPolicy) answers one question: which host
//! should VM `v` go to, given the [`Datacenter`](crate::datacenter::Datacenter) as it is now
//! and a [`PlacementContext`](crate::placement::PlacementContext): a `filter` saying which
//! hosts are excluded, and the admission check a candidate must pass (consolidation supplies
//! its overload detector there; it takes `&mut` because a check may keep caches). It must never return an excluded host or one the VM does not
//! fit on; [`suitable`](crate::placement::suitable) and
//! [`admitted`](crate::placement::admitted) are the two tests every shipped policy applies to a
//! candidate. The policy below spreads VMs over hosts — the host with the fewest VMs, ties to
//! the lowest id — the opposite of the packing that saves energy. It places the same three
//! VMs as the crate-level example, where first fit needs two hosts, on three:
//!
//! ```
//! use std::sync::Arc;
//! use cirrus::consolidation::Consolidation;
//! use cirrus::datacenter::{Datacenter, DatacenterSpec, HostId, HostSpec, HostType, VmId, VmSpec, VmType};
//! use cirrus::placement::{PlacementContext, PlacementPolicy};
//! use cirrus::power::SpecPowerTable;
//! use cirrus::registry::{build_migration_model, build_overload_detector, build_vm_selection};
//! use cirrus::simulation::{Simulation, SimulationConfig};
//! use cirrus::workload::UtilizationTrace;
//!
//! /// The suitable, admitted host with the fewest VMs; ties to the lowest id.
//! #[derive(Debug, Default)]
//! struct Spread;
//!
//! impl PlacementPolicy for Spread {
//!     fn name(&self) -> &'static str {
//!         "spread"
//!     }
//!
//!     fn select_host(&mut self, dc: &Datacenter, ctx: &mut PlacementContext<'_>, v: VmId) -> Option<HostId> {
//!         let mut best: Option<HostId> = None;
//!         for h in dc.hosts() {
//!             if ctx.filter.excludes(dc, h) || !dc.is_suitable(h, v) {
//!                 continue;
//!             }
//!             if best.is_some_and(|b| dc.vms_on(b).len() <= dc.vms_on(h).len()) {
//!                 continue; // not better than the best so far
//!             }
//!             // A host with no VM cannot be overloaded by one that fits: ask only the others.
//!             if dc.vms_on(h).is_empty() || !ctx.admission.overloaded_after(dc, h, v) {
//!                 best = Some(h);
//!             }
//!         }
//!         best
//!     }
//! }
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
//!     hosts: vec![HostSpec { host_type: 0, rack: None }; 3],
//!     vm_types: vec![small],
//!     vms: vec![VmSpec { vm_type: 0, trace: 0 }; 3],
//!     traces: vec![UtilizationTrace::new("half", 300.0, vec![0.5; 13])?],
//!     ..DatacenterSpec::default()
//! };
//! let config = SimulationConfig { duration_s: 3600.0, ..SimulationConfig::default() };
//!
//! // Initial placement by the new policy: one VM per host.
//! let result = Simulation::new(spec.clone(), config.clone(), Box::new(Spread))?.run()?;
//! assert_eq!(result.summary.run.vms_placed, 3);
//! assert_eq!(result.summary.activity.active_hosts_max, 3);
//! assert_eq!(result.summary.migration_counts.migrations, 0);
//!
//! // The same policy as the destination chooser of a consolidation loop (THR 0.8, MMT,
//! // CloudSim's migration delay), the other parts built by name from the registry.
//! let consolidation = Consolidation::new(
//!     build_overload_detector("thr", Default::default())?,
//!     build_vm_selection("mmt", Default::default())?,
//!     Box::new(Spread),
//!     build_migration_model("cloudsim", Default::default())?,
//! );
//! let consolidated = Simulation::new(spec, config, Box::new(Spread))?
//!     .with_consolidation(consolidation)
//!     .run()?;
//! // Each host runs one VM at 500 of 5320 MIPS. At the first round the underload step
//! // empties the least utilised host, 0, onto the host Spread picks, 1 (one VM, the lowest
//! // id); host 2's VM would not fit in host 1's RAM then, so two hosts stay on.
//! assert_eq!(consolidated.summary.migration_counts.migrations_underload, 1);
//! assert_eq!(consolidated.intervals.last().map(|i| i.active_hosts), Some(2));
//! assert!(consolidated.summary.energy.energy_kwh < result.summary.energy.energy_kwh);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Policies are built fresh for every run (they may keep state between calls, through
//! `&mut self`), must be `Send` so that sweeps can run them on worker threads, and should
//! report a stable [`name`](crate::placement::PlacementPolicy::name): it appears in the
//! results. A policy that places a whole batch in its own order (the "decreasing" heuristics)
//! also overrides [`order_batch`](crate::placement::PlacementPolicy::order_batch).
//!
//! The other traits work the same way: a detector goes into
//! [`Consolidation::new`](crate::consolidation::Consolidation::new), a migration model there or
//! into [`Simulation::with_migration_model`](crate::simulation::Simulation::with_migration_model), a power model into a [`HostType`](crate::datacenter::HostType).
//! The repository's `examples/custom_detector_sweep.rs` sweeps a custom overload detector over
//! its parameter on a PlanetLab day; the `cirrus-sweep` crate documents how to do that for
//! any code-defined policy (its `RunFactory`).
