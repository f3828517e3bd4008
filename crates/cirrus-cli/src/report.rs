//! What `cirrus run` tells a person at a terminal: the summary of a run in
//! text, the line saying what `--audit` checked, and a progress line while a
//! long run simulates. None of it is in the result files.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use cirrus::metrics::RunResult;

/// What the text summary needs besides the result.
pub(crate) struct Context<'a> {
    /// The scenario path and its overrides.
    pub described: &'a str,
    /// Whether the scenario places hosts in racks.
    pub racks: bool,
    /// Wall time from start to the results written.
    pub wall: Duration,
    /// Of which loading, simulating and writing.
    pub load: Duration,
    pub simulate: Duration,
    pub write: Duration,
    /// The short-traces line, if any trace is short.
    pub short_traces: Option<String>,
    /// The trace readers' load report (trace formats with one), written to
    /// `trace_report.json`.
    pub trace_report: Option<&'a dyn std::fmt::Display>,
    /// Where the results went.
    pub out_dir: &'a Path,
}

/// Prints the run's summary on stdout. Fractions of `summary.json` (SLATAH,
/// PDM, SLAV, violations, availabilities, the placement gap) are printed as
/// percentages with a `%` sign (`docs/OUTPUTS.md`).
pub(crate) fn print_text(result: &RunResult, ctx: &Context<'_>) {
    let s = &result.summary;
    let sim_s = ctx.simulate.as_secs_f64().max(1e-9);
    out!("scenario      {} ({})", s.run.scenario, ctx.described);
    out!(
        "hosts / VMs   {} / {} ({} placed, {} retired at zero demand)",
        s.run.hosts,
        s.run.vms,
        s.run.vms_placed,
        s.run.vms_finished
    );
    out!(
        "simulated     {:.1} s in {} steps (last at {:.1} s)",
        s.run.simulated_s,
        s.run.steps,
        s.run.last_step_s
    );
    if s.energy.total_energy_kwh > s.energy.energy_kwh {
        out!(
            "energy        {:.2} kWh servers, {:.2} network, {:.2} cooling, {:.2} migrations: {:.2} kWh in total",
            s.energy.energy_kwh,
            s.energy.network_energy_kwh,
            s.energy.cooling_energy_kwh,
            s.energy.migration_energy_kwh,
            s.energy.total_energy_kwh
        );
    } else {
        out!("energy        {:.2} kWh", s.energy.energy_kwh);
    }
    out!(
        "active hosts  mean {:.1}, min {}, max {}   {}",
        s.activity.active_hosts_mean,
        s.activity.active_hosts_min,
        s.activity.active_hosts_max,
        sparkline(
            &result
                .intervals
                .iter()
                .map(|r| r.active_hosts as f64)
                .collect::<Vec<_>>(),
            48
        )
    );
    out!("shutdowns     {} (hosts switched off)", s.sla.host_shutdowns);
    out!("{}", placement_line(result, ctx.racks));
    if let Some(line) = migration_line(result) {
        out!("{line}");
    }
    if s.failures.host_failures > 0 {
        out!(
            "failures      {} hosts failed ({} crashes): MTBF {:.1} h, MTTR {:.1} h, hosts up {:.3} %; \
             {} VMs lost, {} restarted, {} evacuated, {} migrations aborted",
            s.failures.host_failures,
            s.failures.host_crashes,
            s.failures.host_mtbf_s / 3600.0,
            s.failures.host_mttr_s / 3600.0,
            s.failures.host_availability * 100.0,
            s.failures.vm_losses,
            s.failures.vm_restarts,
            s.failures.vms_evacuated,
            s.failures.migrations_aborted
        );
    }
    if s.availability.vm_downtime_s > 0.0 {
        out!(
            "availability  VMs mean {:.5} %, min {:.5} %, {} below {:.3} %; downtime {:.1} s \
             (migration {:.1}, restart {:.1}, waiting for room {:.1})",
            s.availability.vm_availability_mean * 100.0,
            s.availability.vm_availability_min * 100.0,
            s.availability.availability_violations,
            s.availability.availability_target * 100.0,
            s.availability.vm_downtime_s,
            s.availability.vm_downtime_migration_s,
            s.availability.vm_downtime_restart_s,
            s.availability.vm_downtime_crash_s
        );
    }
    if let Some(line) = power_states_line(result) {
        out!("{line}");
    }
    if let Some(line) = real_time_line(result) {
        out!("{line}");
    }
    out!(
        "SLA           SLAV {:.5} %  SLATAH {:.2} %  PDM {:.2} %  ESV {:.5} (kWh x SLAV as a fraction)",
        s.degradation.slav * 100.0,
        s.sla.slatah * 100.0,
        s.degradation.pdm * 100.0,
        s.degradation.esv
    );
    out!("{}", violation_line(result));
    out!(
        "wall time     {:.3} s (load {:.3} s, simulate {:.3} s, write {:.3} s)",
        ctx.wall.as_secs_f64(),
        ctx.load.as_secs_f64(),
        ctx.simulate.as_secs_f64(),
        ctx.write.as_secs_f64(),
    );
    out!(
        "throughput    {} events ({:.0}/s), {} VM-steps ({:.2} M/s)",
        s.run.events,
        s.run.events as f64 / sim_s,
        s.run.vm_steps,
        s.run.vm_steps as f64 / sim_s / 1e6
    );
    if let Some(line) = &ctx.short_traces {
        out!("{line}");
    }
    if let Some(report) = ctx.trace_report {
        out!("trace         {report} (trace_report.json)");
    }
    out!(
        "results       {} (summary.json, manifest.json, scenario.resolved.toml, tables)",
        ctx.out_dir.display()
    );
}

/// Host power states, when a host went through a transition or a VM waited for one (runs
/// without power management print nothing: every host is on or off at once).
fn power_states_line(result: &RunResult) -> Option<String> {
    let p = &result.summary.power_states;
    let transitions = p.power_boots + p.power_shutdowns + p.power_sleeps + p.power_wakes;
    if transitions == 0 && p.vm_waiting_s == 0.0 {
        return None;
    }
    let in_transitions_kwh =
        p.energy_booting_kwh + p.energy_shutting_down_kwh + p.energy_suspending_kwh + p.energy_resuming_kwh;
    let moves = match &result.summary.move_waits {
        Some(w) if w.moves_waited_for_host > 0 => format!(
            "; {} moves waited {:.2} h for their target",
            w.moves_waited_for_host,
            w.move_wait_s / 3600.0
        ),
        _ => String::new(),
    };
    Some(format!(
        "power states  {} boots, {} shutdowns, {} sleeps, {} wakes; energy on {:.2}, off {:.2}, \
         asleep {:.2}, in transitions {:.2} kWh; VMs waited {:.2} VM-h for a host to come on{moves}",
        p.power_boots,
        p.power_shutdowns,
        p.power_sleeps,
        p.power_wakes,
        p.energy_on_kwh,
        p.energy_off_kwh,
        p.energy_sleep_kwh,
        in_transitions_kwh,
        p.vm_waiting_s / 3600.0
    ))
}

/// Real-time VMs' deadlines, in runs that have any (docs/REALTIME.md).
fn real_time_line(result: &RunResult) -> Option<String> {
    let rt = result.summary.real_time.as_ref()?;
    let bounded = result
        .migrations
        .iter()
        .filter(|m| m.max_downtime_s.is_some())
        .count();
    Some(format!(
        "real-time     {} VM{}: {} of their {} migrations over the downtime bound (deadline \
         misses), {} moves deferred, {} evacuations predicted too late",
        rt.real_time_vms,
        if rt.real_time_vms == 1 { "" } else { "s" },
        rt.deadline_misses,
        bounded,
        rt.deadline_deferrals,
        rt.evacuations_too_late
    ))
}

/// The initial placement's quality; racks only when the scenario has racks
/// (without, every host would count as a rack of its own), traffic only when
/// applications exchange any.
fn placement_line(result: &RunResult, racks: bool) -> String {
    let p = &result.summary.placement;
    let mut line = if racks {
        format!(
            "placement     {} hosts in {} racks at t = 0",
            p.placement_hosts, p.placement_racks
        )
    } else {
        format!("placement     {} hosts at t = 0", p.placement_hosts)
    };
    line.push_str(&format!(
        " (lower bound {}, gap {:.1} %)",
        p.placement_lower_bound_hosts,
        p.placement_gap * 100.0
    ));
    if p.placement_total_traffic_mbps > 0.0 {
        if racks {
            line.push_str(&format!(
                ", inter-rack traffic {:.0} of {:.0} Mbit/s",
                p.placement_inter_rack_traffic_mbps, p.placement_total_traffic_mbps
            ));
        } else {
            line.push_str(&format!(
                ", inter-host traffic {:.0} of {:.0} Mbit/s",
                p.placement_inter_host_traffic_mbps, p.placement_total_traffic_mbps
            ));
        }
    }
    line.push_str(&format!(
        ", {} anti-collocation / {} capacity violations",
        p.placement_anti_collocation_violations, p.placement_constraint_violations
    ));
    line
}

/// Migrations by reason, their duration, and their downtime's mean, 99th
/// percentile and maximum (a few long stop-and-copy rounds put the mean
/// above the p99); none printed as such, without means of nothing.
fn migration_line(result: &RunResult) -> Option<String> {
    let s = &result.summary;
    let n = s.migration_counts.migrations;
    if n == 0 {
        return (s.consolidation.consolidation_rounds > 0).then(|| {
            format!(
                "migrations    none ({} consolidation rounds)",
                s.consolidation.consolidation_rounds
            )
        });
    }
    let max_downtime_s = result
        .migrations
        .iter()
        .map(|m| m.downtime_s)
        .filter(|d| d.is_finite())
        .fold(0.0, f64::max);
    let c = &s.migration_costs;
    Some(format!(
        "migrations    {n} ({} overload, {} underload, {} scripted, {} evacuations), mean {:.2} s, \
         downtime mean {:.3} s, p99 {:.3} s, max {:.3} s, {:.0} MB sent",
        s.migration_counts.migrations_overload,
        s.migration_counts.migrations_underload,
        c.migrations_scripted,
        c.migrations_evacuation,
        c.migration_time_mean_s,
        c.migration_downtime_mean_s,
        c.migration_downtime_p99_s,
        max_downtime_s,
        c.migration_data_mb
    ))
}

/// CloudSim's two violation figures, each with what it is a share of: the
/// "average" is over the VM-intervals that were under-served only, so a few
/// VMs down for a while (a failure run) make it 100 % while the overall share
/// stays near 0.
fn violation_line(result: &RunResult) -> String {
    let sla = &result.summary.sla;
    let overall = format!(
        "              overall violation {:.2} % of the MIPS·s requested",
        sla.overall_sla_violation * 100.0
    );
    if sla.average_sla_violation > 0.0 {
        format!(
            "{overall}; average violation {:.2} % (mean shortfall of the under-served VM-intervals only)",
            sla.average_sla_violation * 100.0
        )
    } else {
        format!("{overall}; no VM under-served")
    }
}

/// A one-line chart of `values`, resampled to at most `width` columns.
fn sparkline(values: &[f64], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    if values.is_empty() {
        return String::new();
    }
    let max = values.iter().copied().fold(f64::MIN, f64::max);
    let min = values.iter().copied().fold(f64::MAX, f64::min);
    let cols = width.min(values.len());
    (0..cols)
        .map(|c| {
            let lo = c * values.len() / cols;
            let hi = ((c + 1) * values.len() / cols).max(lo + 1);
            let v = values[lo..hi].iter().sum::<f64>() / (hi - lo) as f64;
            let level = if max > min {
                ((v - min) / (max - min) * 7.0).round() as usize
            } else {
                0
            };
            BARS[level.min(7)]
        })
        .collect()
}

/// What `--audit` checked, for stderr after a run without violation.
pub(crate) fn audit_line(audit: &cirrus::audit::Auditor) -> String {
    let mut line = format!(
        "audit: {} states checked (after initial placement and every event): capacity per host, \
         each VM on one host or in one migration, energy finite and never decreasing, time never \
         going back, failed hosts empty, no migration into a host that is not up",
        group_thousands(audit.events())
    );
    if audit.reserved_checked() > 0 {
        line.push_str(&format!(
            ", reserved real-time VMs served in full ({} VM-states, {} of them on an \
             oversubscribed host)",
            group_thousands(audit.reserved_checked()),
            group_thousands(audit.reserved_beside_shortfall())
        ));
    }
    line.push_str("; no violation");
    line
}

/// `1234567` as `1,234,567`.
fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Shown once the run has simulated this long.
const PROGRESS_AFTER: Duration = Duration::from_secs(1);
/// At most this often.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// A progress line on stderr while a run simulates: simulated time against
/// the duration and the wall time so far, redrawn a few times a second once
/// the run has taken a second, cleared at the end. Only when stderr is a
/// terminal; it reads the clock once per event and changes nothing in the run.
pub(crate) struct Progress {
    duration_s: f64,
    started: Instant,
    last: Option<Instant>,
}

impl Progress {
    /// A progress line for a run of `duration_s` simulated seconds, if stderr
    /// is a terminal.
    pub(crate) fn on_terminal(duration_s: f64) -> Option<Self> {
        std::io::stderr().is_terminal().then(|| Self::new(duration_s))
    }

    fn new(duration_s: f64) -> Self {
        Self {
            duration_s,
            started: Instant::now(),
            last: None,
        }
    }

    /// After an event at simulated time `time_s`.
    pub(crate) fn tick(&mut self, time_s: f64) {
        let now = Instant::now();
        if let Some(line) = self.line_at(now, time_s) {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{line}");
            let _ = err.flush();
        }
    }

    /// The line to draw at wall instant `now`, if it is time to draw one.
    fn line_at(&mut self, now: Instant, time_s: f64) -> Option<String> {
        let elapsed = now.duration_since(self.started);
        if elapsed < PROGRESS_AFTER || self.last.is_some_and(|l| now.duration_since(l) < PROGRESS_EVERY) {
            return None;
        }
        self.last = Some(now);
        let share = if self.duration_s > 0.0 {
            (time_s / self.duration_s * 100.0).clamp(0.0, 100.0)
        } else {
            100.0
        };
        Some(format!(
            "simulating    {time_s:.0} of {:.0} s ({share:.0} %), {:.1} s wall",
            self.duration_s,
            elapsed.as_secs_f64()
        ))
    }

    /// Clears the line, if one was drawn.
    pub(crate) fn clear(&mut self) {
        if self.last.is_some() {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_waits_a_second_then_draws_a_few_times_a_second() {
        let mut p = Progress::new(86_400.0);
        let t0 = p.started;
        assert_eq!(p.line_at(t0 + Duration::from_millis(900), 100.0), None);
        assert_eq!(
            p.line_at(t0 + Duration::from_millis(1000), 43_200.0).as_deref(),
            Some("simulating    43200 of 86400 s (50 %), 1.0 s wall")
        );
        assert_eq!(p.line_at(t0 + Duration::from_millis(1100), 50_000.0), None);
        assert!(
            p.line_at(t0 + Duration::from_millis(1250), 86_400.0)
                .unwrap()
                .contains("(100 %)")
        );
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_000), "1,000");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
    }
}
