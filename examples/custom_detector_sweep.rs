//! A custom overload detector, unknown to Cirrus's registry, swept over its parameter k on a
//! PlanetLab day: a host is overloaded when u + k·σ(its last hour of utilisation) > 0.9.
//! `cargo run --release -p cirrus-examples --example custom_detector_sweep`

use cirrus::consolidation::Consolidation;
use cirrus::consolidation::overload::{HostLoad, OverloadDetector};
use cirrus::registry::{build_migration_model, build_placement_policy, build_vm_selection};
use cirrus::simulation::Simulation;
use cirrus_examples::{repo_path, results_dir};
use cirrus_scenario::Scenario;
use cirrus_sweep::{Axis, BoxError, Plan, RunContext, RunOptions, SweepSpec};

#[derive(Debug)]
struct KSigma {
    k: f64,
}

impl OverloadDetector for KSigma {
    fn name(&self) -> &'static str {
        "k-sigma"
    }

    fn is_overloaded(&self, load: &HostLoad<'_>) -> bool {
        let recent = &load.history[..load.history.len().min(12)]; // newest first, 5-min samples
        let n = recent.len().max(1) as f64;
        let mean = recent.iter().sum::<f64>() / n;
        let sigma = (recent.iter().map(|u| (u - mean).powi(2)).sum::<f64>() / n).sqrt();
        load.utilization + self.k * sigma > 0.9
    }
}

/// Each run: the scenario as loaded, with our detector in the consolidation loop.
fn build(scenario: &Scenario, ctx: &RunContext<'_>) -> Result<Simulation, BoxError> {
    let (none, k) = (cirrus::params::Params::default, ctx.param_f64("k")?);
    let consolidation = Consolidation::new(
        Box::new(KSigma { k }),
        build_vm_selection("mmt", none())?,
        build_placement_policy("pabfd", none())?,
        build_migration_model("cloudsim", none())?,
    );
    let sim = scenario.simulation_with(ctx.config.clone())?;
    Ok(sim.with_consolidation(consolidation))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = repo_path("scenarios/planetlab-20110303-thr-mmt.toml");
    let spec = SweepSpec::new("k-sigma", base).axis(Axis::new("param.k", [0.0, 1.0, 2.0, 4.0]));
    let plan = Plan::new(spec)?;
    let out = results_dir("custom_detector_sweep");
    cirrus_sweep::run(&plan, &RunOptions::new(&out), &build, &())?;
    for r in cirrus_sweep::store::read_records(&out, plan.fingerprint(), true)?.values() {
        let m = |name| r.metric(name).unwrap_or(f64::NAN);
        let (k, energy, slav, migrations) = (&r.labels[0], m("energy_kwh"), m("slav"), m("migrations"));
        println!("k = {k:<3} energy {energy:7.2} kWh  SLAV {slav:.7}  migrations {migrations}");
    }
    println!("tables: {}", out.display());
    Ok(())
}
