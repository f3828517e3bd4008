//! Simulated time.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Add, AddAssign, Sub};

/// A point in simulated time, in seconds since the start of the simulation.
///
/// Why a newtype rather than a bare `f64`: the event queue needs a *total*
/// order, or the order in which events fire (and therefore every result)
/// could depend on how NaN happens to compare. The constructor rejects NaN,
/// so `Eq`, `Ord` and `Hash` are lawful, and the field is private so no one
/// can smuggle a NaN in afterwards. `-0.0` is normalised to `0.0` so that
/// times that compare equal also hash alike.
///
/// Infinities are allowed: `SimTime::from_secs(f64::INFINITY)` is a handy
/// horizon meaning "run until the queue drains".
#[derive(Debug, Clone, Copy, Default)]
pub struct SimTime(f64);

impl SimTime {
    /// The start of the simulation.
    pub const ZERO: SimTime = SimTime(0.0);

    /// The time `secs` seconds after the start of the simulation.
    ///
    /// # Panics
    ///
    /// If `secs` is NaN. A NaN time can only come from a bug in the caller's
    /// arithmetic (e.g. `0.0 / 0.0` or `inf - inf`), and letting it into the
    /// queue would silently corrupt the event order, so it fails loudly here.
    /// Use [`SimTime::try_from_secs`] for values from untrusted input.
    pub const fn from_secs(secs: f64) -> SimTime {
        match SimTime::try_from_secs(secs) {
            Some(t) => t,
            None => panic!("SimTime::from_secs: simulated time must not be NaN"),
        }
    }

    /// Like [`SimTime::from_secs`], but returns `None` instead of panicking
    /// when `secs` is NaN.
    pub const fn try_from_secs(secs: f64) -> Option<SimTime> {
        if secs.is_nan() {
            None
        } else if secs == 0.0 {
            // Folds -0.0 into 0.0, keeping bitwise equality == numeric equality.
            Some(SimTime::ZERO)
        } else {
            Some(SimTime(secs))
        }
    }

    /// The time in seconds since the start of the simulation.
    pub const fn secs(self) -> f64 {
        self.0
    }
}

// Equality, ordering and hashing are written by hand (not derived from f64's
// partial ones) so that all three agree: with NaN excluded and -0.0 folded
// into 0.0, bitwise equality, `total_cmp` and numeric comparison coincide.
impl PartialEq for SimTime {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Eq for SimTime {}

impl PartialOrd for SimTime {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SimTime {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

impl Hash for SimTime {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state);
    }
}

/// Prints the seconds as `f64`'s `Display` does, followed by `" s"`
/// (e.g. `300.1 s`); width and precision flags apply to the number.
impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)?;
        f.write_str(" s")
    }
}

/// `time + seconds`.
///
/// # Panics
///
/// If the sum is NaN (`rhs` is NaN, or infinities of opposite sign meet).
impl Add<f64> for SimTime {
    type Output = SimTime;

    fn add(self, rhs: f64) -> SimTime {
        SimTime::from_secs(self.0 + rhs)
    }
}

/// `time += seconds`.
///
/// # Panics
///
/// As for `SimTime + f64`.
impl AddAssign<f64> for SimTime {
    fn add_assign(&mut self, rhs: f64) {
        *self = *self + rhs;
    }
}

/// The difference between two times, in seconds (negative if `rhs` is later).
/// Plain `f64`: a duration, unlike a time, may be negative, and `inf - inf`
/// yields NaN.
impl Sub for SimTime {
    type Output = f64;

    fn sub(self, rhs: SimTime) -> f64 {
        self.0 - rhs.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::hash_map::DefaultHasher;

    fn hash_of(t: SimTime) -> u64 {
        let mut h = DefaultHasher::new();
        t.hash(&mut h);
        h.finish()
    }

    #[test]
    fn construction_and_accessors() {
        assert_eq!(SimTime::ZERO.secs(), 0.0);
        assert_eq!(SimTime::default(), SimTime::ZERO);
        assert_eq!(SimTime::from_secs(12.5).secs(), 12.5);
        assert_eq!(SimTime::try_from_secs(f64::NAN), None);
        assert_eq!(SimTime::try_from_secs(3.0), Some(SimTime::from_secs(3.0)));
        assert_eq!(SimTime::from_secs(f64::INFINITY).secs(), f64::INFINITY);
    }

    #[test]
    #[should_panic(expected = "must not be NaN")]
    fn from_secs_rejects_nan() {
        let _ = SimTime::from_secs(f64::NAN);
    }

    #[test]
    #[should_panic(expected = "must not be NaN")]
    fn adding_nan_panics() {
        let _ = SimTime::from_secs(1.0) + f64::NAN;
    }

    #[test]
    fn negative_zero_is_zero() {
        let nz = SimTime::from_secs(-0.0);
        assert_eq!(nz, SimTime::ZERO);
        assert_eq!(nz.cmp(&SimTime::ZERO), Ordering::Equal);
        assert_eq!(hash_of(nz), hash_of(SimTime::ZERO));
        assert!(nz.secs().is_sign_positive());
    }

    #[test]
    fn total_order() {
        let mut v: Vec<SimTime> = [5.0, -1.0, f64::INFINITY, 0.0, 2.5, f64::NEG_INFINITY]
            .into_iter()
            .map(SimTime::from_secs)
            .collect();
        v.sort();
        let secs: Vec<f64> = v.iter().map(|t| t.secs()).collect();
        assert_eq!(secs, [f64::NEG_INFINITY, -1.0, 0.0, 2.5, 5.0, f64::INFINITY]);
        assert!(SimTime::from_secs(1.0) < SimTime::from_secs(1.5));
    }

    #[test]
    fn arithmetic() {
        let t = SimTime::from_secs(100.0) + 200.1;
        assert_eq!(t, SimTime::from_secs(300.1));
        assert_eq!(t - SimTime::from_secs(100.0), 300.1 - 100.0);
        assert_eq!(SimTime::from_secs(1.0) - SimTime::from_secs(3.0), -2.0);
        let mut u = SimTime::ZERO;
        u += 4.0;
        u += 0.5;
        assert_eq!(u, SimTime::from_secs(4.5));
    }

    #[test]
    fn display() {
        assert_eq!(SimTime::from_secs(300.1).to_string(), "300.1 s");
        assert_eq!(SimTime::ZERO.to_string(), "0 s");
        assert_eq!(format!("{:.2}", SimTime::from_secs(1.0 / 3.0)), "0.33 s");
    }
}
