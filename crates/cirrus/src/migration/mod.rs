//! How long a live migration takes and what it costs.
//!
//! The consolidation loop asks a [`MigrationModel`] for each move it decides.
//! Every model runs a migration as a [`MigrationProcess`]: a state machine
//! over [`Phase`]s (wait, transfer, done) driven by how long each phase took on
//! a network whose rate may change at any moment (docs/MODELS.md A.1.2, A.5).
//! The baseline is CloudSim's: one wait of RAM over half the target's
//! bandwidth, during which the VM runs at 90 % at the source and the target
//! already holds its capacity (the 90 %/10 % shares live in
//! [`crate::datacenter::time_shared`]); its migrations end together per
//! instant, as CloudSim's events do ([`Completion::PerInstant`]). A
//! VM's memory and how it is dirtied is a [`VmMemory`]. The models, each
//! selectable by name with parameters (see [`crate::registry::migration_models`] and each type's docs):
//!
//! | name | model | source |
//! |---|---|---|
//! | `cloudsim` | [`FixedDelay`] | CloudSim `PowerDatacenter` |
//! | `stop-and-copy` | [`StopAndCopy`] | Xen's non-live save, docs/MODELS.md A.3 |
//! | `pre-copy` | [`PreCopy`] (Xen or KVM stop rules, Clark's adaptive rate) | Clark et al. NSDI 2005; Xen `xc_domain_save.c`; SimGrid, A.1, A.5 |
//! | `time-series` | [`TimeSeriesPreCopy`] (hot pages deferred) | Hu et al. ICPADS 2011, A.4 |
//! | `post-copy` | [`PostCopy`] (push + demand faults, pre-paging) | Hines & Gopalan VEE 2009, A.2 |
//! | `hybrid` | [`Hybrid`] (k pre-copy rounds, then post-copy) | A.3 |
//! | `deadline-aware` | [`DeadlineAware`] (per move, the cheapest candidate predicted to meet a real-time VM's downtime bound) | Groesbrink SERE-C 2014, docs/REALTIME.md |
//!
//! [`simulate_alone`] runs any of them at a constant bandwidth: the same code as
//! the simulator, for the `cirrus migrate` calculator and the closed-form tests.

mod alone;
mod deadline_aware;
mod estimate;
mod fixed_delay;
mod hybrid;
mod memory;
mod post_copy;
mod pre_copy;
mod predict;
mod process;
mod stop_and_copy;
mod time_series;

#[cfg(test)]
mod tests;

pub use alone::{PhaseRecord, simulate_alone, trace_alone};
pub use deadline_aware::DeadlineAware;
pub use fixed_delay::FixedDelay;
pub use hybrid::Hybrid;
pub use memory::{DirtyRate, RateSeries, VmMemory, WrittenFn};
pub use post_copy::{FaultModel, PostCopy};
pub use pre_copy::{AdaptiveRate, PreCopy, StopRules};
pub use predict::{Approximation, Prediction, PredictionInput};
pub use process::{
    MigrationProcess, MigrationReport, Phase, PhaseEffects, PhaseKind, PhaseOutcome, StopReason, VmLocation,
    rebox,
};
pub use stop_and_copy::StopAndCopy;
pub use time_series::{HotDeferral, TimeSeriesPreCopy};

use crate::catalog::Entry;
use crate::datacenter::{Datacenter, HostId, VmId};
use crate::params::{ParamError, Params, check_fraction};

/// Bits in a byte: RAM is in MB, bandwidth in Mbit/s (1 Gbit/s moves 125 MB/s).
const BITS_PER_BYTE: f64 = 8.0;

/// MB per second moved at `mbps` Mbit/s.
pub(crate) fn mb_per_s(mbps: f64) -> f64 {
    mbps / BITS_PER_BYTE
}

/// What one migration will take.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MigrationPlan {
    /// From start to the VM running at the target, seconds.
    pub duration_s: f64,
    /// Time the VM is suspended, seconds.
    pub downtime_s: f64,
    /// Data sent over the network, MB.
    pub data_mb: f64,
}

/// What a migration process starts from.
#[derive(Debug, Clone, Copy)]
pub struct MigrationStart<'a> {
    /// The VM's memory and how it is dirtied.
    pub memory: &'a VmMemory,
    /// The source host's link, Mbit/s (nominal: the network decides the real rate).
    pub source_bw_mbps: f64,
    /// The destination host's link, Mbit/s (CloudSim prices a migration with it).
    pub target_bw_mbps: f64,
    /// Absolute simulated time the migration starts, seconds (dirty-rate traces use it).
    pub now_s: f64,
    /// This migration's downtime target, seconds, over the model's own (see
    /// [`PredictionInput::downtime_limit_s`]).
    pub downtime_limit_s: Option<f64>,
}

impl<'a> MigrationStart<'a> {
    /// A start at time `now_s` over links of `bw_mbps` at both ends.
    pub fn new(memory: &'a VmMemory, bw_mbps: f64, now_s: f64) -> Self {
        Self {
            memory,
            source_bw_mbps: bw_mbps,
            target_bw_mbps: bw_mbps,
            now_s,
            downtime_limit_s: None,
        }
    }

    /// The slower end's link, Mbit/s: a process's first guess of its rate before it has
    /// measured one.
    pub fn path_bw_mbps(&self) -> f64 {
        self.source_bw_mbps.min(self.target_bw_mbps)
    }
}

/// Which model moved a VM, as results name it: one variant per registered model, and
/// [`Other`](Self::Other) for a model defined outside this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelKind {
    /// `cloudsim`: [`FixedDelay`].
    FixedDelay,
    /// `stop-and-copy`: [`StopAndCopy`].
    StopAndCopy,
    /// `pre-copy`: [`PreCopy`].
    PreCopy,
    /// `time-series`: [`TimeSeriesPreCopy`].
    TimeSeries,
    /// `post-copy`: [`PostCopy`].
    PostCopy,
    /// `hybrid`: [`Hybrid`].
    Hybrid,
    /// `deadline-aware`: [`DeadlineAware`] (its records name the candidate that ran).
    DeadlineAware,
    /// A model registered nowhere here, by its [`MigrationModel::name`].
    Other(&'static str),
}

impl ModelKind {
    /// The kind of the model called `name` ([`Other`](Self::Other) if no registered model is).
    pub fn of(name: &'static str) -> Self {
        match name {
            "cloudsim" => Self::FixedDelay,
            "stop-and-copy" => Self::StopAndCopy,
            "pre-copy" => Self::PreCopy,
            "time-series" => Self::TimeSeries,
            "post-copy" => Self::PostCopy,
            "hybrid" => Self::Hybrid,
            "deadline-aware" => Self::DeadlineAware,
            other => Self::Other(other),
        }
    }

    /// The model's name, as registered and written in results.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::FixedDelay => "cloudsim",
            Self::StopAndCopy => "stop-and-copy",
            Self::PreCopy => "pre-copy",
            Self::TimeSeries => "time-series",
            Self::PostCopy => "post-copy",
            Self::Hybrid => "hybrid",
            Self::DeadlineAware => "deadline-aware",
            Self::Other(name) => name,
        }
    }
}

impl std::fmt::Display for ModelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ModelKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// How the simulator ends a model's migrations: the rule that sets CloudSim's fixed delay
/// apart. Every model runs through the same executor, as a [`MigrationProcess`]; this says
/// which events end its phases and which hosts are processed then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Completion {
    /// Each phase ends at its own event — its timer, or its transfer's completion on the
    /// network — at which only the two hosts involved are processed. A VM has one
    /// destination at a time: of the moves of one VM planned in one round, only the last
    /// starts.
    #[default]
    PerPhase,
    /// CloudSim's `VM_MIGRATE` events: all the waits that end at one instant end at one
    /// event, at which the whole datacenter is processed first and the migrations then
    /// complete in start order. A wait's end is known when it begins, so it is the
    /// record's end from then on. Every planned move starts, as in CloudSim: a VM the
    /// planner sends to two hosts in one round migrates to both at once and ends at the
    /// later.
    PerInstant,
}

/// One move to decide: what [`MigrationModel::choose`] sees.
#[derive(Debug, Clone, Copy)]
pub struct MoveRequest<'a> {
    /// The VM's memory, the bandwidth a new transfer would get on its path now (the link
    /// share at the start), its CPU share and the time; no downtime limit.
    pub input: PredictionInput<'a>,
    /// The VM's downtime bound, seconds, if it is a real-time VM.
    pub max_downtime_s: Option<f64>,
    /// For an evacuation under a failure warning, when the host is announced to fail,
    /// seconds; `None` for any other move.
    pub deadline_s: Option<f64>,
}

/// How one move runs, as [`MigrationModel::choose`] decides.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MoveChoice {
    /// Start it.
    Run {
        /// With candidate `i` of [`MigrationModel::candidates`]; `None`: the model itself.
        candidate: Option<usize>,
        /// The downtime target of this migration ([`MigrationStart::downtime_limit_s`]).
        downtime_limit_s: Option<f64>,
        /// `false` for an evacuation no candidate is predicted to finish before the failure.
        in_time: bool,
    },
    /// Do not start it now (counted; a consolidation move may be planned again later).
    Defer,
}

impl MoveChoice {
    /// Run the model itself, as every model but a chooser does.
    pub const ITSELF: Self = Self::Run {
        candidate: None,
        downtime_limit_s: None,
        in_time: true,
    };
}

/// The model that runs a move `model` chose ([`MoveChoice::Run`]'s `candidate`).
pub fn chosen(model: &dyn MigrationModel, candidate: Option<usize>) -> &dyn MigrationModel {
    match candidate {
        Some(i) => model.candidates()[i].as_ref(),
        None => model,
    }
}

/// A live-migration model.
pub trait MigrationModel: Send + Sync + std::fmt::Debug {
    /// The registered name.
    fn name(&self) -> &'static str;

    /// The model's kind, for results: by default the registered model of that
    /// [`name`](Self::name).
    fn kind(&self) -> ModelKind {
        ModelKind::of(self.name())
    }

    /// The plan for moving VM `vm` from `source` to `target` now.
    ///
    /// Process-based models know nothing of the VM's dirtying here (the datacenter does not
    /// hold it): they price an idle VM alone on the slower end's link, a lower bound.
    fn plan(&self, dc: &Datacenter, vm: VmId, source: HostId, target: HostId) -> MigrationPlan;

    /// What a planner should expect moving `vm` off `host` to take, before a
    /// target is known (the look-ahead of the LR/LRR overload detectors).
    fn estimate_duration_s(&self, dc: &Datacenter, vm: VmId, host: HostId) -> f64;

    /// What a migration of `input.memory` will take when its transfers get
    /// `input.bandwidth_mbps`, in closed form, without running the process (docs/MODELS.md
    /// A.6). Equal to the process run alone ([`simulate_alone`]) where the model is exact (a
    /// constant dirty rate and bandwidth); each model's docs state its assumptions elsewhere.
    fn predict(&self, input: &PredictionInput<'_>) -> Prediction;

    /// Starts one migration as a process the simulator drives phase by phase (see
    /// [`MigrationProcess`]).
    fn start(&self, start: &MigrationStart<'_>) -> Box<dyn MigrationProcess>;

    /// [`start`](Self::start), given the box of a process this model started earlier and
    /// that has finished (`spare`), which a model may reuse ([`rebox`]) so that a run's
    /// migrations allocate nothing once a few have ended. The default ignores it.
    fn start_in(
        &self,
        start: &MigrationStart<'_>,
        spare: Option<Box<dyn MigrationProcess>>,
    ) -> Box<dyn MigrationProcess> {
        drop(spare);
        self.start(start)
    }

    /// How the simulator ends this model's migrations ([`Completion::PerPhase`] unless the
    /// model says otherwise).
    fn completion(&self) -> Completion {
        Completion::PerPhase
    }

    /// Which model runs the move `request`, or whether to defer it. Every model runs its
    /// moves itself ([`MoveChoice::ITSELF`]) but a chooser ([`DeadlineAware`]).
    fn choose(&self, request: &MoveRequest<'_>) -> MoveChoice {
        let _ = request;
        MoveChoice::ITSELF
    }

    /// The models [`choose`](Self::choose) picks among (none for a model that runs itself).
    fn candidates(&self) -> &[Box<dyn MigrationModel>] {
        &[]
    }
}

/// The constant overheads every process-based model has (Clark's stages 0–1 and 4–5,
/// docs/MODELS.md A.0: "model stages 0–1 and 4–5 as constant overheads T_setup and T_resume"),
/// and an optional cap on every transfer's rate.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Overheads {
    /// Pre-migration and reservation, seconds, the VM running at the source (`setup_s`, 0).
    pub setup_s: f64,
    /// Commitment and activation, seconds, the VM paused (`resume_s`, 0; Clark et al.
    /// measured 9 ms for SPECweb99 and 40 ms for Quake 3, docs/MODELS.md A.1.5).
    pub resume_s: f64,
    /// A cap on every transfer, Mbit/s (`rate_cap_mbps`, none): a configured migration
    /// speed, e.g. SimGrid's `mig_speed` or QEMU's `migrate_set_speed`.
    pub rate_cap_mbps: Option<f64>,
}

impl Overheads {
    /// The parameter keys it reads.
    pub(crate) const KEYS: [&'static str; 3] = ["setup_s", "resume_s", "rate_cap_mbps"];

    /// Reads `setup_s`, `resume_s` and `rate_cap_mbps`.
    pub(crate) fn from_params(params: &mut Params) -> Result<Self, ParamError> {
        let o = Self {
            setup_s: params.number("setup_s")?.unwrap_or(0.0),
            resume_s: params.number("resume_s")?.unwrap_or(0.0),
            rate_cap_mbps: params.number("rate_cap_mbps")?,
        };
        o.validate()?;
        Ok(o)
    }

    /// Checks the values; errors name the parameter.
    ///
    /// # Errors
    /// A negative or non-finite overhead, a cap not > 0.
    pub fn validate(&self) -> Result<(), ParamError> {
        non_negative("setup_s", self.setup_s)?;
        non_negative("resume_s", self.resume_s)?;
        if let Some(c) = self.rate_cap_mbps {
            positive("rate_cap_mbps", c)?;
        }
        Ok(())
    }

    /// The tighter of the overall cap and `other`.
    pub(crate) fn cap_with(&self, other: Option<f64>) -> Option<f64> {
        match (self.rate_cap_mbps, other) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// `x` must be finite and ≥ 0.
pub(crate) fn non_negative(key: &str, x: f64) -> Result<f64, ParamError> {
    if x.is_finite() && x >= 0.0 {
        Ok(x)
    } else {
        Err(ParamError::new(key, format!("must be ≥ 0, found {x}")))
    }
}

/// `x` must be finite and > 0.
pub(crate) fn positive(key: &str, x: f64) -> Result<f64, ParamError> {
    if x.is_finite() && x > 0.0 {
        Ok(x)
    } else {
        Err(ParamError::new(key, format!("must be > 0, found {x}")))
    }
}

/// `x` must be in [0, 1) (a fraction, [`check_fraction`], below 1).
pub(crate) fn fraction_below_one(key: &str, x: f64) -> Result<f64, ParamError> {
    if check_fraction(key, x)? < 1.0 {
        Ok(x)
    } else {
        Err(ParamError::new(key, format!("must be in [0, 1), found {x}")))
    }
}

/// An optional whole number ≥ 0 (a count of rounds or pages).
pub(crate) fn count(params: &mut Params, key: &str) -> Result<Option<u32>, ParamError> {
    match params.number(key)? {
        None => Ok(None),
        Some(x) if x >= 0.0 && x.fract() == 0.0 && x <= f64::from(u32::MAX) => Ok(Some(x as u32)),
        Some(x) => Err(ParamError::new(
            key,
            format!("must be a whole number ≥ 0, found {x}"),
        )),
    }
}

/// This family's catalogue (see [`crate::catalog`]): every migration model by name. A new one is a
/// file in this module and one line here.
pub(crate) static CATALOG: &[Entry<Box<dyn MigrationModel>>] = &[
    Entry {
        name: "cloudsim",
        summary: "fixed delay RAM / (bandwidth x share), share 0.5; 10 % CPU penalty at the source (CloudSim PowerDatacenter)",
        build: fixed_delay::build,
    },
    Entry {
        name: "stop-and-copy",
        summary: "pause, copy the whole RAM, resume: downtime = transfer + resume (Xen non-live save)",
        build: stop_and_copy::build,
    },
    Entry {
        name: "pre-copy",
        summary: "iterative pre-copy, Xen stop rules (29 rounds, 3x RAM, < 50 pages) or KVM/SimGrid downtime target (30 ms); optional Clark adaptive rate 100-500 Mbit/s",
        build: pre_copy::build,
    },
    Entry {
        name: "time-series",
        summary: "pre-copy deferring hot pages (dirty in K of the last N rounds) to the final round (Hu et al., ICPADS 2011)",
        build: time_series::build,
    },
    Entry {
        name: "post-copy",
        summary: "send CPU state, resume at the destination, push every page once; demand faults stall the VM, pre-paging cuts them (Hines & Gopalan, VEE 2009)",
        build: post_copy::build,
    },
    Entry {
        name: "hybrid",
        summary: "k live pre-copy rounds, then post-copy of the remaining dirty pages",
        build: hybrid::build,
    },
    Entry {
        name: "deadline-aware",
        summary: "per move, the cheapest candidate predicted to meet a real-time VM's downtime bound (pre-copy's target set to it); else defer, or for an evacuation the one predicted to finish before the failure",
        build: deadline_aware::build,
    },
];

#[cfg(test)]
mod kind_tests {
    use super::*;

    #[test]
    fn every_registered_model_has_its_own_kind_named_as_registered() {
        let mut kinds = Vec::new();
        for entry in CATALOG {
            let model = (entry.build)(Params::default()).unwrap();
            let kind = model.kind();
            assert!(!matches!(kind, ModelKind::Other(_)), "{} has no kind", entry.name);
            assert_eq!(kind.as_str(), entry.name);
            assert_eq!(
                serde_json::to_string(&kind).unwrap(),
                format!("\"{}\"", entry.name)
            );
            kinds.push(kind);
        }
        kinds.dedup();
        assert_eq!(kinds.len(), CATALOG.len());
        assert_eq!(ModelKind::of("mine"), ModelKind::Other("mine"));
        assert_eq!(ModelKind::Other("mine").to_string(), "mine");
    }
}
