//! From parsed TOML to the model's types, checking every value on the way.

mod applications;
mod power_states;
mod real_time;
mod sizing;
mod workload;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cirrus::datacenter::{
    CreationRequest, DatacenterSpec, HostId, HostSpec, HostType, SpecError, SpecItem, VmId, VmSpec, VmType,
};
use cirrus::failures::{FailureConfig, FailureProcess, FailureSource, Lifetime};
use cirrus::migration::VmMemory;
use cirrus::network::{LinkSpec, Topology, TopologySpec, TreeSpec};
use cirrus::params::{ParamValue, Params, fraction_problem};
use cirrus::placement::PabfdMode;
use cirrus::registry::{self, ConsolidationSpec, Named, RegistryError};
use cirrus::simulation::{
    self, CloudSimQuirks, Cooling, InfrastructurePower, MigrationEnergy, ScriptedMigration, SimulationConfig,
    SwitchPower,
};

use crate::coverage;
use crate::error::{Origin, ScenarioError};
use crate::locate::{TomlText, error_key};
use crate::overrides::{self, Override};
use crate::schema::{self, Assign, ScenarioFile};
use crate::{OutputOptions, Scenario};
use workload::Lifetimes;

/// Most hosts or VMs a scenario may ask for: far beyond any published
/// experiment, small enough that a typo (an extra few zeros) fails with a
/// message instead of exhausting memory.
pub(crate) const MAX_COUNT: u64 = 10_000_000;

/// Most datacenter steps a run may take: a year at a 3 s interval. Each step
/// keeps one interval record, so the bound also caps that memory (~0.5 GB).
pub(crate) const MAX_STEPS: u64 = 10_000_000;

/// Most host or VM types, and most names in `hosts.types` or `vms.types`: far
/// beyond any real catalogue. Checking names and fits is quadratic in these, so
/// without a bound a large generated file would take minutes instead of failing.
pub(crate) const MAX_TYPES: usize = 10_000;

/// Most samples a synthetic workload may generate in all (8 bytes each, 3.2 GB):
/// a million VMs for a day at 300 s (289 M samples) fits; a typo in `vms.count`
/// or `workload.interval_s` fails with a message instead of exhausting memory.
pub(crate) const MAX_SYNTHETIC_SAMPLES: u64 = 400_000_000;

/// Largest magnitude of any finite number in a scenario but `simulation.seed`: no
/// duration, MIPS, bandwidth, size or power comes near 10¹⁵, and with every input below
/// it the sums the model forms over at most 10⁷ hosts, VMs and steps stay far from `f64`
/// overflow, so no result is infinite (a `max_w` of 1e308 gave an energy of `inf` kWh).
/// Infinities and NaN are left to each key's own check, which names them.
pub(crate) const MAX_MAGNITUDE: f64 = 1e15;

/// The scenario text and overrides: answers "where did the value at this key come from?".
struct Located {
    path: PathBuf,
    base_dir: PathBuf,
    toml: TomlText,
    overrides: Vec<Override>,
}

impl Located {
    /// Where the value at `key` came from.
    fn origin(&self, key: &str) -> Origin {
        let overlaps = |ov: &Override| {
            key == ov.key
                || key.starts_with(&format!("{}.", ov.key))
                || key.starts_with(&format!("{}[", ov.key))
                || ov.key.starts_with(&format!("{key}."))
        };
        if let Some(ov) = self.overrides.iter().rev().find(|ov| overlaps(ov)) {
            return Origin::Override {
                argument: ov.argument.clone(),
            };
        }
        let (line, column) = self.toml.line_col(key);
        Origin::File {
            path: self.path.clone(),
            line,
            column,
        }
    }

    fn invalid(&self, key: &str, message: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid {
            origin: self.origin(key),
            key: key.to_string(),
            message: message.into(),
        }
    }

    /// A path from the scenario: relative to the scenario's folder, or to the
    /// working directory when it came from `--set`.
    fn resolve(&self, key: &str, raw: &str) -> PathBuf {
        let p = Path::new(raw);
        if p.is_absolute() || matches!(self.origin(key), Origin::Override { .. }) {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }
}

/// A parsed scenario on its way to the model.
pub(crate) struct Context {
    loc: Located,
    file: ScenarioFile,
}

impl Context {
    pub(crate) fn parse(text: &str, path: &Path, override_args: &[String]) -> Result<Self, ScenarioError> {
        let (toml, table) = TomlText::parse(text).map_err(|e| ScenarioError::Invalid {
            origin: Origin::File {
                path: path.to_path_buf(),
                line: e.line,
                column: e.column,
            },
            key: String::new(),
            message: e.message,
        })?;
        let mut value = toml::Value::Table(table);
        let mut overrides = Vec::with_capacity(override_args.len());
        for arg in override_args {
            let ov = overrides::parse(arg).map_err(|message| ScenarioError::Invalid {
                origin: Origin::Override {
                    argument: arg.clone(),
                },
                key: arg
                    .split_once('=')
                    .map_or(arg.as_str(), |(k, _)| k)
                    .trim()
                    .to_string(),
                message,
            })?;
            overrides::apply(&mut value, &ov).map_err(|message| ScenarioError::Invalid {
                origin: Origin::Override {
                    argument: arg.clone(),
                },
                key: ov.key.clone(),
                message,
            })?;
            overrides.push(ov);
        }
        let loc = Located {
            path: path.to_path_buf(),
            base_dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            toml,
            overrides,
        };
        if let Some((key, x)) = too_large(&value, "") {
            return Err(loc.invalid(
                &key,
                format!("{x} is beyond ±{MAX_MAGNITUDE:e}, larger than any real quantity (a wrong unit?)"),
            ));
        }
        let workload = value.get("workload").cloned();
        match serde_path_to_error::deserialize::<_, ScenarioFile>(value) {
            Ok(file) => Ok(Self { loc, file }),
            Err(e) => {
                let mut path = e.path().to_string();
                let mut message = e.inner().message().trim().to_string();
                if (path == "workload" || path == "workload.format")
                    && let Some((p, m)) = workload::locate_error(workload.as_ref())
                {
                    (path, message) = (p, m);
                }
                // Point at the offending key itself, not only its table.
                let key = error_key(&path, &message);
                Err(loc.invalid(&key, message))
            }
        }
    }

    fn origin(&self, key: &str) -> Origin {
        self.loc.origin(key)
    }

    fn invalid(&self, key: &str, message: impl Into<String>) -> ScenarioError {
        self.loc.invalid(key, message)
    }

    fn resolve(&self, key: &str, raw: &str) -> PathBuf {
        self.loc.resolve(key, raw)
    }

    pub(crate) fn build(self) -> Result<Scenario, ScenarioError> {
        let f = &self.file;
        let sim = &f.simulation;
        self.positive("simulation.duration_s", sim.duration_s)?;
        self.positive("simulation.scheduling_interval_s", sim.scheduling_interval_s)?;
        if !(sim.step_offset_s.is_finite() && sim.step_offset_s >= 0.0) {
            return Err(self.invalid(
                "simulation.step_offset_s",
                format!("expected a number >= 0, found {}", sim.step_offset_s),
            ));
        }
        if sim.name.trim().is_empty() {
            return Err(self.invalid("simulation.name", "must not be empty"));
        }
        let steps = sim.duration_s / sim.scheduling_interval_s;
        if steps > MAX_STEPS as f64 {
            return Err(self.invalid(
                "simulation.scheduling_interval_s",
                format!(
                    "{} s over {} s is {steps:.3e} steps, more than the {MAX_STEPS} this version supports",
                    sim.scheduling_interval_s, sim.duration_s
                ),
            ));
        }

        let host_types = self.host_types()?;
        let hosts = self.hosts(&host_types)?;
        let mut vm_types = self.vm_types()?;
        let workload = self.workload_reader().read(&self)?;
        let mut vms = self.vms(&vm_types, workload.traces.len())?;
        let recorded = workload.sizes.as_ref().filter(|sizes| {
            sizes
                .iter()
                .any(|z| z.cores.is_some() || z.mips_per_core.is_some() || z.ram_mb.is_some())
        });
        let derived = match (f.vms.sizing, recorded) {
            (schema::Sizing::Types, _) => None,
            (schema::Sizing::Trace, None) => {
                return Err(self.invalid(
                    "vms.sizing",
                    "\"trace\" needs a trace that records VM sizes (azure with a vmtable, bitbrains, swf); \
                     this one records none",
                ));
            }
            (schema::Sizing::Trace, Some(sizes)) => Some(sizing::size_from_trace(
                &mut vm_types,
                &mut vms,
                sizes,
                &host_types,
                &hosts,
            )),
        };
        let per_trace = match &workload.lifetimes {
            Some(Lifetimes::PerTrace(l)) => Some(l.as_slice()),
            _ => None,
        };
        let short_traces =
            coverage::short_traces(&workload.files, &workload.traces, per_trace, sim.duration_s);
        let mut trace_report = workload.report;
        if let (Some(report), Some(d)) = (trace_report.as_mut(), &derived) {
            report.vms_capped_to_hosts = d.capped_vms;
        }
        let lifetimes = workload.lifetimes.map(|l| match l {
            Lifetimes::PerVm(l) => l,
            // VM i follows trace i mod traces, and so its lifetime.
            Lifetimes::PerTrace(l) => vms.iter().map(|v| l[v.trace]).collect(),
        });
        self.check_vm_types_fit(&host_types, &hosts, &vm_types, &vms)?;
        let placement = self.placement()?;
        let consolidation = self.consolidation()?;
        let migration = self.migration_model()?;
        let scripted_migrations = self.scripted_migrations(hosts.len(), vms.len())?;
        let failures = self.failures(&host_types, hosts.len())?;

        let (applications, app_tables) = self.applications(vms.len())?;
        let real_time = self.real_time(&vms, derived.as_ref(), &applications, &app_tables)?;
        let spec = DatacenterSpec {
            real_time,
            host_types,
            hosts,
            vm_types,
            vms,
            traces: workload.traces,
            applications,
            creation_request: match f.placement.creation_request {
                schema::CreationRequest::Full => CreationRequest::FullMips,
                schema::CreationRequest::Demand => CreationRequest::Demand,
            },
        };
        spec.validate().map_err(|e| match e.item {
            // Name the `[[applications]]` table a (repeated) application came from.
            SpecItem::Application(a) => self.invalid(
                &format!(
                    "applications[{}].{}",
                    app_tables.get(a).copied().unwrap_or(a),
                    e.field
                ),
                e.message,
            ),
            _ => self.spec_error(e),
        })?;

        let energy = &f.energy;
        let infrastructure = self.infrastructure()?;
        let mut vm_memory = self.vm_memory()?;
        if let Some(d) = &derived {
            for (j, &b) in d.base.iter().enumerate() {
                let t = &self.file.vm_types[b];
                let ram_mb = spec.vm_types[d.first + j].ram_mb as f64;
                let params = self.params(&format!("vm_types[{b}].memory"), &t.memory)?;
                let memory = VmMemory::from_params(ram_mb, params)
                    .map_err(|e| self.invalid(&join(&format!("vm_types[{b}].memory"), &e.key), e.message))?;
                vm_memory.push(memory);
            }
        }
        let network = self.network(&spec.host_types, &spec.hosts)?;
        let migration_energy = match f.energy.migration {
            None => None,
            Some(m) => {
                for (key, x) in [
                    ("energy.migration.alpha_j_per_mb", m.alpha_j_per_mb),
                    ("energy.migration.beta_j", m.beta_j),
                ] {
                    if !(x.is_finite() && x >= 0.0) {
                        return Err(self.invalid(key, format!("expected a number >= 0, found {x}")));
                    }
                }
                Some(MigrationEnergy {
                    alpha_j_per_mb: m.alpha_j_per_mb,
                    beta_j: m.beta_j,
                })
            }
        };
        let config = SimulationConfig {
            name: sim.name.clone(),
            seed: sim.seed,
            duration_s: sim.duration_s,
            scheduling_interval_s: sim.scheduling_interval_s,
            step_offset_s: sim.step_offset_s,
            step_at_start: sim.step_at_start,
            step_at_end: sim.step_at_end,
            energy: match energy.accounting {
                schema::Accounting::PowerAware => simulation::EnergyAccounting::PowerAware,
                schema::Accounting::NonPowerAware => simulation::EnergyAccounting::NonPowerAware,
            },
            off_rule: match energy.off_rule {
                schema::OffRule::ZeroUtilization => simulation::OffRule::ZeroUtilization,
                schema::OffRule::NoVms => simulation::OffRule::NoVms,
                schema::OffRule::Never => simulation::OffRule::Never,
            },
            integration: match energy.integration {
                schema::Integration::Trapezoid => simulation::Integration::Trapezoid,
                schema::Integration::Step => simulation::Integration::Step,
            },
            initial_placement: match f.placement.initial {
                schema::Initial::Online => simulation::InitialPlacement::Online,
                schema::Initial::Batch => simulation::InitialPlacement::Batch,
            },
            admission_threshold: f.placement.admission_threshold,
            allow_unplaced: f.placement.allow_unplaced,
            finish_idle_vms: sim.finish_idle_vms,
            quirks: CloudSimQuirks {
                memory_only_at_creation: f.cloudsim_quirks.memory_only_at_creation,
                initial_admission_new_vm_only: f.cloudsim_quirks.initial_admission_new_vm_only,
                empty_overload_targets: f.cloudsim_quirks.empty_overload_targets,
                pabfd_last_step_power: f.cloudsim_quirks.pabfd_last_step_power,
                pabfd_float_ties: f.cloudsim_quirks.pabfd_float_ties,
            },
            infrastructure,
            migration_energy,
            availability_target: f.availability.target,
            power_management: self.power_management()?,
        };
        let quirks = &f.cloudsim_quirks;
        if let Err(why) = PabfdMode::from_quirks(quirks.pabfd_last_step_power, quirks.pabfd_float_ties) {
            return Err(self.invalid("cloudsim_quirks.pabfd_last_step_power", why));
        }
        let target = f.availability.target;
        if let Some(problem) = fraction_problem(target) {
            return Err(self.invalid("availability.target", problem));
        }
        let output = OutputOptions {
            dir: f
                .output
                .dir
                .as_ref()
                .map_or_else(|| Path::new("results").join(&sim.name), PathBuf::from),
            intervals: f.output.intervals,
            hosts: f.output.hosts,
            vms: f.output.vms,
            migrations: f.output.migrations,
        };
        Ok(Scenario {
            path: self.loc.path,
            file: self.file,
            spec,
            config,
            placement,
            consolidation,
            migration,
            scripted_migrations,
            failures,
            lifetimes,
            network,
            vm_memory,
            output,
            short_traces,
            trace_report,
        })
    }

    /// `[migration]`, checked by building it once; `cloudsim` when absent.
    fn migration_model(&self) -> Result<Named, ScenarioError> {
        let Some(table) = &self.file.migration else {
            return Ok(Named::new("cloudsim"));
        };
        if self.file.consolidation.is_some() {
            return Err(self.invalid(
                "migration",
                "with [consolidation], give the migration model as [consolidation.migration]",
            ));
        }
        let named = self.named("migration", table)?;
        registry::build_migration_model(&named.name, named.params.clone())
            .map_err(|e| self.registry_error("migration", "name", e))?;
        Ok(named)
    }

    /// `[failures]`: a trace, or failure processes per host type.
    fn failures(
        &self,
        host_types: &[HostType],
        n_hosts: usize,
    ) -> Result<Option<FailureConfig>, ScenarioError> {
        let Some(f) = &self.file.failures else {
            return Ok(None);
        };
        if !(f.restart_delay_s.is_finite() && f.restart_delay_s >= 0.0) {
            return Err(self.invalid(
                "failures.restart_delay_s",
                format!("expected a number of seconds >= 0, found {}", f.restart_delay_s),
            ));
        }
        let source = match (&f.trace, f.process.is_empty()) {
            (Some(_), false) => {
                return Err(self.invalid(
                    "failures.trace",
                    "give either a failure trace or [[failures.process]], not both",
                ));
            }
            (None, true) => {
                return Err(self.invalid(
                    "failures",
                    "missing `trace` or [[failures.process]]: where do failures come from?",
                ));
            }
            (Some(raw), true) => {
                let path = self.resolve("failures.trace", raw);
                let failures = cirrus_traces::read_failure_trace(&path, n_hosts).map_err(|trace| {
                    ScenarioError::Trace {
                        origin: self.origin("failures.trace"),
                        key: "failures.trace".into(),
                        trace: Box::new(trace),
                    }
                })?;
                FailureSource::Trace(failures)
            }
            (None, false) => {
                let mut processes = Vec::with_capacity(f.process.len());
                for (i, p) in f.process.iter().enumerate() {
                    let key = |field: &str| format!("failures.process[{i}].{field}");
                    let types = match &p.host_types {
                        None => (0..host_types.len()).collect(),
                        Some(names) => {
                            let mut types = Vec::with_capacity(names.len());
                            for (j, name) in names.iter().enumerate() {
                                let t = host_types.iter().position(|t| &t.name == name).ok_or_else(|| {
                                    self.invalid(
                                        &format!("{}[{j}]", key("host_types")),
                                        format!(
                                            "unknown host type \"{name}\"; known: {}",
                                            host_types
                                                .iter()
                                                .map(|t| t.name.as_str())
                                                .collect::<Vec<_>>()
                                                .join(", ")
                                        ),
                                    )
                                })?;
                                types.push(t);
                            }
                            types
                        }
                    };
                    let lifetime = |field: &str, table: &toml::Table| {
                        let k = key(field);
                        Lifetime::from_params(self.params(&k, table)?)
                            .map_err(|e| self.invalid(&join(&k, &e.key), e.message))
                    };
                    let process = FailureProcess {
                        host_types: types,
                        ttf: lifetime("ttf", &p.ttf)?,
                        ttr: lifetime("ttr", &p.ttr)?,
                        degraded_fraction: p.degraded_fraction,
                        warning_s: p.warning_s,
                    };
                    if let Some(problem) = fraction_problem(p.degraded_fraction) {
                        return Err(self.invalid(&key("degraded_fraction"), problem));
                    }
                    if !(p.warning_s.is_finite() && p.warning_s >= 0.0) {
                        return Err(self.invalid(
                            &key("warning_s"),
                            format!("expected a number of seconds >= 0, found {}", p.warning_s),
                        ));
                    }
                    processes.push(process);
                }
                FailureSource::Random(processes)
            }
        };
        let config = FailureConfig {
            source,
            restart_delay_s: f.restart_delay_s,
            evacuate: f.evacuate,
        };
        config
            .validate(host_types, n_hosts)
            .map_err(|e| match &config.source {
                FailureSource::Random(_) => {
                    self.invalid(&format!("failures.process[{}]", e.index), e.message)
                }
                FailureSource::Trace(_) => self.invalid("failures.trace", e.message),
            })?;
        Ok(Some(config))
    }

    /// `[[migrations]]`, with VM and host indices checked.
    fn scripted_migrations(
        &self,
        n_hosts: usize,
        n_vms: usize,
    ) -> Result<Vec<ScriptedMigration>, ScenarioError> {
        let duration_s = self.file.simulation.duration_s;
        let mut out = Vec::with_capacity(self.file.migrations.len());
        for (i, m) in self.file.migrations.iter().enumerate() {
            let key = |field: &str| format!("migrations[{i}].{field}");
            if !(m.at_s.is_finite() && m.at_s >= 0.0 && m.at_s <= duration_s) {
                return Err(self.invalid(
                    &key("at_s"),
                    format!("expected a time in [0, {duration_s}] s, found {}", m.at_s),
                ));
            }
            if m.vm >= n_vms as u64 {
                return Err(self.invalid(
                    &key("vm"),
                    format!(
                        "VM {} does not exist: the scenario has {n_vms} VMs (0-based)",
                        m.vm
                    ),
                ));
            }
            if m.target >= n_hosts as u64 {
                return Err(self.invalid(
                    &key("target"),
                    format!(
                        "host {} does not exist: the scenario has {n_hosts} hosts (0-based)",
                        m.target
                    ),
                ));
            }
            out.push(ScriptedMigration {
                at_s: m.at_s,
                vm: VmId(m.vm as u32),
                target: HostId(m.target as u32),
            });
        }
        Ok(out)
    }

    /// Each VM type's `memory` table.
    fn vm_memory(&self) -> Result<Vec<VmMemory>, ScenarioError> {
        let mut out = Vec::with_capacity(self.file.vm_types.len());
        for (i, t) in self.file.vm_types.iter().enumerate() {
            let key = format!("vm_types[{i}].memory");
            let params = self.params(&key, &t.memory)?;
            let memory = VmMemory::from_params(t.ram_mb as f64, params).map_err(|e| {
                // `ram_mb` is the VM type's own key, not one of the `memory` table.
                let at = if e.key == "ram_mb" {
                    format!("vm_types[{i}].ram_mb")
                } else {
                    join(&key, &e.key)
                };
                self.invalid(&at, e.message)
            })?;
            out.push(memory);
        }
        Ok(out)
    }

    /// `[network]`, checked against the hosts.
    fn network(
        &self,
        host_types: &[HostType],
        hosts: &[HostSpec],
    ) -> Result<Option<TopologySpec>, ScenarioError> {
        let Some(n) = &self.file.network else {
            return Ok(None);
        };
        let first_bw = host_types[hosts[0].host_type].bw_mbps;
        let host_link_mbps = n.host_link_mbps.unwrap_or(first_bw);
        if n.host_link_mbps.is_none() && hosts.iter().any(|h| host_types[h.host_type].bw_mbps != first_bw) {
            return Err(self.invalid(
                "network.host_link_mbps",
                "host types differ in bw_mbps: give the host link capacity explicitly",
            ));
        }
        let link = |key: &str, capacity: f64, background: f64| -> Result<LinkSpec, ScenarioError> {
            if !(capacity.is_finite() && capacity > 0.0) {
                return Err(self.invalid(key, format!("expected Mbit/s > 0, found {capacity}")));
            }
            if !(background.is_finite() && background >= 0.0 && background < capacity) {
                return Err(self.invalid(
                    key,
                    format!("background {background} Mbit/s must be >= 0 and below the capacity {capacity}"),
                ));
            }
            Ok(LinkSpec {
                capacity_mbps: capacity,
                background_mbps: background,
            })
        };
        let host_link = link("network.host_link_mbps", host_link_mbps, n.host_background_mbps)?;
        let tree = match n.tree {
            None => None,
            Some(t) => {
                let Some(per_rack) = self.file.hosts.hosts_per_rack else {
                    return Err(self.invalid(
                        "network.tree",
                        "a switch tree needs racks: set hosts.hosts_per_rack",
                    ));
                };
                for (key, count) in [
                    ("network.tree.racks_per_aggregation", t.racks_per_aggregation),
                    ("network.tree.tor_uplinks", t.tor_uplinks),
                    ("network.tree.aggregation_uplinks", t.aggregation_uplinks),
                ] {
                    if count == 0 {
                        return Err(self.invalid(key, "expected at least 1"));
                    }
                }
                Some(TreeSpec {
                    hosts_per_rack: u32::try_from(per_rack)
                        .map_err(|_| self.invalid("hosts.hosts_per_rack", "too large"))?,
                    racks_per_aggregation: t.racks_per_aggregation,
                    tor_uplinks: t.tor_uplinks,
                    tor_uplink: link(
                        "network.tree.tor_uplink_mbps",
                        t.tor_uplink_mbps,
                        t.tor_background_mbps,
                    )?,
                    aggregation_uplinks: t.aggregation_uplinks,
                    aggregation_uplink: link(
                        "network.tree.aggregation_uplink_mbps",
                        t.aggregation_uplink_mbps.unwrap_or(
                            t.tor_uplink_mbps * f64::from(t.tor_uplinks) * f64::from(t.racks_per_aggregation)
                                / f64::from(t.aggregation_uplinks),
                        ),
                        t.aggregation_background_mbps,
                    )?,
                })
            }
        };
        let spec = TopologySpec {
            hosts: hosts.len() as u32,
            host_link,
            tree,
        };
        Topology::new(&spec).map_err(|e| self.invalid("network", e.to_string()))?;
        Ok(Some(spec))
    }

    /// `[energy.switch]` and `[energy.cooling]`.
    fn infrastructure(&self) -> Result<InfrastructurePower, ScenarioError> {
        let e = &self.file.energy;
        let switch = match e.switch {
            None => None,
            Some(sw) => {
                for (key, w) in [
                    ("energy.switch.chassis_w", sw.chassis_w),
                    ("energy.switch.port_w", sw.port_w),
                ] {
                    if !(w.is_finite() && w >= 0.0) {
                        return Err(self.invalid(key, format!("expected watts >= 0, found {w}")));
                    }
                }
                if self.file.hosts.hosts_per_rack.is_none() {
                    return Err(
                        self.invalid("energy.switch", "switches are per rack: set hosts.hosts_per_rack")
                    );
                }
                Some(SwitchPower {
                    chassis_w: sw.chassis_w,
                    port_w: sw.port_w,
                })
            }
        };
        let cooling = match e.cooling {
            None => Cooling::None,
            Some(c) => match (c.pue, c.rack_w) {
                (Some(pue), None) if pue.is_finite() && pue >= 1.0 => Cooling::Pue { pue },
                (Some(pue), None) => {
                    return Err(self.invalid(
                        "energy.cooling.pue",
                        format!("expected a number >= 1, found {pue}"),
                    ));
                }
                (None, Some(w)) if w.is_finite() && w >= 0.0 => {
                    if self.file.hosts.hosts_per_rack.is_none() {
                        return Err(self.invalid(
                            "energy.cooling.rack_w",
                            "per-rack cooling needs racks: set hosts.hosts_per_rack",
                        ));
                    }
                    Cooling::PerActiveRack { rack_w: w }
                }
                (None, Some(w)) => {
                    return Err(
                        self.invalid("energy.cooling.rack_w", format!("expected watts >= 0, found {w}"))
                    );
                }
                _ => return Err(self.invalid("energy.cooling", "give exactly one of `pue` or `rack_w`")),
            },
        };
        Ok(InfrastructurePower { switch, cooling })
    }

    /// A `name` plus parameters table.
    fn named(&self, key: &str, table: &toml::Table) -> Result<Named, ScenarioError> {
        let name = match table.get("name") {
            Some(toml::Value::String(s)) => s.clone(),
            Some(_) => {
                return Err(self.invalid(&join(key, "name"), "expected a string (see `cirrus list`)"));
            }
            None => return Err(self.invalid(key, "missing `name` (see `cirrus list`)")),
        };
        let mut rest = table.clone();
        rest.remove("name");
        Ok(Named {
            name,
            params: self.params(key, &rest)?,
        })
    }

    /// `[consolidation]`, checked by building it once; errors name the key.
    fn consolidation(&self) -> Result<Option<ConsolidationSpec>, ScenarioError> {
        let Some(c) = &self.file.consolidation else {
            return Ok(None);
        };
        let optional = |key: &str, table: &Option<toml::Table>, default: &str| match table {
            Some(t) => self.named(key, t),
            None => Ok(Named::new(default)),
        };
        let spec = ConsolidationSpec {
            detector: self.named("consolidation.detector", &c.detector)?,
            selection: self.named("consolidation.selection", &c.selection)?,
            placement: optional("consolidation.placement", &c.placement, "pabfd")?,
            migration: optional("consolidation.migration", &c.migration, "cloudsim")?,
            underload: c.underload,
        };
        spec.build()
            .map_err(|(part, e)| self.registry_error(&format!("consolidation.{part}"), "name", e))?;
        Ok(Some(spec))
    }

    fn positive(&self, key: &str, x: f64) -> Result<(), ScenarioError> {
        if x.is_finite() && x > 0.0 {
            Ok(())
        } else {
            Err(self.invalid(key, format!("expected a positive number, found {x}")))
        }
    }

    fn count(&self, key: &str, n: u64) -> Result<usize, ScenarioError> {
        if n == 0 {
            return Err(self.invalid(key, "must be at least 1"));
        }
        if n > MAX_COUNT {
            return Err(self.invalid(
                key,
                format!("{n} is more than the {MAX_COUNT} this version supports"),
            ));
        }
        Ok(n as usize)
    }

    fn host_types(&self) -> Result<Vec<HostType>, ScenarioError> {
        let sections = &self.file.host_types;
        if sections.is_empty() {
            return Err(self.invalid("host_types", "at least one [[host_types]] is needed"));
        }
        if sections.len() > MAX_TYPES {
            return Err(self.invalid("host_types", too_many_types(sections.len(), "host types")));
        }
        let mut out = Vec::with_capacity(sections.len());
        for (i, t) in sections.iter().enumerate() {
            let k = |field: &str| format!("host_types[{i}].{field}");
            if sections[..i].iter().any(|o| o.name == t.name) {
                return Err(self.invalid(&k("name"), format!("duplicate host type name \"{}\"", t.name)));
            }
            self.positive(&k("mips_per_core"), t.mips_per_core)?;
            self.positive(&k("bw_mbps"), t.bw_mbps)?;
            if t.cores == 0 {
                return Err(self.invalid(&k("cores"), "expected at least 1 core"));
            }
            if t.ram_mb == 0 {
                return Err(self.invalid(&k("ram_mb"), "expected a positive amount of RAM"));
            }
            if !(t.off_w.is_finite() && t.off_w >= 0.0) {
                return Err(self.invalid(&k("off_w"), format!("expected a number >= 0, found {}", t.off_w)));
            }
            let (power_name, power) = self.power_model(&k("power"), &t.power)?;
            let mut host_type = HostType {
                name: t.name.clone(),
                mips_per_core: t.mips_per_core,
                cores: t.cores,
                ram_mb: t.ram_mb,
                bw_mbps: t.bw_mbps,
                storage_mb: t.storage_mb,
                power: Arc::from(power),
                power_name,
                off_power_w: t.off_w,
                power_states: None,
            };
            if let Some(section) = &t.power_states {
                host_type.power_states = Some(self.power_states(i, &host_type, section)?);
            }
            out.push(host_type);
        }
        Ok(out)
    }

    fn power_model(
        &self,
        key: &str,
        table: &toml::Table,
    ) -> Result<(String, Box<dyn cirrus::power::PowerModel>), ScenarioError> {
        let model_key = format!("{key}.model");
        let name = match table.get("model") {
            Some(toml::Value::String(s)) => s.clone(),
            Some(_) => {
                return Err(self.invalid(
                    &model_key,
                    "expected a string naming a power model (see `cirrus list`)",
                ));
            }
            None => return Err(self.invalid(key, "missing `model` (see `cirrus list` for power models)")),
        };
        let mut rest = table.clone();
        rest.remove("model");
        let params = self.params(key, &rest)?;
        let model =
            registry::build_power_model(&name, params).map_err(|e| self.registry_error(key, "model", e))?;
        Ok((name, model))
    }

    fn registry_error(&self, table_key: &str, name_field: &str, e: RegistryError) -> ScenarioError {
        match e {
            RegistryError::UnknownName { .. } => self.invalid(&join(table_key, name_field), e.to_string()),
            RegistryError::Param(p) => self.invalid(&join(table_key, &p.key), p.message),
        }
    }

    /// A TOML table of parameters as model-side [`Params`].
    fn params(&self, key: &str, table: &toml::Table) -> Result<Params, ScenarioError> {
        let mut params = Params::new();
        for (k, v) in table {
            let value = match v {
                toml::Value::Integer(i) => ParamValue::Number(*i as f64),
                toml::Value::Float(x) => ParamValue::Number(*x),
                toml::Value::String(s) => ParamValue::Text(s.clone()),
                toml::Value::Boolean(b) => ParamValue::Bool(*b),
                toml::Value::Array(a) if a.first().is_some_and(toml::Value::is_str) => {
                    let mut list = Vec::with_capacity(a.len());
                    for (j, item) in a.iter().enumerate() {
                        match item {
                            toml::Value::String(s) => list.push(s.clone()),
                            _ => {
                                return Err(
                                    self.invalid(&format!("{}[{j}]", join(key, k)), "expected a string")
                                );
                            }
                        }
                    }
                    ParamValue::Texts(list)
                }
                toml::Value::Table(t) => ParamValue::Table(self.params(&join(key, k), t)?),
                toml::Value::Array(a) => {
                    let mut list = Vec::with_capacity(a.len());
                    for (j, item) in a.iter().enumerate() {
                        match item {
                            toml::Value::Integer(i) => list.push(*i as f64),
                            toml::Value::Float(x) => list.push(*x),
                            _ => {
                                return Err(
                                    self.invalid(&format!("{}[{j}]", join(key, k)), "expected a number")
                                );
                            }
                        }
                    }
                    ParamValue::List(list)
                }
                _ => {
                    return Err(
                        self.invalid(&join(key, k), "expected a number, string, boolean, list or table")
                    );
                }
            };
            params.insert(k.clone(), value);
        }
        Ok(params)
    }

    fn type_index(
        &self,
        key: &str,
        names: &[String],
        wanted: &str,
        kind: &str,
    ) -> Result<usize, ScenarioError> {
        names.iter().position(|n| n == wanted).ok_or_else(|| {
            self.invalid(
                key,
                format!("unknown {kind} \"{wanted}\"; known: {}", names.join(", ")),
            )
        })
    }

    fn hosts(&self, host_types: &[HostType]) -> Result<Vec<HostSpec>, ScenarioError> {
        let h = &self.file.hosts;
        let n = self.count("hosts.count", h.count)?;
        if h.types.is_empty() {
            return Err(self.invalid("hosts.types", "name at least one host type"));
        }
        if h.types.len() > MAX_TYPES {
            return Err(self.invalid("hosts.types", too_many_types(h.types.len(), "names")));
        }
        let names: Vec<String> = host_types.iter().map(|t| t.name.clone()).collect();
        let mut type_ids = Vec::with_capacity(h.types.len());
        for (j, name) in h.types.iter().enumerate() {
            type_ids.push(self.type_index(&format!("hosts.types[{j}]"), &names, name, "host type")?);
        }
        let per_rack = match h.hosts_per_rack {
            Some(0) => return Err(self.invalid("hosts.hosts_per_rack", "must be at least 1")),
            other => other,
        };
        Ok((0..n)
            .map(|i| HostSpec {
                host_type: type_ids[assign(h.assign, i, n, type_ids.len())],
                rack: per_rack.map(|k| (i as u64 / k) as u32),
            })
            .collect())
    }

    fn vm_types(&self) -> Result<Vec<VmType>, ScenarioError> {
        let sections = &self.file.vm_types;
        if sections.is_empty() {
            return Err(self.invalid("vm_types", "at least one [[vm_types]] is needed"));
        }
        if sections.len() > MAX_TYPES {
            return Err(self.invalid("vm_types", too_many_types(sections.len(), "VM types")));
        }
        let mut out = Vec::with_capacity(sections.len());
        for (i, t) in sections.iter().enumerate() {
            let k = |field: &str| format!("vm_types[{i}].{field}");
            if sections[..i].iter().any(|o| o.name == t.name) {
                return Err(self.invalid(&k("name"), format!("duplicate VM type name \"{}\"", t.name)));
            }
            self.positive(&k("mips"), t.mips)?;
            if t.cores == 0 {
                return Err(self.invalid(&k("cores"), "expected at least 1 core"));
            }
            if !(t.bw_mbps.is_finite() && t.bw_mbps >= 0.0) {
                return Err(self.invalid(
                    &k("bw_mbps"),
                    format!("expected a number >= 0, found {}", t.bw_mbps),
                ));
            }
            out.push(VmType {
                name: t.name.clone(),
                mips: t.mips,
                cores: t.cores,
                ram_mb: t.ram_mb,
                bw_mbps: t.bw_mbps,
                size_mb: t.size_mb,
            });
        }
        Ok(out)
    }

    fn vms(&self, vm_types: &[VmType], n_traces: usize) -> Result<Vec<VmSpec>, ScenarioError> {
        let v = &self.file.vms;
        let replicate = self.workload_reader().replicate();
        if replicate == 0 {
            return Err(self.invalid("workload.replicate", "expected an integer >= 1"));
        }
        let n = match v.count {
            Some(c) => self.count("vms.count", c)?,
            None => self.count("workload.replicate", (n_traces as u64).saturating_mul(replicate))?,
        };
        let names: Vec<String> = vm_types.iter().map(|t| t.name.clone()).collect();
        let type_ids: Vec<usize> = match &v.types {
            None => (0..vm_types.len()).collect(),
            Some(list) if list.is_empty() => {
                return Err(self.invalid("vms.types", "name at least one VM type"));
            }
            Some(list) if list.len() > MAX_TYPES => {
                return Err(self.invalid("vms.types", too_many_types(list.len(), "names")));
            }
            Some(list) => list
                .iter()
                .enumerate()
                .map(|(j, name)| self.type_index(&format!("vms.types[{j}]"), &names, name, "VM type"))
                .collect::<Result<_, _>>()?,
        };
        Ok((0..n)
            .map(|i| VmSpec {
                vm_type: type_ids[assign(v.assign, i, n, type_ids.len())],
                trace: i % n_traces,
            })
            .collect())
    }

    /// Every VM type in use must fit on an empty host of some type in use
    /// (as [`DatacenterSpec::validate`] checks); the error names the resource
    /// that no host type in use offers enough of.
    fn check_vm_types_fit(
        &self,
        host_types: &[HostType],
        hosts: &[HostSpec],
        vm_types: &[VmType],
        vms: &[VmSpec],
    ) -> Result<(), ScenarioError> {
        let mut host_type_used = vec![false; host_types.len()];
        for h in hosts {
            host_type_used[h.host_type] = true;
        }
        let in_use: Vec<&HostType> = host_types
            .iter()
            .zip(&host_type_used)
            .filter_map(|(t, &used)| used.then_some(t))
            .collect();
        let mut vm_type_used = vec![false; vm_types.len()];
        for v in vms {
            vm_type_used[v.vm_type] = true;
        }
        /// How much of a resource a host type offers.
        type Offer = fn(&HostType) -> f64;
        for (i, vt) in vm_types.iter().enumerate() {
            if !vm_type_used[i] {
                continue;
            }
            // (field, what the VM needs, what a host offers, unit), in the
            // order the model checks them.
            let resources: [(&str, f64, Offer, &str); 4] = [
                ("mips", vt.mips, |h| h.mips_per_core, "MIPS per core"),
                ("ram_mb", vt.ram_mb as f64, |h| h.ram_mb as f64, "MB RAM"),
                ("bw_mbps", vt.bw_mbps, |h| h.bw_mbps, "Mbit/s"),
                ("cores", vt.total_mips(), HostType::total_mips, "MIPS in all"),
            ];
            let fits = |h: &HostType| resources.iter().all(|&(_, need, offer, _)| need <= offer(h));
            if in_use.iter().any(|h| fits(h)) {
                continue;
            }
            let lacking = resources
                .iter()
                .find(|&&(_, need, offer, _)| in_use.iter().all(|h| need > offer(h)));
            return Err(match lacking {
                Some(&(field, need, offer, unit)) => {
                    let most = in_use.iter().map(|h| offer(h)).fold(0.0, f64::max);
                    self.invalid(
                        &format!("vm_types[{i}].{field}"),
                        format!(
                            "VM type \"{}\" needs {need} {unit}, more than any host type in use offers \
                             (at most {most} {unit})",
                            vt.name
                        ),
                    )
                }
                None => self.invalid(
                    &format!("vm_types[{i}]"),
                    format!(
                        "VM type \"{}\" fits on no host type in use: each lacks some of the MIPS, RAM or \
                         bandwidth it needs",
                        vt.name
                    ),
                ),
            });
        }
        Ok(())
    }

    fn placement(&self) -> Result<Named, ScenarioError> {
        let p = &self.file.placement;
        if let Some(t) = p.admission_threshold {
            // A utilisation threshold, like the detectors': a fraction of capacity in (0, 1].
            let problem = fraction_problem(t)
                .or_else(|| (t <= 0.0).then(|| format!("expected a number in (0, 1], found {t}")));
            if let Some(problem) = problem {
                return Err(self.invalid("placement.admission_threshold", problem));
            }
        }
        let params = self.params("placement.params", &p.params)?;
        registry::build_placement_policy(&p.policy, params.clone()).map_err(|e| match e {
            RegistryError::UnknownName { .. } => self.invalid("placement.policy", e.to_string()),
            RegistryError::Param(pe) => self.invalid(&join("placement.params", &pe.key), pe.message),
        })?;
        Ok(Named {
            name: p.policy.clone(),
            params,
        })
    }

    fn spec_error(&self, e: SpecError) -> ScenarioError {
        let key = match e.item {
            SpecItem::HostType(i) => format!("host_types[{i}].{}", e.field),
            SpecItem::VmType(i) => format!("vm_types[{i}].{}", e.field),
            SpecItem::Host(_) => "hosts".to_string(),
            SpecItem::Vm(_) => "vms".to_string(),
            SpecItem::Application(i) => format!("applications[{i}].{}", e.field),
            SpecItem::Datacenter => e.field.to_string(),
        };
        self.invalid(&key, e.message)
    }
}

/// Index of the type item `i` of `n` gets under `mode`, with `t` types.
fn assign(mode: Assign, i: usize, n: usize, t: usize) -> usize {
    match mode {
        Assign::RoundRobin => i % t,
        // CloudSim Helper.createVmList: i / ceil(n / T).
        Assign::Blocks => (i / n.div_ceil(t)).min(t - 1),
    }
}

fn too_many_types(n: usize, what: &str) -> String {
    format!("{n} {what}, more than the {MAX_TYPES} this version supports")
}

/// The first finite number in `v` (keys in order) beyond [`MAX_MAGNITUDE`], with its key
/// path under `path`.
fn too_large(v: &toml::Value, path: &str) -> Option<(String, String)> {
    match v {
        toml::Value::Integer(i) if path != "simulation.seed" && i.unsigned_abs() > MAX_MAGNITUDE as u64 => {
            Some((path.to_string(), i.to_string()))
        }
        toml::Value::Float(x) if x.is_finite() && x.abs() > MAX_MAGNITUDE => {
            Some((path.to_string(), format!("{x:e}")))
        }
        toml::Value::Table(t) => t.iter().find_map(|(k, v)| too_large(v, &join(path, k))),
        toml::Value::Array(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, v)| too_large(v, &format!("{path}[{i}]"))),
        _ => None,
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}
