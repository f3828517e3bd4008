//! `cirrus migrate`: one live migration's outcome without a datacenter, from
//! the same model code the simulator runs (`cirrus::migration::trace_alone`
//! over a constant bandwidth).

use std::process::ExitCode;

use cirrus::migration::{PredictionInput, VmMemory, trace_alone};
use cirrus::params::{ParamValue, Params};
use cirrus::registry::build_migration_model;

use crate::{EXIT_BAD_INPUT, EXIT_FAILURE, fail};

/// The calculator's inputs (see `cirrus migrate --help`).
#[derive(Debug, clap::Args)]
pub(crate) struct MigrateArgs {
    /// Model: stop-and-copy, pre-copy, post-copy, hybrid, time-series, cloudsim.
    #[arg(long)]
    model: String,
    /// The VM's memory, MB.
    #[arg(long)]
    ram_mb: f64,
    /// The link's bandwidth, Mbit/s (1 Gbit/s moves 125 MB per second).
    #[arg(long)]
    bandwidth_mbps: f64,
    /// Rate at which the VM writes memory, MB/s.
    #[arg(long, default_value_t = 0.0)]
    dirty_mb_per_s: f64,
    /// Pre-copy: most live rounds (Xen: 29).
    #[arg(long)]
    max_rounds: Option<f64>,
    /// Pre-copy: most data sent, as a multiple of the RAM (Xen: 3).
    #[arg(long)]
    max_factor: Option<f64>,
    /// Pre-copy: stop when fewer pages are dirty (Xen: 50).
    #[arg(long)]
    min_dirty_pages: Option<f64>,
    /// Page size, KB.
    #[arg(long)]
    page_kb: Option<f64>,
    /// Pre-copy (KVM rule): stop when the rest fits this downtime, ms.
    #[arg(long)]
    max_downtime_ms: Option<f64>,
    /// Set-up overhead, s.
    #[arg(long)]
    setup_s: Option<f64>,
    /// Resume overhead, s.
    #[arg(long)]
    resume_s: Option<f64>,
    /// Any other model parameter: --param key=value (repeatable; `cirrus list`).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,
    /// Any other memory parameter (wws_mb, hot_fraction, ...): --memory key=value.
    #[arg(long = "memory", value_name = "KEY=VALUE")]
    memory: Vec<String>,
    /// Print JSON (`total_time_s`, `downtime_s`, `data_mb`, `rounds`, `stop_reason`, `phases`,
    /// and the model's closed-form `predicted` values).
    #[arg(long)]
    json: bool,
}

fn key_values(pairs: &[String], into: &mut Params) -> Result<(), String> {
    for p in pairs {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| format!("`{p}`: expected KEY=VALUE"))?;
        let value = match v.trim() {
            "true" => ParamValue::Bool(true),
            "false" => ParamValue::Bool(false),
            t => match t.parse::<f64>() {
                Ok(x) => ParamValue::Number(x),
                Err(_) => ParamValue::Text(t.trim_matches('"').to_string()),
            },
        };
        into.insert(k.trim(), value);
    }
    Ok(())
}

pub(crate) fn migrate(a: MigrateArgs) -> ExitCode {
    let mut model_params = Params::new();
    for (key, value) in [
        ("max_rounds", a.max_rounds),
        ("max_data_factor", a.max_factor),
        ("min_dirty_pages", a.min_dirty_pages),
        ("max_downtime_s", a.max_downtime_ms.map(|ms| ms / 1000.0)),
        ("setup_s", a.setup_s),
        ("resume_s", a.resume_s),
    ] {
        if let Some(x) = value {
            model_params.insert(key, ParamValue::Number(x));
        }
    }
    let mut memory_params = Params::new().with("dirty_rate_mb_per_s", ParamValue::Number(a.dirty_mb_per_s));
    if let Some(kb) = a.page_kb {
        memory_params.insert("page_kb", ParamValue::Number(kb));
    }
    if let Err(e) = key_values(&a.params, &mut model_params).and(key_values(&a.memory, &mut memory_params)) {
        return fail(EXIT_BAD_INPUT, &e);
    }
    let model = match build_migration_model(&a.model, model_params) {
        Ok(m) => m,
        Err(e) => return fail(EXIT_BAD_INPUT, &e),
    };
    if !(a.ram_mb.is_finite() && a.ram_mb > 0.0) {
        return fail(
            EXIT_BAD_INPUT,
            &format!("--ram-mb: expected MB > 0, found {}", a.ram_mb),
        );
    }
    let memory = match VmMemory::from_params(a.ram_mb, memory_params) {
        Ok(m) => m,
        Err(e) => return fail(EXIT_BAD_INPUT, &e),
    };
    let (report, phases) = match trace_alone(model.as_ref(), &memory, a.bandwidth_mbps, 1.0) {
        Ok(r) => r,
        Err(e) => return fail(EXIT_BAD_INPUT, &e),
    };
    let stop = report.stop.map_or("", |s| s.as_str());
    // The model's closed form for the same move (docs/MODELS.md A.6), next to the run.
    let predicted = model.predict(&PredictionInput::alone(&memory, a.bandwidth_mbps));
    if a.json {
        let value = serde_json::json!({
            "model": a.model,
            "total_time_s": report.total_s,
            "downtime_s": report.downtime_s,
            "data_mb": report.data_mb,
            "rounds": report.rounds,
            "faults": report.faults,
            "stop_reason": stop,
            "phases": phases,
            "predicted": {
                "total_time_s": predicted.total_s,
                "downtime_s": predicted.downtime_s,
                "data_mb": predicted.data_mb,
                "rounds": predicted.rounds,
                "stop_reason": predicted.stop.as_str(),
                "exact": predicted.approximate.is_none(),
                "approximation": predicted.approximate.map(|a| a.as_str()),
            },
        });
        match serde_json::to_string_pretty(&value) {
            Ok(text) => out!("{text}"),
            Err(e) => return fail(EXIT_FAILURE, &e),
        }
        return ExitCode::SUCCESS;
    }
    out!("model         {}", a.model);
    out!("total time    {:.3} s", report.total_s);
    out!("downtime      {:.1} ms", report.downtime_s * 1000.0);
    out!("data sent     {:.1} MB", report.data_mb);
    out!("rounds        {}", report.rounds);
    if report.faults > 0 {
        out!("faults        {}", report.faults);
    }
    out!("stop reason   {stop}");
    let form = match predicted.approximate {
        None => "(closed form)".to_string(),
        Some(a) => format!("(closed form, approximate: {})", a.as_str()),
    };
    out!(
        "predicted     {:.3} s, {:.1} ms down, {:.1} MB, {} rounds, {} {form}",
        predicted.total_s,
        predicted.downtime_s * 1000.0,
        predicted.data_mb,
        predicted.rounds,
        predicted.stop.as_str()
    );
    ExitCode::SUCCESS
}
