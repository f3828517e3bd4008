//! `[host_types.power_states]` and `[power_management]`: host power states
//! and when hosts go down and come up, checked with located errors.

use cirrus::datacenter::HostType;
use cirrus::power::{PowerStateSpec, SleepSpec};
use cirrus::simulation::{DownState, IdleRule, IdleTimeout, PowerManagement};

use super::Context;
use crate::error::ScenarioError;
use crate::schema::{DownStateKey, IdleAfter, IdleAfterWord, PowerStatesPreset, PowerStatesSection};

impl Context {
    /// Host type `i`'s power states from its section (`ht`: the type with
    /// its power model, which the presets' powers come from).
    pub(super) fn power_states(
        &self,
        i: usize,
        ht: &HostType,
        section: &PowerStatesSection,
    ) -> Result<PowerStateSpec, ScenarioError> {
        let key = |field: &str| format!("host_types[{i}].power_states.{field}");
        let (peak_w, idle_w) = (ht.power.max_power_watts(), ht.power.idle_power_watts());
        let mut spec = match section.preset {
            PowerStatesPreset::Instant => PowerStateSpec::INSTANT,
            PowerStatesPreset::Typical => PowerStateSpec::typical(peak_w, idle_w, false),
            PowerStatesPreset::TypicalSleep => PowerStateSpec::typical(peak_w, idle_w, true),
        };
        let s = section;
        let sleep_keys = [s.sleep_w, s.suspend_s, s.suspend_w, s.resume_s, s.resume_w];
        if spec.sleep.is_none() && sleep_keys.iter().any(Option::is_some) {
            spec.sleep = Some(SleepSpec {
                sleep_w: 0.0,
                suspend_s: 0.0,
                suspend_w: 0.0,
                resume_s: 0.0,
                resume_w: 0.0,
            });
        }
        let set = |field: &str, value: Option<f64>, slot: &mut f64| -> Result<(), ScenarioError> {
            if let Some(x) = value {
                if !(x.is_finite() && x >= 0.0) {
                    return Err(self.invalid(&key(field), format!("expected a number >= 0, found {x}")));
                }
                *slot = x;
            }
            Ok(())
        };
        set("boot_s", s.boot_s, &mut spec.boot_s)?;
        set("boot_w", s.boot_w, &mut spec.boot_w)?;
        set("shutdown_s", s.shutdown_s, &mut spec.shutdown_s)?;
        set("shutdown_w", s.shutdown_w, &mut spec.shutdown_w)?;
        if let Some(sleep) = spec.sleep.as_mut() {
            set("sleep_w", s.sleep_w, &mut sleep.sleep_w)?;
            set("suspend_s", s.suspend_s, &mut sleep.suspend_s)?;
            set("suspend_w", s.suspend_w, &mut sleep.suspend_w)?;
            set("resume_s", s.resume_s, &mut sleep.resume_s)?;
            set("resume_w", s.resume_w, &mut sleep.resume_w)?;
        }
        Ok(spec)
    }

    /// `[power_management]`, if present.
    pub(super) fn power_management(&self) -> Result<Option<PowerManagement>, ScenarioError> {
        let Some(s) = &self.file.power_management else {
            return Ok(None);
        };
        let idle_rule = match s.idle_after_s {
            None | Some(IdleAfter::Word(IdleAfterWord::Immediately)) => IdleRule::Immediately,
            Some(IdleAfter::Word(IdleAfterWord::Never)) => IdleRule::Never,
            Some(IdleAfter::Word(IdleAfterWord::BreakEven)) => IdleRule::After(IdleTimeout::BreakEven),
            Some(IdleAfter::Seconds(x)) if !(x.is_finite() && x >= 0.0) => {
                return Err(self.invalid(
                    "power_management.idle_after_s",
                    format!("expected seconds >= 0, \"immediately\", \"break-even\" or \"never\", found {x}"),
                ));
            }
            Some(IdleAfter::Seconds(0.0)) => IdleRule::Immediately,
            Some(IdleAfter::Seconds(x)) => IdleRule::After(IdleTimeout::Seconds(x)),
        };
        let f = s.spare_load_fraction;
        if !(f.is_finite() && (0.0..=1.0).contains(&f)) {
            return Err(self.invalid(
                "power_management.spare_load_fraction",
                format!("expected a fraction in [0, 1], found {f}"),
            ));
        }
        Ok(Some(PowerManagement {
            idle_rule,
            down_state: match s.down_state {
                DownStateKey::Off => DownState::Off,
                DownStateKey::Sleep => DownState::Sleep,
            },
            spare_hosts: s.spare_hosts,
            spare_load_fraction: f,
        }))
    }
}
