//! Runs a scenario file from code: load (with an override), simulate while
//! watching every event, print the headline metrics, write the result files.
//!
//! `cargo run --release -p cirrus-examples --example run_scenario_file [SCENARIO]`
//! (default: CloudSim's PlanetLab "Dvfs" day).

use cirrus::datacenter::HostId;
use cirrus_examples::{repo_path, results_dir};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .map_or_else(|| repo_path("scenarios/planetlab-20110303-dvfs.toml"), Into::into);
    // Overrides use the `--set` syntax: a key path and a TOML value.
    let scenario = cirrus_scenario::load(&path, &["simulation.seed=7".to_string()])?;
    println!(
        "{}: {} hosts, {} VMs",
        scenario.config.name,
        scenario.spec.hosts.len(),
        scenario.spec.vms.len()
    );

    // `simulation()` builds fresh policies, so the loaded scenario could run again.
    let mut events = 0u64;
    let mut peak_vms_on_one_host = 0usize;
    let result = scenario.simulation()?.run_observed(|obs| {
        events += 1;
        let dc = obs.datacenter;
        for h in 0..dc.host_count() {
            peak_vms_on_one_host = peak_vms_on_one_host.max(dc.vms_on(HostId(h as u32)).len());
        }
    })?;

    let s = &result.summary;
    println!("energy        {:.2} kWh", s.energy.energy_kwh);
    println!(
        "active hosts  mean {:.1}, max {}",
        s.activity.active_hosts_mean, s.activity.active_hosts_max
    );
    println!("SLATAH        {:.2} %", s.sla.slatah * 100.0);
    println!("events        {events} observed ({} processed)", s.run.events);
    println!("densest host  {peak_vms_on_one_host} VMs");

    let out = results_dir("run_scenario_file");
    cirrus_output::write_run(&result, &out, cirrus_output::Selection::default())?;
    println!("results       {}", out.display());
    Ok(())
}
