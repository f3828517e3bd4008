//! Host power states: what a host draws while it is off, asleep or between
//! states, and how long each transition takes (`docs/MODELS.md` C.5).
//!
//! A host is in one of the [`PowerState`]s; only [`PowerState::On`] runs
//! VMs. Its type's [`PowerStateSpec`] gives each state's power and each
//! transition's duration; the power while on is the type's [`PowerModel`](super::PowerModel)
//! at the host's utilisation, and the power while off is the type's
//! `off_power_w`. With every duration 0 a host switches instantly (CloudSim).

/// The power state of a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum PowerState {
    /// Running: draws its power model's power at its utilisation; the only
    /// state in which VMs are served.
    #[default]
    On,
    /// Switched off (soft off, S5): draws its type's `off_power_w`.
    Off,
    /// Suspended to RAM (S3): draws `sleep_w`; its memory is kept.
    Sleep,
    /// Booting towards `On`: draws `boot_w` for `boot_s`.
    Booting,
    /// Shutting down towards `Off`: draws `shutdown_w` for `shutdown_s`.
    ShuttingDown,
    /// Suspending towards `Sleep`: draws `suspend_w` for `suspend_s`.
    Suspending,
    /// Resuming towards `On`: draws `resume_w` for `resume_s`.
    Resuming,
}

impl PowerState {
    /// Every state, in the order of their columns in the outputs.
    pub const ALL: [PowerState; 7] = [
        PowerState::On,
        PowerState::Off,
        PowerState::Sleep,
        PowerState::Booting,
        PowerState::ShuttingDown,
        PowerState::Suspending,
        PowerState::Resuming,
    ];

    /// Its position in [`ALL`](Self::ALL).
    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }

    /// The name used in documentation and outputs.
    pub fn name(self) -> &'static str {
        match self {
            PowerState::On => "on",
            PowerState::Off => "off",
            PowerState::Sleep => "sleep",
            PowerState::Booting => "booting",
            PowerState::ShuttingDown => "shutting_down",
            PowerState::Suspending => "suspending",
            PowerState::Resuming => "resuming",
        }
    }

    /// A transition between two states (it ends at a given time).
    #[inline]
    pub fn is_transition(self) -> bool {
        matches!(
            self,
            PowerState::Booting | PowerState::ShuttingDown | PowerState::Suspending | PowerState::Resuming
        )
    }

    /// The state a transition ends in (`self` for a stable state).
    pub fn target(self) -> PowerState {
        match self {
            PowerState::Booting | PowerState::Resuming => PowerState::On,
            PowerState::ShuttingDown => PowerState::Off,
            PowerState::Suspending => PowerState::Sleep,
            s => s,
        }
    }
}

/// Suspend-to-RAM (ACPI S3) of a host type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SleepSpec {
    /// Power while asleep, W.
    pub sleep_w: f64,
    /// Time to suspend, s.
    pub suspend_s: f64,
    /// Power while suspending, W.
    pub suspend_w: f64,
    /// Time to resume, s.
    pub resume_s: f64,
    /// Power while resuming, W.
    pub resume_w: f64,
}

/// The power states of a host type: the power and duration of each
/// transition, and optionally a sleep state. Power while off is the host
/// type's `off_power_w`; power while on, its power model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PowerStateSpec {
    /// Time to boot from off, s.
    pub boot_s: f64,
    /// Power while booting, W.
    pub boot_w: f64,
    /// Time to shut down, s.
    pub shutdown_s: f64,
    /// Power while shutting down, W.
    pub shutdown_w: f64,
    /// Suspend-to-RAM, if the type has it.
    pub sleep: Option<SleepSpec>,
}

impl PowerStateSpec {
    /// CloudSim's switch: every transition instant and free, no sleep state.
    pub const INSTANT: Self = Self {
        boot_s: 0.0,
        boot_w: 0.0,
        shutdown_s: 0.0,
        shutdown_w: 0.0,
        sleep: None,
    };

    /// The documented defaults for a host of peak power `peak_w` and idle
    /// power `idle_w` (`docs/MODELS.md` C.5): boot 200 s at peak power
    /// (Gandhi et al., AutoScale, TOCS 2012: ~200 s of setup at ~240 W, the
    /// server's busy power), shutdown 10 s at idle power, and, with `sleep`,
    /// S3 at 5 % of peak power (Xi et al., ISLPED 2013: 4–6 % of nominal),
    /// suspended in 1 s and resumed in 5 s (Linux power-states documentation:
    /// S3 resume in 3–5 s; Xi et al.: entry in 50–650 ms, rounded up to a
    /// second with the OS's own work) at idle power.
    pub fn typical(peak_w: f64, idle_w: f64, sleep: bool) -> Self {
        Self {
            boot_s: 200.0,
            boot_w: peak_w,
            shutdown_s: 10.0,
            shutdown_w: idle_w,
            sleep: sleep.then_some(SleepSpec {
                sleep_w: 0.05 * peak_w,
                suspend_s: 1.0,
                suspend_w: idle_w,
                resume_s: 5.0,
                resume_w: idle_w,
            }),
        }
    }

    /// Duration of the transition `state` (0 for a stable state), s.
    pub fn duration_s(&self, state: PowerState) -> f64 {
        match state {
            PowerState::Booting => self.boot_s,
            PowerState::ShuttingDown => self.shutdown_s,
            PowerState::Suspending => self.sleep.map_or(0.0, |s| s.suspend_s),
            PowerState::Resuming => self.sleep.map_or(0.0, |s| s.resume_s),
            _ => 0.0,
        }
    }

    /// Power drawn in a state other than `On`, W (`off_w`: the type's off power).
    pub fn power_w(&self, state: PowerState, off_w: f64) -> f64 {
        match state {
            PowerState::Off => off_w,
            PowerState::Booting => self.boot_w,
            PowerState::ShuttingDown => self.shutdown_w,
            PowerState::Sleep => self.sleep.map_or(off_w, |s| s.sleep_w),
            PowerState::Suspending => self.sleep.map_or(0.0, |s| s.suspend_w),
            PowerState::Resuming => self.sleep.map_or(0.0, |s| s.resume_w),
            PowerState::On => f64::NAN,
        }
    }

    /// What it still takes to bring a host in `state` to `On`: (seconds at
    /// the least, joules of transitions not yet begun). A host already
    /// booting or resuming is charged nothing more (its transition is paid
    /// for) and at most its whole transition's time.
    pub fn wake_cost(&self, state: PowerState) -> (f64, f64) {
        let (boot, resume) = (
            self.boot_s * self.boot_w,
            self.sleep.map_or(0.0, |s| s.resume_s * s.resume_w),
        );
        let resume_s = self.sleep.map_or(0.0, |s| s.resume_s);
        match state {
            PowerState::On => (0.0, 0.0),
            PowerState::Off => (self.boot_s, boot),
            PowerState::ShuttingDown => (self.shutdown_s + self.boot_s, boot),
            PowerState::Booting => (self.boot_s, 0.0),
            PowerState::Sleep => (resume_s, resume),
            PowerState::Suspending => (self.duration_s(PowerState::Suspending) + resume_s, resume),
            PowerState::Resuming => (resume_s, 0.0),
        }
    }

    /// What placement charges for waking a host in `state` of idle power
    /// `idle_w` and off power `off_w`, W: the power it draws beyond its
    /// present state's once on at no load, plus the energy of the transitions
    /// still to begin spread over `horizon_s` seconds (0 for a host on, or
    /// already booting or resuming).
    pub fn wake_charge_w(&self, state: PowerState, idle_w: f64, off_w: f64, horizon_s: f64) -> f64 {
        let (_, energy_j) = self.wake_cost(state);
        let present_w = match state {
            PowerState::On | PowerState::Booting | PowerState::Resuming => return 0.0,
            PowerState::Off | PowerState::ShuttingDown => off_w,
            PowerState::Sleep | PowerState::Suspending => self.power_w(PowerState::Sleep, off_w),
        };
        (idle_w - present_w).max(0.0) + energy_j / horizon_s
    }

    /// The break-even idle time, s: how long a host must stay idle for
    /// switching it off and booting it again to cost no more energy than
    /// keeping it on at idle power `idle_w`,
    /// `(E_down + E_boot − P_off·(T_down + T_boot)) / (P_idle − P_off)`.
    /// Infinite when the host draws no more idle than off (never worth it);
    /// 0 when the transitions cost no more than staying off.
    pub fn break_even_s(&self, idle_w: f64, off_w: f64) -> f64 {
        let transitions_j = self.shutdown_s * self.shutdown_w + self.boot_s * self.boot_w;
        let off_j = off_w * (self.shutdown_s + self.boot_s);
        break_even(transitions_j - off_j, idle_w - off_w)
    }

    /// The break-even idle time for sleep instead of off, s (infinite
    /// without a sleep state): the same formula with suspend, resume and
    /// sleep power.
    pub fn sleep_break_even_s(&self, idle_w: f64) -> f64 {
        match self.sleep {
            None => f64::INFINITY,
            Some(s) => {
                let transitions_j = s.suspend_s * s.suspend_w + s.resume_s * s.resume_w;
                let asleep_j = s.sleep_w * (s.suspend_s + s.resume_s);
                break_even(transitions_j - asleep_j, idle_w - s.sleep_w)
            }
        }
    }

    /// Checks every value: durations and powers finite and ≥ 0. Returns the
    /// offending key and a message.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        let mut values = vec![
            ("boot_s", self.boot_s),
            ("boot_w", self.boot_w),
            ("shutdown_s", self.shutdown_s),
            ("shutdown_w", self.shutdown_w),
        ];
        if let Some(s) = self.sleep {
            values.extend([
                ("sleep_w", s.sleep_w),
                ("suspend_s", s.suspend_s),
                ("suspend_w", s.suspend_w),
                ("resume_s", s.resume_s),
                ("resume_w", s.resume_w),
            ]);
        }
        for (key, v) in values {
            if !(v.is_finite() && v >= 0.0) {
                return Err((key, format!("must be a number >= 0, found {v}")));
            }
        }
        Ok(())
    }
}

fn break_even(extra_j: f64, saved_w: f64) -> f64 {
    if saved_w <= 0.0 {
        f64::INFINITY
    } else {
        (extra_j / saved_w).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn break_even_of_the_simgrid_example() {
        // Boot 150 s at 120 W, shutdown 7 s at 110 W, off 10 W, idle 95 W:
        // (770 + 18 000 − 10·157) / (95 − 10) = 17 200 / 85 s.
        let spec = PowerStateSpec {
            boot_s: 150.0,
            boot_w: 120.0,
            shutdown_s: 7.0,
            shutdown_w: 110.0,
            sleep: None,
        };
        assert!((spec.break_even_s(95.0, 10.0) - 17_200.0 / 85.0).abs() < 1e-9);
        assert_eq!(spec.break_even_s(10.0, 10.0), f64::INFINITY);
        assert_eq!(PowerStateSpec::INSTANT.break_even_s(95.0, 0.0), 0.0);
        assert_eq!(spec.sleep_break_even_s(95.0), f64::INFINITY);
    }

    #[test]
    fn wake_costs_and_transitions() {
        let spec = PowerStateSpec::typical(117.0, 86.0, true);
        assert_eq!(spec.wake_cost(PowerState::On), (0.0, 0.0));
        assert_eq!(spec.wake_cost(PowerState::Off), (200.0, 200.0 * 117.0));
        assert_eq!(spec.wake_cost(PowerState::Sleep), (5.0, 5.0 * 86.0));
        assert_eq!(spec.wake_cost(PowerState::Booting).1, 0.0);
        assert_eq!(PowerState::Suspending.target(), PowerState::Sleep);
        assert!(PowerState::Resuming.is_transition() && !PowerState::Sleep.is_transition());
        // Sleep's break-even: (1·86 + 5·86 − 5.85·6) / (86 − 5.85).
        let be = spec.sleep_break_even_s(86.0);
        assert!(
            (be - (6.0 * 86.0 - 5.85 * 6.0) / (86.0 - 5.85)).abs() < 1e-9,
            "{be}"
        );
        for (i, s) in PowerState::ALL.iter().enumerate() {
            assert_eq!(s.index(), i);
        }
        let bad = PowerStateSpec { boot_s: -1.0, ..spec };
        assert_eq!(bad.check().unwrap_err().0, "boot_s");
    }
}
