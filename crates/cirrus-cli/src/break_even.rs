//! `cirrus list [SCENARIO]`'s break-even idle times: how long a host must
//! stay idle for going down and coming back to cost no more energy than
//! staying on (`PowerStateSpec::break_even_s`, `docs/MODELS.md` C.5).

use cirrus::datacenter::HostType;
use cirrus::params::Params;
use cirrus::power::PowerStateSpec;

/// Off power of the shipped models' row: the documented default standby draw, W.
const DEFAULT_OFF_W: f64 = 10.0;

/// The break-even idle times of the shipped SPECpower models with the
/// documented typical transitions, or of a scenario's host types with
/// theirs (typical ones where a type configures none).
pub(crate) fn print(host_types: Option<&[HostType]>) {
    match host_types {
        None => {
            out!(
                "\nBreak-even idle times of the SPECpower models (typical transitions: boot 200 s at \
                 peak power, shutdown 10 s at idle power, {DEFAULT_OFF_W} W off; sleep: S3 at 5 % of \
                 peak, suspend 1 s and resume 5 s at idle power):"
            );
            header();
            for e in cirrus::registry::power_models() {
                if !e.name.starts_with("spec-") {
                    continue;
                }
                let Ok(model) = cirrus::registry::build_power_model(e.name, Params::default()) else {
                    continue;
                };
                let (peak_w, idle_w) = (model.max_power_watts(), model.idle_power_watts());
                row(
                    e.name,
                    idle_w,
                    DEFAULT_OFF_W,
                    &PowerStateSpec::typical(peak_w, idle_w, true),
                );
            }
        }
        Some(types) => {
            out!(
                "\nBreak-even idle times of the scenario's host types (typical transitions where none are configured):"
            );
            header();
            for t in types {
                let (peak_w, idle_w) = (t.power.max_power_watts(), t.power.idle_power_watts());
                let spec = t
                    .power_states
                    .unwrap_or_else(|| PowerStateSpec::typical(peak_w, idle_w, true));
                row(&t.name, idle_w, t.off_power_w, &spec);
            }
        }
    }
}

fn header() {
    out!(
        "  {:<22} {:>8} {:>7} {:>8} {:>10} {:>14} {:>16}",
        "host type / model",
        "idle W",
        "off W",
        "boot s",
        "boot kJ",
        "break-even s",
        "sleep b.-even s"
    );
}

fn row(name: &str, idle_w: f64, off_w: f64, spec: &PowerStateSpec) {
    let seconds = |s: f64| {
        if s.is_finite() {
            format!("{s:.1}")
        } else {
            "never".to_string()
        }
    };
    out!(
        "  {:<22} {:>8.1} {:>7.1} {:>8.1} {:>10.1} {:>14} {:>16}",
        name,
        idle_w,
        off_w,
        spec.boot_s,
        spec.boot_s * spec.boot_w / 1000.0,
        seconds(spec.break_even_s(idle_w, off_w)),
        if spec.sleep.is_some() {
            seconds(spec.sleep_break_even_s(idle_w))
        } else {
            "-".to_string()
        }
    );
}
