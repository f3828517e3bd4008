//! Fixtures shared by the model's integration tests: tolerances, property runners that count
//! what their cases reached, and builders of host types, VM types, traces and power models.
// Each test binary uses a different subset.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use cirrus::datacenter::{HostSpec, HostType, VmType};
use cirrus::power::{AnalyticPowerModel, PowerModel, SpecPowerTable};
use cirrus::workload::UtilizationTrace;
use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseResult, TestRunner};

// ------------------------------------------------------------------ tolerances

/// Relative tolerance for sums of `f64`s computed in a different order than the model
/// computes them.
pub const REL: f64 = 1e-9;

/// `a ≤ b`, allowing `b` to be exceeded by [`REL`] relative.
pub fn le_rel(a: f64, b: f64) -> bool {
    a <= b + REL * b.abs()
}

/// `a` and `b` agree to [`REL`] relative.
pub fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= REL * a.abs().max(b.abs())
}

// ------------------------------------------------------------------ properties

/// `cases` cases, or `PROPTEST_CASES` if set; failures are not persisted (this crate's test
/// folder is shared): a failing case is printed with its shrunk input instead.
pub fn proptest_config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Runs `test` on `cases` values of `strategy` (see [`proptest_config`]), panicking with the
/// shrunk failing value. Used instead of `proptest!` so that a test can assert, once every
/// case passed, what the cases covered ([`Coverage`]).
pub fn run_property<S>(cases: u32, strategy: S, test: impl Fn(S::Value) -> TestCaseResult)
where
    S: Strategy,
    S::Value: std::fmt::Debug,
{
    let mut runner = TestRunner::new(proptest_config(cases));
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{e}");
    }
}

/// How often each situation a property is about occurred across its cases. A property whose
/// check only bites in a rare situation asserts with [`Coverage::assert_reached`] that its
/// cases reached it, so that it cannot pass by never testing anything.
#[derive(Debug, Default)]
pub struct Coverage {
    counts: Mutex<BTreeMap<&'static str, usize>>,
}

impl Coverage {
    /// Adds `n` occurrences of `what`.
    pub fn add(&self, what: &'static str, n: usize) {
        *self
            .counts
            .lock()
            .expect("a test panicked while counting")
            .entry(what)
            .or_default() += n;
    }

    /// Counts one occurrence of `what` if `happened`.
    pub fn hit(&self, what: &'static str, happened: bool) {
        self.add(what, usize::from(happened));
    }

    /// Occurrences of `what` so far.
    pub fn get(&self, what: &'static str) -> usize {
        self.counts
            .lock()
            .expect("a test panicked while counting")
            .get(what)
            .copied()
            .unwrap_or(0)
    }

    /// Prints the counts (shown with `--nocapture`).
    pub fn report(&self, property: &str) {
        eprintln!(
            "{property}: {:?}",
            self.counts.lock().expect("a test panicked while counting")
        );
    }

    /// Panics unless `what` occurred at least `min` times: the property did not exercise what
    /// it is about.
    #[track_caller]
    pub fn assert_reached(&self, what: &'static str, min: usize) {
        let n = self.get(what);
        assert!(
            n >= min,
            "{what}: reached {n} times, fewer than {min}: the generators miss it"
        );
    }
}

// ------------------------------------------------------------------ builders

/// CloudSim's seven SPECpower tables by index (0 = HP ML110 G3 … 6 = IBM x3550 X5675), with
/// their registry names.
pub fn spec_power_table(i: usize) -> (SpecPowerTable, &'static str) {
    match i {
        0 => (SpecPowerTable::hp_ml110_g3(), "spec-hp-ml110-g3"),
        1 => (SpecPowerTable::hp_ml110_g4(), "spec-hp-ml110-g4"),
        2 => (SpecPowerTable::hp_ml110_g5(), "spec-hp-ml110-g5"),
        3 => (SpecPowerTable::ibm_x3250_x3470(), "spec-ibm-x3250-x3470"),
        4 => (SpecPowerTable::ibm_x3250_x3480(), "spec-ibm-x3250-x3480"),
        5 => (SpecPowerTable::ibm_x3550_x5670(), "spec-ibm-x3550-x5670"),
        _ => (SpecPowerTable::ibm_x3550_x5675(), "spec-ibm-x3550-x5675"),
    }
}

/// CloudSim's linear power model: `max_w` at full load, `static_fraction` of it when busy
/// at 0 %, 0 W when off.
pub fn linear_power(max_w: f64, static_fraction: f64) -> (Arc<dyn PowerModel>, String) {
    let model = AnalyticPowerModel::linear(max_w, static_fraction).expect("valid linear model");
    (Arc::new(model), "linear".into())
}

/// A host type with no storage and nothing drawn while off.
pub fn host_type(
    name: &str,
    cores: u32,
    mips_per_core: f64,
    ram_mb: u64,
    bw_mbps: f64,
    (power, power_name): (Arc<dyn PowerModel>, String),
) -> HostType {
    HostType {
        name: name.into(),
        mips_per_core,
        cores,
        ram_mb,
        bw_mbps,
        storage_mb: 0,
        power,
        power_name,
        off_power_w: 0.0,
        power_states: None,
    }
}

/// A VM type with no image size.
pub fn vm_type(name: &str, cores: u32, mips: f64, ram_mb: u64, bw_mbps: f64) -> VmType {
    VmType {
        name: name.into(),
        mips,
        cores,
        ram_mb,
        bw_mbps,
        size_mb: 0,
    }
}

/// `count` hosts of type `host_type`, in no rack.
pub fn hosts(count: usize, host_type: usize) -> Vec<HostSpec> {
    vec![
        HostSpec {
            host_type,
            rack: None
        };
        count
    ]
}

/// A trace holding `utilization` for `samples` samples of `interval_s`.
pub fn constant_trace(name: &str, interval_s: f64, utilization: f64, samples: usize) -> UtilizationTrace {
    UtilizationTrace::new(name, interval_s, vec![utilization; samples]).expect("valid trace")
}
