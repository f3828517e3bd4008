//! The scenario file format, as serde types. Unknown keys are errors
//! (`deny_unknown_fields` everywhere). See `docs/SCENARIOS.md` for the
//! reference with examples.

use serde::Deserialize;
use serde::de::DeserializeOwned;

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Time, seed and name.
    pub simulation: SimulationSection,
    /// How energy is accounted.
    #[serde(default)]
    pub energy: EnergySection,
    /// Kinds of host (`[[host_types]]`).
    pub host_types: Vec<HostTypeSection>,
    /// How many hosts, of which types.
    pub hosts: HostsSection,
    /// Kinds of VM (`[[vm_types]]`).
    pub vm_types: Vec<VmTypeSection>,
    /// How many VMs, of which types.
    #[serde(default)]
    pub vms: VmsSection,
    /// What the VMs demand.
    pub workload: WorkloadSection,
    /// Initial placement.
    #[serde(default)]
    pub placement: PlacementSection,
    /// Applications: VM groups with traffic and anti-collocation sets
    /// (`[[applications]]`).
    #[serde(default)]
    pub applications: Vec<ApplicationSection>,
    /// Dynamic consolidation (absent: VMs never migrate).
    pub consolidation: Option<ConsolidationSection>,
    /// The network migrations cross (migration models other than `cloudsim`).
    pub network: Option<NetworkSection>,
    /// `[migration]`: the migration model (`name` + parameters) when there is
    /// no `[consolidation]`; with one, give it as `[consolidation.migration]`.
    pub migration: Option<toml::Table>,
    /// Migrations at fixed times (`[[migrations]]`).
    #[serde(default)]
    pub migrations: Vec<ScriptedMigrationSection>,
    /// `[availability]`: what VMs are promised.
    #[serde(default)]
    pub availability: AvailabilitySection,
    /// `[failures]`: hosts that fail (absent: none does).
    pub failures: Option<FailuresSection>,
    /// CloudSim behaviours kept for compatibility.
    #[serde(default)]
    pub cloudsim_quirks: QuirksSection,
    /// What to write.
    #[serde(default)]
    pub output: OutputSection,
    /// `[power_management]`: when hosts go down and come up (absent, and no
    /// host type with `power_states`: CloudSim's instant switch under the off rule).
    pub power_management: Option<PowerManagementSection>,
}

/// `[simulation]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationSection {
    /// Scenario name, used in outputs and as the default output folder.
    pub name: String,
    /// Simulated seconds.
    pub duration_s: f64,
    /// Seconds between datacenter steps.
    pub scheduling_interval_s: f64,
    /// Offset of the step grid (CloudSim: 0.1).
    #[serde(default)]
    pub step_offset_s: f64,
    /// Take a step at t = 0 after initial placement (CloudSim: false).
    #[serde(default = "yes")]
    pub step_at_start: bool,
    /// Add a last step at `duration_s` (CloudSim: false).
    #[serde(default = "yes")]
    pub step_at_end: bool,
    /// Seed of every RNG stream: any `u64`. TOML integers stop at 2⁶³ − 1, so a
    /// larger seed (a sweep derives seeds over the whole range) is written as a
    /// quoted decimal string, `seed = "9481920188874561249"`.
    #[serde(default, deserialize_with = "seed")]
    pub seed: u64,
    /// Retire VMs whose demand is exactly 0 at a step (CloudSim: true).
    #[serde(default)]
    pub finish_idle_vms: bool,
}

/// A seed: a non-negative TOML integer, or a decimal string for seeds beyond
/// TOML's integer range.
fn seed<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    struct SeedVisitor;
    impl serde::de::Visitor<'_> for SeedVisitor {
        type Value = u64;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an integer in 0..=18446744073709551615 (quoted beyond 9223372036854775807)")
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(v), &self))
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<u64, E> {
            v.parse()
                .map_err(|_| E::invalid_value(serde::de::Unexpected::Str(v), &self))
        }
    }
    d.deserialize_any(SeedVisitor)
}

fn yes() -> bool {
    true
}

/// `[energy]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnergySection {
    /// `power-aware` or `non-power-aware`.
    #[serde(default)]
    pub accounting: Accounting,
    /// `zero-utilization`, `no-vms` or `never`.
    #[serde(default)]
    pub off_rule: OffRule,
    /// `trapezoid` or `step`.
    #[serde(default)]
    pub integration: Integration,
    /// Top-of-rack switch power (racks need `hosts.hosts_per_rack`).
    pub switch: Option<SwitchSection>,
    /// Cooling power.
    pub cooling: Option<CoolingSection>,
    /// Energy per migration.
    pub migration: Option<MigrationEnergySection>,
}

/// `[energy.migration]`: E = α·V + β per migration (Liu et al. defaults).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigrationEnergySection {
    /// Joules per MB sent (Liu et al.: 0.512).
    #[serde(default = "liu_alpha")]
    pub alpha_j_per_mb: f64,
    /// Joules per migration (Liu et al.: 20.165).
    #[serde(default = "liu_beta")]
    pub beta_j: f64,
}

fn liu_alpha() -> f64 {
    cirrus::simulation::MigrationEnergy::LIU.alpha_j_per_mb
}

fn liu_beta() -> f64 {
    cirrus::simulation::MigrationEnergy::LIU.beta_j
}

/// `[network]`: hosts → top-of-rack switches → aggregation → core, or flat.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSection {
    /// Each host's link, Mbit/s (default: the host type's `bw_mbps`).
    pub host_link_mbps: Option<f64>,
    /// Background traffic on each host link, Mbit/s.
    #[serde(default)]
    pub host_background_mbps: f64,
    /// The switch tree (needs `hosts.hosts_per_rack`); absent: one switch.
    pub tree: Option<TreeSection>,
}

/// `[network.tree]`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreeSection {
    /// Racks under one aggregation switch.
    pub racks_per_aggregation: u32,
    /// Parallel links from a ToR switch up.
    #[serde(default = "one")]
    pub tor_uplinks: u32,
    /// One ToR uplink, Mbit/s.
    pub tor_uplink_mbps: f64,
    /// Background traffic per ToR uplink, Mbit/s.
    #[serde(default)]
    pub tor_background_mbps: f64,
    /// Parallel links from an aggregation switch to the core.
    #[serde(default = "one")]
    pub aggregation_uplinks: u32,
    /// One aggregation uplink, Mbit/s (default: non-blocking, the sum of the
    /// ToR uplinks below it; unused when one aggregation switch holds every rack).
    pub aggregation_uplink_mbps: Option<f64>,
    /// Background traffic per aggregation uplink, Mbit/s.
    #[serde(default)]
    pub aggregation_background_mbps: f64,
}

/// `[energy.switch]`: chassis + per active port (CARPO defaults).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwitchSection {
    /// Chassis power, W (CARPO: 66.7).
    #[serde(default = "carpo_chassis_w")]
    pub chassis_w: f64,
    /// Power per active port, W (CloudSimSDN's CARPO simplification: 1.0).
    #[serde(default = "carpo_port_w")]
    pub port_w: f64,
}

fn carpo_chassis_w() -> f64 {
    cirrus::simulation::SwitchPower::CARPO.chassis_w
}

fn carpo_port_w() -> f64 {
    cirrus::simulation::SwitchPower::CARPO.port_w
}

/// `[energy.cooling]`: exactly one of `pue` or `rack_w`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoolingSection {
    /// Power usage effectiveness (≥ 1): cooling = (PUE − 1) × IT power.
    pub pue: Option<f64>,
    /// Watts per rack with a host on.
    pub rack_w: Option<f64>,
}

/// Energy accounting mode.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Accounting {
    /// Power follows utilisation.
    #[default]
    PowerAware,
    /// Every host at full power (CloudSim NPA).
    NonPowerAware,
}

/// When a host is off.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum OffRule {
    /// CloudSim: utilisation 0 ⇒ off.
    #[default]
    ZeroUtilization,
    /// Off only without VMs.
    NoVms,
    /// Never off.
    Never,
}

/// Energy integration.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Integration {
    /// CloudSim's trapezoid.
    #[default]
    Trapezoid,
    /// Power at the interval start × Δt.
    Step,
}

/// `[[host_types]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostTypeSection {
    /// Unique name.
    pub name: String,
    /// MIPS of one core.
    pub mips_per_core: f64,
    /// Cores.
    pub cores: u32,
    /// RAM in MB.
    pub ram_mb: u64,
    /// Bandwidth in Mbit/s.
    pub bw_mbps: f64,
    /// Storage in MB.
    #[serde(default)]
    pub storage_mb: u64,
    /// `{ model = "NAME", ...parameters }`.
    pub power: toml::Table,
    /// Watts drawn while off (standby); 0 = CloudSim's switched-off host.
    #[serde(default)]
    pub off_w: f64,
    /// `[host_types.power_states]`: boot, shutdown and sleep (absent: instant and free).
    pub power_states: Option<PowerStatesSection>,
}

/// `[host_types.power_states]`: each transition's duration and power, and
/// suspend-to-RAM; keys left out take the `preset`'s value.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PowerStatesSection {
    /// `instant` (every key 0), `typical` or `typical-sleep` (the documented defaults).
    #[serde(default)]
    pub preset: PowerStatesPreset,
    /// Boot time, s.
    pub boot_s: Option<f64>,
    /// Power while booting, W.
    pub boot_w: Option<f64>,
    /// Shutdown time, s.
    pub shutdown_s: Option<f64>,
    /// Power while shutting down, W.
    pub shutdown_w: Option<f64>,
    /// Power while asleep (S3), W; any sleep key gives the type a sleep state.
    pub sleep_w: Option<f64>,
    /// Time to suspend, s.
    pub suspend_s: Option<f64>,
    /// Power while suspending, W.
    pub suspend_w: Option<f64>,
    /// Time to resume, s.
    pub resume_s: Option<f64>,
    /// Power while resuming, W.
    pub resume_w: Option<f64>,
}

/// The values `[host_types.power_states]` keys default to.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PowerStatesPreset {
    /// Every transition instant and free, no sleep state.
    #[default]
    Instant,
    /// Boot 200 s at peak power, shutdown 10 s at idle power (`docs/MODELS.md` C.5).
    Typical,
    /// `typical` plus S3: 5 % of peak asleep, suspend 1 s and resume 5 s at idle power.
    TypicalSleep,
}

/// `[power_management]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PowerManagementSection {
    /// The idle rule: how long a host stays empty before it goes down —
    /// `"immediately"` (or 0), seconds, `"break-even"` (each host type's
    /// break-even idle time) or `"never"`. Default: immediately.
    pub idle_after_s: Option<IdleAfter>,
    /// `off` or `sleep`.
    #[serde(default)]
    pub down_state: DownStateKey,
    /// Empty hosts kept on.
    #[serde(default)]
    pub spare_hosts: u32,
    /// Empty hosts kept on, as a fraction of the hosts running VMs.
    #[serde(default)]
    pub spare_load_fraction: f64,
}

/// `power_management.idle_after_s`: seconds or a word.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum IdleAfter {
    /// Seconds.
    Seconds(f64),
    /// `immediately`, `break-even` or `never`.
    Word(IdleAfterWord),
}

/// The words `idle_after_s` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleAfterWord {
    /// As soon as a host is empty (CloudSim).
    Immediately,
    /// Each host type's break-even idle time.
    BreakEven,
    /// Never: hosts stay on.
    Never,
}

impl<'de> Deserialize<'de> for IdleAfter {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        const EXPECTED: &str = "seconds >= 0, \"immediately\", \"break-even\" or \"never\"";
        impl serde::de::Visitor<'_> for Visitor {
            type Value = IdleAfter;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<IdleAfter, E> {
                Ok(IdleAfter::Seconds(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<IdleAfter, E> {
                Ok(IdleAfter::Seconds(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<IdleAfter, E> {
                Ok(IdleAfter::Seconds(v as f64))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<IdleAfter, E> {
                match v {
                    "immediately" => Ok(IdleAfter::Word(IdleAfterWord::Immediately)),
                    "break-even" => Ok(IdleAfter::Word(IdleAfterWord::BreakEven)),
                    "never" => Ok(IdleAfter::Word(IdleAfterWord::Never)),
                    _ => Err(E::custom(format!("expected {EXPECTED}, found \"{v}\""))),
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// `power_management.down_state`.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum DownStateKey {
    /// Shut down.
    #[default]
    Off,
    /// Suspend to RAM (types without sleep keys shut down).
    Sleep,
}

/// How hosts or VMs get their types.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Assign {
    /// Item i gets type `i mod T` (CloudSim's hosts).
    #[default]
    RoundRobin,
    /// Item i gets type `i / ceil(n / T)` (CloudSim's VMs).
    Blocks,
}

/// `[hosts]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostsSection {
    /// Number of hosts.
    pub count: u64,
    /// Host type names, in assignment order.
    pub types: Vec<String>,
    /// How types are assigned.
    #[serde(default)]
    pub assign: Assign,
    /// Hosts per rack (rack r holds hosts `r·k .. r·k + k − 1`); no racks if absent.
    pub hosts_per_rack: Option<u64>,
}

/// `[vms]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VmsSection {
    /// Number of VMs; defaults to the number of traces.
    pub count: Option<u64>,
    /// VM type names, in assignment order; defaults to all `[[vm_types]]` in file order.
    pub types: Option<Vec<String>>,
    /// How types are assigned (default: blocks, as CloudSim).
    #[serde(default = "blocks")]
    pub assign: Assign,
    /// Where each VM's size comes from: its assigned type (default) or the trace.
    #[serde(default)]
    pub sizing: Sizing,
}

/// `vms.sizing`.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Sizing {
    /// Every VM is its assigned `[[vm_types]]` entry.
    #[default]
    Types,
    /// Cores, MIPS per core and memory from the trace where it records them (Azure vmtable,
    /// Bitbrains, SWF), the assigned type's value where it does not.
    Trace,
}

fn blocks() -> Assign {
    Assign::Blocks
}

/// `[[vm_types]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VmTypeSection {
    /// Unique name.
    pub name: String,
    /// MIPS per virtual core.
    pub mips: f64,
    /// Virtual cores.
    #[serde(default = "one")]
    pub cores: u32,
    /// RAM in MB.
    pub ram_mb: u64,
    /// Bandwidth in Mbit/s.
    #[serde(default)]
    pub bw_mbps: f64,
    /// Image size in MB.
    #[serde(default)]
    pub size_mb: u64,
    /// Memory dirtying, for migration models that copy memory (`page_kb`,
    /// `dirty_rate_mb_per_s` | `dirty_rate_at_full_cpu_mb_per_s` |
    /// `dirty_rate_series_mb_per_s`, `wws_mb`, `hot_fraction`).
    #[serde(default)]
    pub memory: toml::Table,
    /// `real_time = { max_downtime_ms, reserve }`: every VM of this type is a real-time guest.
    pub real_time: Option<RealTimeSection>,
}

/// `real_time = { max_downtime_ms = …, reserve = true }` of a VM type or an application
/// (docs/REALTIME.md).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RealTimeSection {
    /// The longest pause one migration may cause, milliseconds (> 0).
    pub max_downtime_ms: f64,
    /// Its MIPS are a hard reservation (default true).
    #[serde(default = "yes")]
    pub reserve: bool,
}

fn one() -> u32 {
    1
}

/// `[workload]`: what the VMs demand, by `format`. Each format is one variant, whose
/// struct takes only that format's keys (`deny_unknown_fields`), and one line of
/// [`WORKLOAD_FORMATS`]; `build/workload.rs` reads it.
///
/// Every format takes `replicate`: replay the trace set this many times (default 1); with
/// `vms.count` unset there are traces × `replicate` VMs, VM i following trace i mod traces.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "format")]
pub enum WorkloadSection {
    /// `format = "planetlab"`.
    #[serde(rename = "planetlab")]
    PlanetLab(PlanetLabWorkload),
    /// `format = "synthetic"`.
    #[serde(rename = "synthetic")]
    Synthetic(SyntheticWorkload),
    /// `format = "azure"`.
    #[serde(rename = "azure")]
    Azure(AzureWorkload),
    /// `format = "google"`.
    #[serde(rename = "google")]
    Google(GoogleWorkload),
    /// `format = "bitbrains"`.
    #[serde(rename = "bitbrains")]
    Bitbrains(BitbrainsWorkload),
    /// `format = "swf"`.
    #[serde(rename = "swf")]
    Swf(SwfWorkload),
}

/// A workload format: its `format` name and summary (`cirrus list`), and its variant's
/// struct, to locate a key inside `[workload]` (serde reports errors inside a tagged enum at
/// `workload` only; see [`WorkloadFormat::locate_error`]).
pub struct WorkloadFormat {
    /// The `format` value.
    pub name: &'static str,
    /// One line saying what it reads.
    pub summary: &'static str,
    locate: fn(toml::Value) -> Option<(String, String)>,
}

impl WorkloadFormat {
    /// The format `name` whose keys are those of `T`, its variant's struct.
    const fn of<T: DeserializeOwned>(name: &'static str, summary: &'static str) -> Self {
        Self {
            name,
            summary,
            locate: locate::<T>,
        }
    }

    /// Where in `table` (the `[workload]` table without `format`) deserialising this format
    /// fails, if it does: the key path inside the table (`.` for the table itself) and the
    /// message.
    pub fn locate_error(&self, table: toml::Table) -> Option<(String, String)> {
        (self.locate)(toml::Value::Table(table))
    }
}

fn locate<T: DeserializeOwned>(value: toml::Value) -> Option<(String, String)> {
    serde_path_to_error::deserialize::<_, T>(value)
        .err()
        .map(|e| (e.path().to_string(), e.inner().message().trim().to_string()))
}

/// The workload formats, one line each, in `cirrus list` order.
pub static WORKLOAD_FORMATS: &[WorkloadFormat] = &[
    WorkloadFormat::of::<PlanetLabWorkload>(
        "planetlab",
        "PlanetLab/CoMon CPU traces: a folder with one file per VM, one percent per line every 300 s",
    ),
    WorkloadFormat::of::<SyntheticWorkload>(
        "synthetic",
        "samples drawn from a distribution (constant, uniform, normal, beta, diurnal) every interval",
    ),
    WorkloadFormat::of::<AzureWorkload>(
        "azure",
        "Azure Public Dataset: vm_cpu_readings-file-*.csv files (a folder or one file) + optional vmtable; \
         VMs arrive and leave",
    ),
    WorkloadFormat::of::<GoogleWorkload>(
        "google",
        "Google cluster-usage 2011 task_usage CSV files (a folder or one file): each task a VM",
    ),
    WorkloadFormat::of::<BitbrainsWorkload>(
        "bitbrains",
        "Bitbrains GWA-T-12 (fastStorage, Rnd): a folder of N.csv files, one per VM",
    ),
    WorkloadFormat::of::<SwfWorkload>(
        "swf",
        "Standard Workload Format (Parallel Workloads Archive): each job a VM living its run time",
    ),
];

/// `format = "planetlab"`: CloudSim's PlanetLab traces.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanetLabWorkload {
    /// The trace directory (relative to the scenario file).
    pub path: Option<String>,
    /// Optional order file (`index<TAB>filename`).
    pub order: Option<String>,
    /// Replay the trace set this many times.
    #[serde(default = "one_u64")]
    pub replicate: u64,
}

/// `format = "synthetic"`: traces drawn from a distribution.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyntheticWorkload {
    /// `{ kind = "normal", mean = 0.3, std_dev = 0.1 }`.
    pub distribution: Option<toml::Table>,
    /// Seconds between samples (default: the scheduling interval).
    pub interval_s: Option<f64>,
    /// Distinct traces to generate (default: one per VM); VM i follows trace i mod
    /// `traces`, so large scenarios need no large memory.
    pub traces: Option<u64>,
    /// VMs arriving and leaving (`[workload.lifetimes]`).
    pub lifetimes: Option<SyntheticLifetimesSection>,
    /// Replay the trace set this many times.
    #[serde(default = "one_u64")]
    pub replicate: u64,
}

/// `workload.duplicates`: two readings of one VM on one grid slot.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum DuplicatesKey {
    /// Refuse the trace.
    Error,
    /// The later reading in the input wins.
    Last,
}

/// `workload.gaps`: missing samples between a VM's first and last reading.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum GapsKey {
    /// Hold the previous value.
    Hold,
    /// Fill with 0.
    Zero,
    /// Refuse the trace.
    Error,
}

/// `workload.over_capacity`: usage above the capacity it is a fraction of.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum OverCapacityKey {
    /// Refuse the trace.
    Error,
    /// Cap at the capacity.
    Clamp,
    /// Keep the usage (Bitbrains sizes the VM to its peak; elsewhere: clamp).
    Keep,
}

/// `format = "azure"`: the Azure Public Dataset (V1/V2).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AzureWorkload {
    /// A folder of `vm_cpu_readings-file-*.csv` files, or one such file.
    pub path: Option<String>,
    /// The `vmtable.csv` of lifetimes and sizes.
    pub vmtable: Option<String>,
    /// Which CPU column: `avg` (default), `min`, `max`.
    pub cpu: Option<String>,
    /// When a VM with a vmtable row leaves: `last-reading` (default) or `deletion`.
    pub departure: Option<AzureDepartureKey>,
    /// Two readings on one slot (default `error`).
    pub duplicates: Option<DuplicatesKey>,
    /// Missing samples (default `hold`).
    pub gaps: Option<GapsKey>,
    /// A percentage above 100 (default `error`).
    pub over_capacity: Option<OverCapacityKey>,
    /// Load only readings (SWF: arrivals) from this trace time on (s, the trace's own clock).
    pub start_s: Option<f64>,
    /// Load only readings (SWF: arrivals) before this trace time; departures after it move to it.
    pub end_s: Option<f64>,
    /// Keep this fraction (0, 1] of the VMs, chosen by a hash of their names.
    pub sample_fraction: Option<f64>,
    /// Keep this many VMs, those with the smallest hashes of their names.
    pub sample_count: Option<u64>,
    /// At most this many MiB held for the samples kept while reading (default 16384).
    pub max_sample_mb: Option<u64>,
    /// Shift time so the first VM arrives at t = 0 (default true).
    pub rebase: Option<bool>,
    /// Replay the trace set this many times.
    #[serde(default = "one_u64")]
    pub replicate: u64,
}

/// `workload.departure` (azure).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum AzureDepartureKey {
    /// At the end of the last reading when the readings stop before the deletion.
    LastReading,
    /// At the vmtable's deletion time.
    Deletion,
}

/// `workload.relative_to` (google).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum GoogleRelativeTo {
    /// Absolute load: a fraction of `machine_capacity`.
    Machine,
    /// Each task relative to its own busiest window.
    TaskPeak,
}

/// `format = "google"`: Google cluster-usage 2011 `task_usage` files.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoogleWorkload {
    /// A folder of `task_usage` CSV files, or one such file.
    pub path: Option<String>,
    /// What usage is a fraction of: `machine` (default) or `task-peak`.
    pub relative_to: Option<GoogleRelativeTo>,
    /// The VM's capacity in the trace's normalised units (1 = the largest machine; default 1).
    pub machine_capacity: Option<f64>,
    /// Windows without a value (default `hold`).
    pub gaps: Option<GapsKey>,
    /// A window mean above `machine_capacity` (default `clamp`).
    pub over_capacity: Option<OverCapacityKey>,
    /// Load only readings (SWF: arrivals) from this trace time on (s, the trace's own clock).
    pub start_s: Option<f64>,
    /// Load only readings (SWF: arrivals) before this trace time; departures after it move to it.
    pub end_s: Option<f64>,
    /// Keep this fraction (0, 1] of the VMs, chosen by a hash of their names.
    pub sample_fraction: Option<f64>,
    /// Keep this many VMs, those with the smallest hashes of their names.
    pub sample_count: Option<u64>,
    /// At most this many MiB held for the samples kept while reading (default 16384).
    pub max_sample_mb: Option<u64>,
    /// Shift time so the first VM arrives at t = 0 (default true).
    pub rebase: Option<bool>,
    /// Replay the trace set this many times.
    #[serde(default = "one_u64")]
    pub replicate: u64,
}

/// `format = "bitbrains"`: Bitbrains GWA-T-12.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BitbrainsWorkload {
    /// A folder of `N.csv` files, or one such file.
    pub path: Option<String>,
    /// Which CPU column: `mhz` (default) or `percent`.
    pub cpu: Option<String>,
    /// All-zero rows: `absent` (default: arrival/departure, off in between) or `error`.
    pub zero_rows: Option<ZeroRowsKey>,
    /// Usage above provisioned (default `keep`).
    pub over_capacity: Option<OverCapacityKey>,
    /// Two samples on one grid point (default `last`).
    pub duplicates: Option<DuplicatesKey>,
    /// Missing grid points (default `hold`).
    pub gaps: Option<GapsKey>,
    /// Load only readings (SWF: arrivals) from this trace time on (s, the trace's own clock).
    pub start_s: Option<f64>,
    /// Load only readings (SWF: arrivals) before this trace time; departures after it move to it.
    pub end_s: Option<f64>,
    /// Keep this fraction (0, 1] of the VMs, chosen by a hash of their names.
    pub sample_fraction: Option<f64>,
    /// Keep this many VMs, those with the smallest hashes of their names.
    pub sample_count: Option<u64>,
    /// At most this many MiB held for the samples kept while reading (default 16384).
    pub max_sample_mb: Option<u64>,
    /// Shift time so the first VM arrives at t = 0 (default true).
    pub rebase: Option<bool>,
    /// Replay the trace set this many times.
    #[serde(default = "one_u64")]
    pub replicate: u64,
}

/// `workload.zero_rows` (bitbrains).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ZeroRowsKey {
    /// Leading/trailing: not there; interior: off.
    Absent,
    /// Refuse the file.
    Error,
}

/// `workload.zero_run_time` (swf).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ZeroRunTimeKey {
    /// A short job (0.25 s).
    Keep,
    /// Left out, counted.
    Skip,
}

/// `format = "swf"`: the Standard Workload Format.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwfWorkload {
    /// The `.swf` file.
    pub path: Option<String>,
    /// Jobs with run time 0: `keep` (default) or `skip`.
    pub zero_run_time: Option<ZeroRunTimeKey>,
    /// CPU time above run time (default `error`).
    pub over_capacity: Option<OverCapacityKey>,
    /// Load only readings (SWF: arrivals) from this trace time on (s, the trace's own clock).
    pub start_s: Option<f64>,
    /// Load only readings (SWF: arrivals) before this trace time; departures after it move to it.
    pub end_s: Option<f64>,
    /// Keep this fraction (0, 1] of the VMs, chosen by a hash of their names.
    pub sample_fraction: Option<f64>,
    /// Keep this many VMs, those with the smallest hashes of their names.
    pub sample_count: Option<u64>,
    /// At most this many MiB held for the samples kept while reading (default 16384).
    pub max_sample_mb: Option<u64>,
    /// Shift time so the first VM arrives at t = 0 (default true).
    pub rebase: Option<bool>,
    /// Replay the trace set this many times.
    #[serde(default = "one_u64")]
    pub replicate: u64,
}

fn one_u64() -> u64 {
    1
}

/// `[workload.lifetimes]`: the first `at_start` VMs exist from t = 0, the
/// others arrive as a Poisson process; each lives a drawn lifetime.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyntheticLifetimesSection {
    /// VMs present at t = 0.
    #[serde(default)]
    pub at_start: u64,
    /// Arrivals per hour of the other VMs.
    pub arrivals_per_h: f64,
    /// Lifetime of each VM (`dist` + parameters, as `[[failures.process]]`);
    /// absent: VMs stay.
    pub lifetime: Option<toml::Table>,
}

/// `[placement]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacementSection {
    /// Policy name (`cirrus list`).
    #[serde(default = "ff")]
    pub policy: String,
    /// Policy parameters.
    #[serde(default)]
    pub params: toml::Table,
    /// `online` (CloudSim) or `batch`.
    #[serde(default)]
    pub initial: Initial,
    /// Static overload threshold a host must stay under when receiving a VM.
    pub admission_threshold: Option<f64>,
    /// Leave VMs that fit nowhere out of the run instead of failing.
    #[serde(default)]
    pub allow_unplaced: bool,
    /// What a VM reserves while it is created: `full` MIPS (CloudSim) or its
    /// trace's `demand` at t = 0.
    #[serde(default)]
    pub creation_request: CreationRequest,
}

/// `placement.creation_request`.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum CreationRequest {
    /// The VM's full MIPS (CloudSim `Vm.isBeingInstantiated`).
    #[default]
    Full,
    /// The VM's trace at t = 0.
    Demand,
}

/// `[[applications]]`: a group of VMs, its traffic and availability constraints.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationSection {
    /// Name (default `app-<i>`; copies get `-<k>` appended).
    pub name: Option<String>,
    /// Members: an index, a range string (`"0..8"`, `"0..=7"`) or a list of both.
    pub vms: toml::Value,
    /// Copies of this application (default 1); copy k adds k × `stride` to every VM index.
    pub repeat: Option<u64>,
    /// Index shift between copies (default: the span of `vms`).
    pub stride: Option<u64>,
    /// `[{ from, to, mbps }, …]` (from/to: VM sets as in `vms`, every pair) or a
    /// matrix of Mbit/s over `vms` in order (row = sender).
    pub traffic: Option<toml::Value>,
    /// `[{ vms, level = "host" | "rack" }, …]`.
    #[serde(default)]
    pub anti_collocation: Vec<AntiCollocationSection>,
    /// `real_time = { max_downtime_ms, reserve }`: every member is a real-time guest (over
    /// its VM type's `real_time`).
    pub real_time: Option<RealTimeSection>,
}

/// One anti-collocation set of an application.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AntiCollocationSection {
    /// Members: as `vms` of the application.
    pub vms: toml::Value,
    /// Spread over distinct hosts or racks.
    pub level: FaultDomainLevel,
}

/// `anti_collocation[].level`.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum FaultDomainLevel {
    /// At most one member per host.
    Host,
    /// At most one member per rack.
    Rack,
}

impl Default for PlacementSection {
    fn default() -> Self {
        Self {
            policy: ff(),
            params: toml::Table::new(),
            initial: Initial::Online,
            admission_threshold: None,
            allow_unplaced: false,
            creation_request: CreationRequest::Full,
        }
    }
}

fn ff() -> String {
    "ff".into()
}

/// `[consolidation]`: the loop of Beloglazov & Buyya (CCPE 2012).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsolidationSection {
    /// `[consolidation.detector]`: overload detector (`name` + its parameters).
    pub detector: toml::Table,
    /// `[consolidation.selection]`: VM selection policy (`name` + parameters).
    pub selection: toml::Table,
    /// `[consolidation.placement]`: destination policy; default PABFD.
    pub placement: Option<toml::Table>,
    /// `[consolidation.migration]`: migration model; default `cloudsim`.
    pub migration: Option<toml::Table>,
    /// Also empty under-utilised hosts (CloudSim: true).
    #[serde(default = "yes")]
    pub underload: bool,
}

/// `[[migrations]]`: move VM `vm` to host `target` at `at_s`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedMigrationSection {
    /// When, seconds.
    pub at_s: f64,
    /// VM index (0-based, in scenario order).
    pub vm: u64,
    /// Target host index (0-based).
    pub target: u64,
}

/// `[failures]`: host failures from a trace or drawn per host type.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailuresSection {
    /// From a VM going down with its host to it running elsewhere, seconds.
    pub restart_delay_s: f64,
    /// Evacuate announced (degraded) failures by live migration.
    #[serde(default = "yes")]
    pub evacuate: bool,
    /// A failure trace (`host,start_s,end_s,kind[,warning_s]`).
    pub trace: Option<String>,
    /// Failure processes, one per group of host types (`[[failures.process]]`).
    #[serde(default)]
    pub process: Vec<FailureProcessSection>,
}

/// `[[failures.process]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureProcessSection {
    /// Host type names it applies to (default: every type).
    pub host_types: Option<Vec<String>>,
    /// Time to failure: `dist` + parameters.
    pub ttf: toml::Table,
    /// Time to repair: `dist` + parameters.
    pub ttr: toml::Table,
    /// Share of failures announced ahead (degraded) rather than crashes.
    #[serde(default)]
    pub degraded_fraction: f64,
    /// How long ahead a degraded host announces its failure, seconds.
    #[serde(default)]
    pub warning_s: f64,
}

/// `[availability]`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvailabilitySection {
    /// Availability promised to every VM, a fraction (default 0.9995).
    #[serde(default = "availability_target")]
    pub target: f64,
}

impl Default for AvailabilitySection {
    fn default() -> Self {
        Self {
            target: availability_target(),
        }
    }
}

fn availability_target() -> f64 {
    cirrus::simulation::DEFAULT_AVAILABILITY_TARGET
}

/// `[cloudsim_quirks]`: see `cirrus::simulation::CloudSimQuirks`.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuirksSection {
    /// VMs reserve RAM and bandwidth only until the first consolidation round.
    #[serde(default)]
    pub memory_only_at_creation: bool,
    /// Initial placement's overload test sees only the VM being placed.
    #[serde(default)]
    pub initial_admission_new_vm_only: bool,
    /// A round may empty hosts that just received VMs from overloaded hosts.
    #[serde(default)]
    pub empty_overload_targets: bool,
    /// PABFD's reference power is the one measured at the host's last step.
    #[serde(default)]
    pub pabfd_last_step_power: bool,
    /// PABFD compares CloudSim's floating-point increases in id order.
    #[serde(default)]
    pub pabfd_float_ties: bool,
}

/// Initial placement mode.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Initial {
    /// VMs one by one in id order.
    #[default]
    Online,
    /// All VMs as one batch in the policy's order.
    Batch,
}

/// `[output]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSection {
    /// Output folder (relative to the working directory); default `results/<name>`.
    pub dir: Option<String>,
    /// Write `intervals.csv`.
    #[serde(default = "yes")]
    pub intervals: bool,
    /// Write `hosts.csv`.
    #[serde(default = "yes")]
    pub hosts: bool,
    /// Write `vms.csv`.
    #[serde(default = "yes")]
    pub vms: bool,
    /// Write `migrations.csv`.
    #[serde(default = "yes")]
    pub migrations: bool,
}

impl Default for OutputSection {
    fn default() -> Self {
        Self {
            dir: None,
            intervals: true,
            hosts: true,
            vms: true,
            migrations: true,
        }
    }
}
