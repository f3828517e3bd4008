//! The empirical server power model of Fan, Weber & Barroso, "Power
//! provisioning for a warehouse-sized computer", ISCA 2007.
//!
//! Fitted to measurements of thousands of Google servers, it bends the linear
//! idle-to-busy line upwards at low and middle load:
//!
//! ```text
//! P(u) = P_idle + (P_busy − P_idle) · (2u − u^r)
//! ```
//!
//! where `r` is the paper's calibration exponent, chosen to minimise the
//! squared error against the measured servers (r = 1.4). The paper also reports
//! that the plain linear form `P_idle + (P_busy − P_idle) · u` (r = 1 here)
//! is accurate.

use super::{PowerModel, clamp_utilization};
use crate::params::{ParamError, Params};

/// Fan, Weber & Barroso's (ISCA 2007) curve `idle + (max − idle)·(2u − u^r)`.
///
/// Unlike CloudSim's analytical models ([`AnalyticPowerModel`]), **P(0) is the
/// idle power, not 0**. The paper models a server that is on: its data are
/// the draw of running machines, and an idle machine still draws `P_idle`.
/// Whether a host at zero utilisation is switched off (and charged 0 W) is a
/// decision about host power states, which belongs to the datacenter model,
/// not to the shape of the curve; CloudSim's `getPower(0) = 0` mixes the two.
///
/// `r` is restricted to `[1, 2]`: exactly the exponents for which the curve
/// rises monotonically from `idle` (u = 0) to `max` (u = 1) and never leaves
/// that band. Below 1, `2u − u^r` is negative for small `u` (power below idle,
/// negative for a small enough idle power); above 2 it exceeds 1 before `u = 1`
/// (power above the measured peak).
///
/// [`AnalyticPowerModel`]: super::AnalyticPowerModel
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FanPowerModel {
    idle_power: f64,
    max_power: f64,
    r: f64,
}

impl FanPowerModel {
    /// The calibration exponent r = 1.4 of Fan, Weber & Barroso (ISCA 2007),
    /// the value that minimised the squared error against their measured
    /// servers; the default of the registry parameter `r`.
    pub const PAPER_EXPONENT: f64 = 1.4;

    /// A server drawing `idle_w` watts idle and `max_w` watts fully busy, with
    /// calibration exponent `r`.
    ///
    /// # Errors
    /// `idle_w` negative, `max_w` not positive, `idle_w > max_w`, or `r`
    /// outside `[1, 2]` (see the type's documentation), each named by its
    /// registry key. Non-finite values are rejected too.
    pub fn new(idle_w: f64, max_w: f64, r: f64) -> Result<Self, ParamError> {
        if !(idle_w.is_finite() && idle_w >= 0.0) {
            return Err(ParamError::new(
                "idle_w",
                format!("expected a finite power >= 0 W, found {idle_w}"),
            ));
        }
        if !(max_w.is_finite() && max_w > 0.0) {
            return Err(ParamError::new(
                "max_w",
                format!("expected a finite power > 0 W, found {max_w}"),
            ));
        }
        if idle_w > max_w {
            return Err(ParamError::new(
                "idle_w",
                format!("idle power {idle_w} W exceeds max_w = {max_w} W"),
            ));
        }
        if !(1.0..=2.0).contains(&r) {
            return Err(ParamError::new(
                "r",
                format!(
                    "expected an exponent in [1, 2] (outside it the curve leaves [idle_w, max_w]), \
                     found {r}"
                ),
            ));
        }
        Ok(Self {
            idle_power: idle_w,
            max_power: max_w,
            r,
        })
    }

    /// [`FanPowerModel::new`] with the paper's exponent
    /// [`PAPER_EXPONENT`](Self::PAPER_EXPONENT) = 1.4.
    ///
    /// # Errors
    /// As [`FanPowerModel::new`].
    pub fn with_paper_exponent(idle_w: f64, max_w: f64) -> Result<Self, ParamError> {
        Self::new(idle_w, max_w, Self::PAPER_EXPONENT)
    }

    /// Power at zero utilisation, W.
    pub fn idle_power(&self) -> f64 {
        self.idle_power
    }

    /// Power at full utilisation as given to the constructor, W.
    pub fn max_power(&self) -> f64 {
        self.max_power
    }

    /// The calibration exponent `r`.
    pub fn exponent(&self) -> f64 {
        self.r
    }
}

impl PowerModel for FanPowerModel {
    fn power_watts(&self, utilization: f64) -> f64 {
        let u = clamp_utilization(utilization);
        self.idle_power + (self.max_power - self.idle_power) * (2.0 * u - u.powf(self.r))
    }
}

/// Registry constructor for `fan`: required `idle_w`, `max_w`; optional `r`.
pub(super) fn build(mut p: Params) -> Result<Box<dyn PowerModel>, ParamError> {
    let idle_w = p.require_number("idle_w")?;
    let max_w = p.require_number("max_w")?;
    let r = p.number("r")?.unwrap_or(FanPowerModel::PAPER_EXPONENT);
    p.finish(&["idle_w", "max_w", "r"])?;
    Ok(Box::new(FanPowerModel::new(idle_w, max_w, r)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ParamValue;

    #[test]
    fn endpoints_are_idle_and_max() {
        let m = FanPowerModel::with_paper_exponent(100.0, 200.0).unwrap();
        assert_eq!(m.power_watts(0.0), 100.0);
        assert_eq!(m.power_watts(1.0), 200.0);
        assert_eq!(m.max_power_watts(), 200.0);
        assert_eq!(m.exponent(), 1.4);
        assert_eq!(m.idle_power(), 100.0);
        assert_eq!(m.max_power(), 200.0);
    }

    #[test]
    fn midpoint_by_hand() {
        // 2·0.5 − 0.5^1.4 = 1 − 0.378929… = 0.621071…; 100 + 100·that.
        let m = FanPowerModel::with_paper_exponent(100.0, 200.0).unwrap();
        let expected = 100.0 + 100.0 * (1.0 - 0.5_f64.powf(1.4));
        assert_eq!(m.power_watts(0.5), expected);
        assert!((m.power_watts(0.5) - 162.107_085_837).abs() < 1e-8);
    }

    #[test]
    fn r_one_is_the_linear_model() {
        let m = FanPowerModel::new(80.0, 240.0, 1.0).unwrap();
        for i in 0..=100 {
            let u = f64::from(i) / 100.0;
            assert_eq!(m.power_watts(u), 80.0 + 160.0 * u, "u = {u}");
        }
    }

    #[test]
    fn curve_lies_above_the_line() {
        // 2u − u^r ≥ u for r ≥ 1: the paper's curve draws more than linear.
        let m = FanPowerModel::with_paper_exponent(100.0, 200.0).unwrap();
        for i in 1..100 {
            let u = f64::from(i) / 100.0;
            assert!(m.power_watts(u) > 100.0 + 100.0 * u, "u = {u}");
        }
    }

    #[test]
    fn constructor_rejects_bad_values_by_key() {
        assert_eq!(FanPowerModel::new(-1.0, 200.0, 1.4).unwrap_err().key, "idle_w");
        assert_eq!(FanPowerModel::new(100.0, 0.0, 1.4).unwrap_err().key, "max_w");
        assert_eq!(FanPowerModel::new(250.0, 200.0, 1.4).unwrap_err().key, "idle_w");
        assert_eq!(FanPowerModel::new(100.0, 200.0, 0.5).unwrap_err().key, "r");
        assert_eq!(FanPowerModel::new(100.0, 200.0, 2.5).unwrap_err().key, "r");
        assert_eq!(FanPowerModel::new(100.0, 200.0, f64::NAN).unwrap_err().key, "r");
        assert!(FanPowerModel::new(200.0, 200.0, 2.0).is_ok());
    }

    #[test]
    fn registry_constructor_defaults_r_and_rejects_unknown_keys() {
        let p = Params::new()
            .with("idle_w", ParamValue::Number(100.0))
            .with("max_w", ParamValue::Number(200.0));
        let m = build(p.clone()).unwrap();
        let paper = FanPowerModel::with_paper_exponent(100.0, 200.0).unwrap();
        assert_eq!(m.power_watts(0.3), paper.power_watts(0.3));
        assert_eq!(
            build(p.clone().with("rr", ParamValue::Number(1.2)))
                .unwrap_err()
                .key,
            "rr"
        );
        assert_eq!(build(p.with("r", ParamValue::Number(3.0))).unwrap_err().key, "r");
        let missing = Params::new().with("idle_w", ParamValue::Number(100.0));
        assert_eq!(build(missing).unwrap_err().key, "max_w");
    }
}
