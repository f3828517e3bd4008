//! Server power models: watts as a function of CPU utilisation.
//!
//! CloudSim's definitions (`org.cloudbus.cloudsim.power.models`) are reproduced
//! exactly, including their quirks: the analytical models return 0 W at zero
//! utilisation (the host is taken to be off), the SPECpower tables return their
//! idle entry.
//!
//! One file per model family:
//!
//! * [`AnalyticPowerModel`]: CloudSim's `PowerModelLinear`, `PowerModelSquare`,
//!   `PowerModelCubic` and `PowerModelSqrt` (registry names `linear`,
//!   `square`, `cubic`, `sqrt`).
//! * [`FanPowerModel`]: Fan, Weber & Barroso, "Power provisioning for a
//!   warehouse-sized computer", ISCA 2007 (registry name `fan`).
//! * [`SpecPowerTable`]: CloudSim's `PowerModelSpecPower` tables (the seven
//!   `spec-*` names) and user-supplied tables (registry name `table`).
//!
//! # Utilisation range
//!
//! [`PowerModel::power_watts`] takes a utilisation in `[0, 1]`; callers clamp
//! to that range (CloudSim itself clamps values in `(1, 1.01)` to 1 in
//! `HostDynamicWorkload`). Where CloudSim throws `IllegalArgumentException` on
//! an out-of-range value, the implementations here `debug_assert!` the range
//! and clamp in release builds, so a stray `1.0000000001` from floating-point
//! summation can never index past the end of a table. A NaN utilisation yields
//! a NaN power (it is a caller bug, and NaN makes it visible in the metrics).

mod analytic;
mod fan;
mod spec_power;
mod states;

pub use analytic::{AnalyticPowerModel, AnalyticShape};
pub use fan::FanPowerModel;
pub use spec_power::{
    HP_ML110_G3_PENTIUM_D930, HP_ML110_G4_XEON_3040, HP_ML110_G5_XEON_3075, IBM_X3250_XEON_X3470,
    IBM_X3250_XEON_X3480, IBM_X3550_XEON_X5670, IBM_X3550_XEON_X5675, SpecPowerTable,
};

pub use states::{PowerState, PowerStateSpec, SleepSpec};

use crate::catalog::Entry;
use crate::params::{ParamError, Params};

/// Power draw of a server as a function of its CPU utilisation.
pub trait PowerModel: Send + Sync + std::fmt::Debug {
    /// Power in watts at utilisation `utilization` ∈ [0, 1]. Callers clamp to
    /// that range; implementations may `debug_assert!` it.
    fn power_watts(&self, utilization: f64) -> f64;

    /// Power in watts at full load (what CloudSim's non-power-aware datacenter
    /// charges for every host at every instant).
    fn max_power_watts(&self) -> f64 {
        self.power_watts(1.0)
    }

    /// Power in watts of a host switched on at no load: `power_watts(0.0)`,
    /// unless the model reads u = 0 as "off" (CloudSim's analytic models, 0 W
    /// at u = 0), in which case its power as the load vanishes. What a host
    /// with nothing to run but a migration to send or receive draws.
    fn idle_power_watts(&self) -> f64 {
        self.power_watts(0.0)
    }

    /// The model as a measured table, if it is one: lets hot loops (PABFD
    /// evaluates a power for every busy host and every VM placed) call the
    /// table's interpolation directly rather than through the trait object.
    fn as_table(&self) -> Option<&SpecPowerTable> {
        None
    }
}

/// This family's catalogue (see [`crate::catalog`]): every power model by name. A new one is a
/// file in this module and one line here.
pub(crate) static CATALOG: &[Entry<Box<dyn PowerModel>>] = &[
    Entry {
        name: "linear",
        summary: "CloudSim PowerModelLinear: static + (max - static)*u, 0 W at u = 0 (host off); \
                  params max_w, static_fraction",
        build: |p| analytic::build(AnalyticShape::Linear, p),
    },
    Entry {
        name: "square",
        summary: "CloudSim PowerModelSquare: static + (max - static)*u^2, 0 W at u = 0 (host off); \
                  params max_w, static_fraction",
        build: |p| analytic::build(AnalyticShape::Square, p),
    },
    Entry {
        name: "cubic",
        summary: "CloudSim PowerModelCubic: static + (max - static)*u^3, 0 W at u = 0 (host off); \
                  params max_w, static_fraction",
        build: |p| analytic::build(AnalyticShape::Cubic, p),
    },
    Entry {
        name: "sqrt",
        summary: "CloudSim PowerModelSqrt: static + (max - static)*sqrt(u), 0 W at u = 0 (host off); \
                  params max_w, static_fraction",
        build: |p| analytic::build(AnalyticShape::Sqrt, p),
    },
    Entry {
        name: "fan",
        summary: "Fan, Weber & Barroso (ISCA 2007): idle + (max - idle)*(2u - u^r); \
                  params idle_w, max_w, r (default 1.4)",
        build: fan::build,
    },
    Entry {
        name: "spec-hp-ml110-g3",
        summary: "HP ProLiant ML110 G3 (Pentium D930), SPECpower table, \
                  CloudSim PowerModelSpecPowerHpProLiantMl110G3PentiumD930",
        build: |p| spec(p, SpecPowerTable::hp_ml110_g3),
    },
    Entry {
        name: "spec-hp-ml110-g4",
        summary: "HP ProLiant ML110 G4 (Xeon 3040), SPECpower table, \
                  CloudSim PowerModelSpecPowerHpProLiantMl110G4Xeon3040",
        build: |p| spec(p, SpecPowerTable::hp_ml110_g4),
    },
    Entry {
        name: "spec-hp-ml110-g5",
        summary: "HP ProLiant ML110 G5 (Xeon 3075), SPECpower table, \
                  CloudSim PowerModelSpecPowerHpProLiantMl110G5Xeon3075",
        build: |p| spec(p, SpecPowerTable::hp_ml110_g5),
    },
    Entry {
        name: "spec-ibm-x3250-x3470",
        summary: "IBM System x3250 (Xeon X3470), SPECpower table, \
                  CloudSim PowerModelSpecPowerIbmX3250XeonX3470",
        build: |p| spec(p, SpecPowerTable::ibm_x3250_x3470),
    },
    Entry {
        name: "spec-ibm-x3250-x3480",
        summary: "IBM System x3250 (Xeon X3480), SPECpower table, \
                  CloudSim PowerModelSpecPowerIbmX3250XeonX3480",
        build: |p| spec(p, SpecPowerTable::ibm_x3250_x3480),
    },
    Entry {
        name: "spec-ibm-x3550-x5670",
        summary: "IBM System x3550 (2 x Xeon X5670), SPECpower table, \
                  CloudSim PowerModelSpecPowerIbmX3550XeonX5670",
        build: |p| spec(p, SpecPowerTable::ibm_x3550_x5670),
    },
    Entry {
        name: "spec-ibm-x3550-x5675",
        summary: "IBM System x3550 (2 x Xeon X5675), SPECpower table, \
                  CloudSim PowerModelSpecPowerIbmX3550XeonX5675",
        build: |p| spec(p, SpecPowerTable::ibm_x3550_x5675),
    },
    Entry {
        name: "table",
        summary: "Custom power table: watts at evenly spaced utilisations 0..1 (11 values = \
                  SPECpower's 10 % steps), CloudSim PowerModelSpecPower interpolation; param watts",
        build: spec_power::build_custom,
    },
];

/// Builds one of CloudSim's fixed SPECpower tables, which take no parameter.
fn spec(p: Params, table: fn() -> SpecPowerTable) -> Result<Box<dyn PowerModel>, ParamError> {
    p.finish(&[])?;
    Ok(Box::new(table()))
}

/// The range contract of [`PowerModel::power_watts`]: checked in debug builds,
/// clamped in release builds (NaN passes through and yields NaN power).
#[inline]
fn clamp_utilization(utilization: f64) -> f64 {
    debug_assert!(
        (0.0..=1.0).contains(&utilization),
        "power model called with utilization {utilization} outside [0, 1]; callers clamp"
    );
    utilization.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_names_are_unique_and_summarised() {
        let mut names: Vec<_> = CATALOG.iter().map(|e| e.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CATALOG.len());
        assert!(CATALOG.iter().all(|e| !e.summary.is_empty()));
    }

    #[test]
    fn spec_entries_reject_any_parameter() {
        for e in CATALOG.iter().filter(|e| e.name.starts_with("spec-")) {
            assert!((e.build)(Params::new()).is_ok(), "{}", e.name);
            let p = Params::new().with("max_w", crate::params::ParamValue::Number(1.0));
            assert_eq!((e.build)(p).unwrap_err().key, "max_w", "{}", e.name);
        }
    }

    #[test]
    fn clamp_passes_in_range_values_unchanged() {
        for u in [0.0, -0.0, 0.25, 1.0] {
            assert_eq!(clamp_utilization(u).to_bits(), u.clamp(0.0, 1.0).to_bits());
        }
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "outside [0, 1]")]
    fn out_of_range_utilization_is_a_debug_assertion() {
        clamp_utilization(1.0000000001);
    }

    #[test]
    #[cfg(not(debug_assertions))]
    fn out_of_range_utilization_is_clamped_in_release() {
        assert_eq!(clamp_utilization(1.0000000001), 1.0);
        assert_eq!(clamp_utilization(-1e-12), 0.0);
        assert!(clamp_utilization(f64::NAN).is_nan());
    }
}
