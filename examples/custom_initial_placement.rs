//! Runs a scenario file with an initial placement policy of one's own, keeping
//! everything else the file configures (here a network that pre-copy
//! migrations cross, and host failures whose VMs are evacuated or restarted):
//! `Scenario::simulation_builder` replaces the policy and nothing else.
//!
//! `cargo run --release -p cirrus-examples --example custom_initial_placement [SCENARIO]`
//! (default: `scenarios/failures/degraded.toml`, two days of it).

use cirrus::datacenter::{Datacenter, HostId, VmId};
use cirrus::metrics::RunResult;
use cirrus::placement::{PlacementContext, PlacementPolicy, admitted, for_each_candidate, suitable};
use cirrus_examples::repo_path;

/// The host already running the most VMs that still takes the new one (ties
/// to the lowest id): packs VMs by count, as a tenant-density rule would.
#[derive(Debug, Default)]
struct MostVmsFirst;

impl PlacementPolicy for MostVmsFirst {
    fn name(&self) -> &'static str {
        "most-vms-first"
    }

    fn select_host(&mut self, dc: &Datacenter, ctx: &mut PlacementContext<'_>, v: VmId) -> Option<HostId> {
        // Busy hosts and one idle host per type: idle hosts of a type are interchangeable.
        let mut ranked: Vec<(usize, HostId)> = Vec::new();
        for_each_candidate(dc, ctx.filter, |h| {
            if suitable(dc, ctx.filter, h, v) {
                ranked.push((dc.vms_on(h).len(), h));
            }
        });
        // Most VMs first, then the lowest id; the (possibly costly) admission test last.
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked
            .into_iter()
            .map(|(_, h)| h)
            .find(|&h| admitted(dc, &mut *ctx.admission, h, v))
    }
}

fn print(label: &str, r: &RunResult) {
    let s = &r.summary;
    println!(
        "{label:<16} {:>3} hosts at t = 0, {:7.2} kWh, {:>3} host failures, {:>3} evacuations, \
         {:>3} VMs restarted, VM availability {:.4} %",
        s.placement.placement_hosts,
        s.energy.total_energy_kwh,
        s.failures.host_failures,
        s.migration_costs.migrations_evacuation,
        s.failures.vm_restarts,
        s.availability.vm_availability_mean * 100.0
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .map_or_else(|| repo_path("scenarios/failures/degraded.toml"), Into::into);
    let scenario = cirrus_scenario::load(&path, &["simulation.duration_s=172800".to_string()])?;
    println!(
        "{}: {} hosts, {} VMs; placement \"{}\" in the file",
        scenario.config.name,
        scenario.spec.hosts.len(),
        scenario.spec.vms.len(),
        scenario.placement.name
    );
    let as_written = scenario.simulation()?.run()?;
    let ours = scenario
        .simulation_builder()
        .placement(Box::new(MostVmsFirst))
        .build()?
        .run()?;
    print(&scenario.placement.name, &as_written);
    print(MostVmsFirst.name(), &ours);
    Ok(())
}
