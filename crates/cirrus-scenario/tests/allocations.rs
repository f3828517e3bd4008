//! The hot loops allocate nothing per step, per event or per VM-step (issue 15): a
//! counting global allocator (`allocation-counter`) measures whole runs of shipped scenarios at two lengths,
//! and the longer run may allocate only what grows with its outputs (one interval
//! record per step, one record per migration), amortised by `Vec`'s doubling.

use std::path::Path;

/// What one run cost: allocations during `run`, steps, VM-steps and migrations.
struct Cost {
    allocations: u64,
    steps: u64,
    vm_steps: u64,
    migrations: u64,
}

fn run(scenario: &str, duration_s: f64) -> Cost {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(scenario);
    let scenario = cirrus_scenario::load(&path, &[format!("simulation.duration_s={duration_s}")])
        .unwrap_or_else(|e| panic!("{e}"));
    let sim = scenario.into_simulation().unwrap();
    let mut result = None;
    let info = allocation_counter::measure(|| result = Some(sim.run()));
    let allocations = info.count_total;
    let s = result.expect("measured").unwrap().summary;
    Cost {
        allocations,
        steps: s.run.steps,
        vm_steps: s.run.vm_steps,
        migrations: s.migration_counts.migrations,
    }
}

/// Runs `scenario` for `short_s` and `long_s` and checks that the extra allocations of
/// the longer run stay within `per_growth` allocations per doubling of an output vector
/// (a handful of vectors grow: intervals, migrations, state-history durations).
fn assert_no_per_step_allocation(scenario: &str, short_s: f64, long_s: f64) {
    let short = run(scenario, short_s);
    let long = run(scenario, long_s);
    let extra_steps = long.steps - short.steps;
    let extra_vm_steps = long.vm_steps - short.vm_steps;
    let extra = long.allocations.saturating_sub(short.allocations);
    // A vector doubling from the short run's length to the long run's reallocates
    // about log2(long / short) + 1 times; a dozen growing vectors, generously 8 times each.
    // Per-host VM lists and per-link flow lists also double when one reaches a new
    // high-water mark, a few times per host over a whole run: allowed up to one
    // allocation every other extra step, which an allocation per step, per event or
    // per migration exceeds.
    let allowance = 12 * 8 + extra_steps / 2;
    eprintln!(
        "{scenario}: {} steps, {} VM-steps, {} migrations: {} allocations; {} steps, {} VM-steps, \
         {} migrations: {} allocations",
        short.steps,
        short.vm_steps,
        short.migrations,
        short.allocations,
        long.steps,
        long.vm_steps,
        long.migrations,
        long.allocations
    );
    assert!(
        extra_steps >= 100,
        "the longer run must add steps ({extra_steps})"
    );
    assert!(
        extra_vm_steps >= 10_000,
        "the longer run must add VM-steps ({extra_vm_steps})"
    );
    assert!(
        extra <= allowance,
        "{scenario}: {extra} more allocations for {extra_steps} more steps and {extra_vm_steps} more \
         VM-steps ({} more migrations): something allocates per step, event or VM",
        long.migrations - short.migrations
    );
}

#[test]
fn a_step_without_consolidation_allocates_nothing() {
    assert_no_per_step_allocation("scenarios/planetlab-20110303-dvfs.toml", 20_000.0, 86_400.0);
}

#[test]
fn consolidation_rounds_and_fixed_delay_migrations_allocate_nothing() {
    // LR-MMT: a consolidation round every step, hundreds of migrations per hour.
    assert_no_per_step_allocation("scenarios/planetlab-20110303-lr-mmt.toml", 20_000.0, 86_400.0);
}

#[test]
fn pre_copy_migrations_over_the_network_allocate_nothing() {
    // Pre-copy rounds as flows on the max-min network, priced by simulating the process alone.
    assert_no_per_step_allocation("scenarios/migration/lr-mmt-pre-copy.toml", 20_000.0, 86_400.0);
}
