//! `cirrus reliability`: the reliability model of a scenario, without
//! simulating (`cirrus::reliability`; formulas in docs/RELIABILITY.md).

use std::path::PathBuf;
use std::process::ExitCode;

use cirrus::registry::build_migration_model;
use cirrus::reliability::{ReliabilityReport, assess, datacenter_inputs};

use crate::{EXIT_BAD_INPUT, EXIT_FAILURE, fail};

/// The command's inputs (see `cirrus reliability --help`).
#[derive(Debug, clap::Args)]
pub(crate) struct ReliabilityArgs {
    /// The scenario file (TOML), with [failures] drawn from distributions.
    scenario: PathBuf,
    /// Mission time, hours (default: the scenario's duration).
    #[arg(long)]
    mission_h: Option<f64>,
    /// Override a scenario value: --set key.path=value (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Print JSON (the model's inputs and every predicted value).
    #[arg(long)]
    json: bool,
}

pub(crate) fn reliability(a: ReliabilityArgs) -> ExitCode {
    let scenario = match cirrus_scenario::load(&a.scenario, &a.set) {
        Ok(s) => s,
        Err(e) => return fail(EXIT_BAD_INPUT, &e),
    };
    let path = a.scenario.display();
    let Some(failures) = &scenario.failures else {
        return fail(
            EXIT_BAD_INPUT,
            &format!(
                "{}: failures: no [failures]: the reliability model needs a failure process ([[failures.process]])",
                located(&a.scenario, "failures")
            ),
        );
    };
    let mission_s = match a.mission_h {
        None => scenario.config.duration_s,
        Some(h) if h.is_finite() && h > 0.0 => h * 3600.0,
        Some(h) => {
            return fail(
                EXIT_BAD_INPUT,
                &format!("--mission-h: expected hours > 0, found {h}"),
            );
        }
    };
    // Evacuations use the consolidation's migration model when there is one.
    let named = scenario
        .consolidation
        .as_ref()
        .map_or(&scenario.migration, |c| &c.migration);
    let model = match build_migration_model(&named.name, named.params.clone()) {
        Ok(m) => m,
        Err(e) => return fail(EXIT_BAD_INPUT, &format!("{path}: migration: {e}")),
    };
    let link_mbps = scenario.network.as_ref().map_or_else(
        || (scenario.spec.hosts.first()).map_or(0.0, |h| scenario.spec.host_types[h.host_type].bw_mbps),
        |n| n.host_link.capacity_mbps - n.host_link.background_mbps,
    );
    let d = match datacenter_inputs(
        &scenario.spec,
        failures,
        model.as_ref(),
        &scenario.vm_memory,
        link_mbps,
        mission_s,
    ) {
        Ok(d) => d,
        Err(e) => return fail(EXIT_BAD_INPUT, &format!("{}: {e}", located(&a.scenario, e.key))),
    };
    let r = assess(&d.inputs);
    if a.json {
        let value = serde_json::json!({
            "scenario": scenario.config.name,
            "migration_model": named.name,
            "evacuate": failures.evacuate,
            "restart_delay_s": d.inputs.restart_delay_s,
            "warning_s": d.inputs.process.warning_s,
            "link_mbps": d.link_mbps,
            "vms_per_host": d.vms_per_host,
            "evacuation_downtime_s": d.inputs.evacuation_downtime_s,
            "model": r,
        });
        match serde_json::to_string_pretty(&value) {
            Ok(text) => out!("{text}"),
            Err(e) => return fail(EXIT_FAILURE, &e),
        }
        return ExitCode::SUCCESS;
    }
    print_text(&scenario.config.name, &named.name, failures.evacuate, &d, &r);
    ExitCode::SUCCESS
}

/// `file:line:col` of `key` in the scenario file (of its deepest ancestor
/// present; the file alone if it cannot be read again).
fn located(file: &std::path::Path, key: &str) -> String {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    match cirrus_scenario::locate::TomlText::parse(&text) {
        Ok((toml, _)) => {
            let (line, column) = toml.line_col(key);
            format!("{}:{line}:{column}", file.display())
        }
        Err(_) => file.display().to_string(),
    }
}

fn print_text(
    name: &str,
    model: &str,
    evacuate: bool,
    d: &cirrus::reliability::DatacenterInputs,
    r: &ReliabilityReport,
) {
    let pct = |x: f64| format!("{:.4} %", 100.0 * x);
    let p = &d.inputs.process;
    out!("scenario                 {name}  (reliability model, not simulated)");
    out!("mission                  {:.1} h", r.mission_s / 3600.0);
    out!(
        "host MTBF / MTTR         {:.1} h / {:.2} h{}",
        r.host_mtbf_s / 3600.0,
        r.host_mttr_s / 3600.0,
        if r.exponential {
            "  (exponential failures)"
        } else {
            ""
        }
    );
    out!("host reliability R_h(T)  {:.6}", r.host_reliability);
    if r.host_availability_mission.is_nan() {
        out!("host availability        {}", pct(r.host_availability));
    } else {
        out!(
            "host availability        {}  (over the mission from an up start: {})",
            pct(r.host_availability),
            pct(r.host_availability_mission)
        );
    }
    out!(
        "evacuation               {:.2} s with {model}, {} VMs sharing a {:.0} Mbit/s link; warning {:.0} s",
        r.evacuation_s,
        d.vms_per_host,
        d.link_mbps,
        p.warning_s
    );
    let c = r.coverage;
    out!(
        "coverage c               {:.6} = announced {:.4} x in time {:.6} x room {:.6}",
        c.coverage,
        c.announced,
        c.in_time,
        c.room
    );
    out!("                         without migration   with migration");
    out!(
        "VM reliability R_VM(T)   {:<19.6} {:.6}  (R_h + (1 - R_h)c; every failure covered: {:.6})",
        r.vm_reliability_without,
        r.vm_reliability_with,
        r.vm_reliability_with_repeated
    );
    out!(
        "VM availability          {:<19} {}",
        pct(r.vm_availability_without),
        pct(r.vm_availability_with)
    );
    out!(
        "VMs lost (share)         {:<19} {}",
        pct(r.vms_lost_share_without),
        pct(r.vms_lost_share_with)
    );
    out!(
        "datacenter               {} of {} hosts hold the load: available {:.6}, reliable over the mission {:.6}",
        r.hosts_needed,
        r.hosts,
        r.datacenter_availability,
        r.datacenter_reliability
    );
    if !evacuate {
        out!(
            "note                     the scenario does not evacuate (failures.evacuate = false): its runs match \"without\""
        );
    }
}
