//! CloudSim's analytical power models: `PowerModelLinear`, `PowerModelSquare`,
//! `PowerModelCubic` and `PowerModelSqrt` (`org.cloudbus.cloudsim.power.models`,
//! CloudSim 2.0 onwards, unchanged in 4.0).
//!
//! All four share one shape: with `static = static_fraction * max`,
//!
//! ```text
//! P(u) = static + (max - static) / f(100) * f(100 u),   f ∈ {x, x², x³, √x}
//! P(0) = 0
//! ```
//!
//! The percentage scale (`100 u`, divided by `f(100)`) is CloudSim's, kept so
//! that every result agrees with CloudSim to the last bit; the
//! [`PowerModel`] implementation of [`AnalyticPowerModel`] documents the exact
//! operation order.

use super::{PowerModel, clamp_utilization};
use crate::params::{ParamError, Params, check_fraction};

/// Which of CloudSim's four analytical curves an [`AnalyticPowerModel`] follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnalyticShape {
    /// CloudSim `PowerModelLinear`: dynamic power proportional to `u`.
    Linear,
    /// CloudSim `PowerModelSquare`: dynamic power proportional to `u²`.
    Square,
    /// CloudSim `PowerModelCubic`: dynamic power proportional to `u³`.
    Cubic,
    /// CloudSim `PowerModelSqrt`: dynamic power proportional to `√u`.
    Sqrt,
}

impl AnalyticShape {
    /// `f(100)`, CloudSim's divisor for the dynamic range: `100`,
    /// `Math.pow(100, 2)`, `Math.pow(100, 3)`, `Math.sqrt(100)`. All four are
    /// exact in binary floating point, so writing them as literals changes no
    /// bit of the result.
    fn full_scale(self) -> f64 {
        match self {
            AnalyticShape::Linear => 100.0,
            AnalyticShape::Square => 10_000.0,
            AnalyticShape::Cubic => 1_000_000.0,
            AnalyticShape::Sqrt => 10.0,
        }
    }

    /// The registry name of the model with this shape.
    pub fn name(self) -> &'static str {
        match self {
            AnalyticShape::Linear => "linear",
            AnalyticShape::Square => "square",
            AnalyticShape::Cubic => "cubic",
            AnalyticShape::Sqrt => "sqrt",
        }
    }
}

/// CloudSim's `PowerModelLinear` / `Square` / `Cubic` / `Sqrt`: a static part
/// plus a dynamic part that grows with utilisation as `u`, `u²`, `u³` or `√u`,
/// and **0 W at zero utilisation**.
///
/// The 0-at-0 rule is CloudSim's: a host with nothing running is taken to be
/// switched off (`getPower(0)` returns 0 in all four classes). It makes the
/// curve discontinuous at 0 — P(ε) ≈ `static_fraction · max` — which is why
/// the SPECpower tables (whose P(0) is the measured idle power) and
/// [`FanPowerModel`](super::FanPowerModel) behave differently there.
///
/// Beloglazov & Buyya (CCPE 2012) use `static_fraction = 0.7`: an idle server
/// draws about 70 % of its peak power.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnalyticPowerModel {
    shape: AnalyticShape,
    /// CloudSim `maxPower`, W.
    max_power: f64,
    /// CloudSim `staticPower = staticPowerPercent * maxPower`, W.
    static_power: f64,
    /// CloudSim `constant = (maxPower - staticPower) / f(100)`.
    constant: f64,
}

impl AnalyticPowerModel {
    /// A model of shape `shape` peaking at `max_w` watts, of which the fraction
    /// `static_fraction` (CloudSim's `staticPowerPercent`, a fraction despite
    /// its name) is drawn whenever the host is on.
    ///
    /// Mirrors CloudSim's constructors: `staticPower = staticPowerPercent *
    /// maxPower`, `constant = (maxPower - staticPower) / f(100)`.
    ///
    /// # Errors
    /// `max_w` not finite and positive, or `static_fraction` outside `[0, 1]`
    /// (CloudSim checks neither; outside these ranges the curve is no longer a
    /// power draw between 0 and `max_w`). The error names the parameter by its
    /// registry key.
    pub fn new(shape: AnalyticShape, max_w: f64, static_fraction: f64) -> Result<Self, ParamError> {
        if !(max_w.is_finite() && max_w > 0.0) {
            return Err(ParamError::new(
                "max_w",
                format!("expected a finite power > 0 W, found {max_w}"),
            ));
        }
        check_fraction("static_fraction", static_fraction)?;
        let static_power = static_fraction * max_w;
        Ok(Self {
            shape,
            max_power: max_w,
            static_power,
            constant: (max_w - static_power) / shape.full_scale(),
        })
    }

    /// CloudSim `PowerModelLinear(max_w, static_fraction)`.
    ///
    /// # Errors
    /// As [`AnalyticPowerModel::new`].
    pub fn linear(max_w: f64, static_fraction: f64) -> Result<Self, ParamError> {
        Self::new(AnalyticShape::Linear, max_w, static_fraction)
    }

    /// CloudSim `PowerModelSquare(max_w, static_fraction)`.
    ///
    /// # Errors
    /// As [`AnalyticPowerModel::new`].
    pub fn square(max_w: f64, static_fraction: f64) -> Result<Self, ParamError> {
        Self::new(AnalyticShape::Square, max_w, static_fraction)
    }

    /// CloudSim `PowerModelCubic(max_w, static_fraction)`.
    ///
    /// # Errors
    /// As [`AnalyticPowerModel::new`].
    pub fn cubic(max_w: f64, static_fraction: f64) -> Result<Self, ParamError> {
        Self::new(AnalyticShape::Cubic, max_w, static_fraction)
    }

    /// CloudSim `PowerModelSqrt(max_w, static_fraction)`.
    ///
    /// # Errors
    /// As [`AnalyticPowerModel::new`].
    pub fn sqrt(max_w: f64, static_fraction: f64) -> Result<Self, ParamError> {
        Self::new(AnalyticShape::Sqrt, max_w, static_fraction)
    }

    /// The curve's shape.
    pub fn shape(&self) -> AnalyticShape {
        self.shape
    }

    /// The constructor's `max_w` (CloudSim `getMaxPower()`), W. Equal to
    /// `power_watts(1.0)` up to the rounding of CloudSim's operation order.
    pub fn max_power(&self) -> f64 {
        self.max_power
    }

    /// The power drawn by a switched-on host at vanishing load
    /// (`static_fraction * max_w`), W.
    pub fn static_power(&self) -> f64 {
        self.static_power
    }
}

impl PowerModel for AnalyticPowerModel {
    /// CloudSim's `getPower`, operation for operation:
    ///
    /// * linear: `staticPower + constant * u * 100` (left to right, i.e.
    ///   `(constant * u) * 100`);
    /// * square: `staticPower + constant * Math.pow(u * 100, 2)`; Java's
    ///   `pow(x, 2)` is `x * x` (fdlibm and HotSpot special-case it), so that
    ///   is what is computed here;
    /// * cubic: `staticPower + constant * Math.pow(u * 100, 3)`, computed with
    ///   the platform `pow` (`f64::powf`) like Java's `Math.pow`, not as
    ///   `x * x * x`, whose double rounding differs more often. Both `pow`s are
    ///   within 1 ulp, not correctly rounded, so the last bit can differ from
    ///   CloudSim's in rare cases; it agrees whenever `100 u` is an integer;
    /// * sqrt: `staticPower + constant * Math.sqrt(u * 100)` (correctly
    ///   rounded in both languages);
    ///
    /// and 0 at `u == 0` (host off).
    fn power_watts(&self, utilization: f64) -> f64 {
        let u = clamp_utilization(utilization);
        if u == 0.0 {
            return 0.0;
        }
        let dynamic = match self.shape {
            AnalyticShape::Linear => self.constant * u * 100.0,
            AnalyticShape::Square => {
                let percent = u * 100.0;
                self.constant * (percent * percent)
            }
            AnalyticShape::Cubic => self.constant * (u * 100.0).powf(3.0),
            AnalyticShape::Sqrt => self.constant * (u * 100.0).sqrt(),
        };
        self.static_power + dynamic
    }

    /// Its static power: `power_watts(0.0)` is 0 (CloudSim's "off").
    fn idle_power_watts(&self) -> f64 {
        self.static_power
    }
}

/// Registry constructor for `linear`, `square`, `cubic`, `sqrt`: required
/// `max_w` and `static_fraction`.
pub(super) fn build(shape: AnalyticShape, mut p: Params) -> Result<Box<dyn PowerModel>, ParamError> {
    let max_w = p.require_number("max_w")?;
    let static_fraction = p.require_fraction("static_fraction")?;
    p.finish(&["max_w", "static_fraction"])?;
    Ok(Box::new(AnalyticPowerModel::new(shape, max_w, static_fraction)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ParamValue;

    // CloudSim's own unit tests (modules/cloudsim/src/test/.../power/models/
    // PowerModel{Linear,Square,Cubic,Sqrt}Test.java) assert these with delta 0.

    #[test]
    fn cloudsim_linear_test() {
        // PowerModelLinearTest: MAX_POWER = 250, STATIC_POWER_PERCENT = 0.7.
        let m = AnalyticPowerModel::linear(250.0, 0.7).unwrap();
        assert_eq!(m.max_power(), 250.0);
        assert_eq!(m.power_watts(0.0), 0.0);
        assert_eq!(m.power_watts(1.0), 250.0);
        assert_eq!(
            m.power_watts(0.5),
            250.0 * 0.7 + ((250.0 - 250.0 * 0.7) / 100.0) * 0.5 * 100.0
        );
        assert_eq!(m.power_watts(0.5), 212.5);
    }

    #[test]
    fn cloudsim_square_test() {
        // PowerModelSquareTest: MAX_POWER = 200, STATIC_POWER_PERCENT = 0.3.
        let m = AnalyticPowerModel::square(200.0, 0.3).unwrap();
        assert_eq!(m.power_watts(0.0), 0.0);
        assert_eq!(m.power_watts(1.0), 200.0);
        let expected = 200.0 * 0.3 + ((200.0 - 200.0 * 0.3) / 10_000.0) * (50.0_f64 * 50.0);
        assert_eq!(m.power_watts(0.5), expected);
    }

    #[test]
    fn cloudsim_cubic_test() {
        // PowerModelCubicTest: MAX_POWER = 200, STATIC_POWER_PERCENT = 0.3.
        let m = AnalyticPowerModel::cubic(200.0, 0.3).unwrap();
        assert_eq!(m.power_watts(0.0), 0.0);
        assert_eq!(m.power_watts(1.0), 200.0);
        let expected = 200.0 * 0.3 + (200.0 - 200.0 * 0.3) / 1_000_000.0 * 125_000.0;
        assert_eq!(m.power_watts(0.5), expected);
    }

    #[test]
    fn cloudsim_sqrt_test() {
        // PowerModelSqrtTest: MAX_POWER = 200, STATIC_POWER_PERCENT = 0.3.
        let m = AnalyticPowerModel::sqrt(200.0, 0.3).unwrap();
        assert_eq!(m.power_watts(0.0), 0.0);
        assert_eq!(m.power_watts(1.0), 200.0);
        let expected = 200.0 * 0.3 + (200.0 - 200.0 * 0.3) / 10.0 * 50.0_f64.sqrt();
        assert_eq!(m.power_watts(0.5), expected);
    }

    #[test]
    fn zero_is_off_but_just_above_zero_is_static_power() {
        for shape in [
            AnalyticShape::Linear,
            AnalyticShape::Square,
            AnalyticShape::Cubic,
            AnalyticShape::Sqrt,
        ] {
            let m = AnalyticPowerModel::new(shape, 250.0, 0.7).unwrap();
            assert_eq!(m.power_watts(0.0), 0.0, "{shape:?}");
            assert_eq!(m.power_watts(-0.0), 0.0, "{shape:?}");
            let p = m.power_watts(1e-12);
            assert!((175.0..175.01).contains(&p), "{shape:?}: {p}");
            assert_eq!(m.static_power(), 175.0);
            assert_eq!(m.shape(), shape);
        }
    }

    #[test]
    fn constructor_rejects_bad_values_by_key() {
        assert_eq!(AnalyticPowerModel::linear(0.0, 0.7).unwrap_err().key, "max_w");
        assert_eq!(
            AnalyticPowerModel::linear(f64::INFINITY, 0.7).unwrap_err().key,
            "max_w"
        );
        assert_eq!(
            AnalyticPowerModel::linear(250.0, 1.5).unwrap_err().key,
            "static_fraction"
        );
        assert_eq!(
            AnalyticPowerModel::linear(250.0, -0.1).unwrap_err().key,
            "static_fraction"
        );
        assert_eq!(
            AnalyticPowerModel::linear(250.0, f64::NAN).unwrap_err().key,
            "static_fraction"
        );
    }

    #[test]
    fn registry_constructor_requires_both_params_and_rejects_others() {
        let ok = Params::new()
            .with("max_w", ParamValue::Number(250.0))
            .with("static_fraction", ParamValue::Number(0.7));
        assert_eq!(
            build(AnalyticShape::Linear, ok.clone()).unwrap().power_watts(0.5),
            212.5
        );
        let missing = Params::new().with("max_w", ParamValue::Number(250.0));
        assert_eq!(
            build(AnalyticShape::Sqrt, missing).unwrap_err().key,
            "static_fraction"
        );
        let extra = ok.with("idle_w", ParamValue::Number(1.0));
        assert_eq!(build(AnalyticShape::Cubic, extra).unwrap_err().key, "idle_w");
    }
}
