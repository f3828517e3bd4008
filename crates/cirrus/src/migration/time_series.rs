//! Time-series-based pre-copy (Hu et al., "A Time-Series Based Precopy Approach for Live
//! Migration of Virtual Machines", ICPADS 2011; docs/MODELS.md A.4).
//!
//! Pages dirtied often in the recent rounds ("high dirty pages") will be dirtied again: sending
//! them before the final round is wasted. The approach keeps each page's dirty history over
//! the last `N` rounds, holds back the pages dirty in at least `K` of them, and sends them
//! once, in the final stop-and-copy. Hu et al. report fewer rounds, less data and shorter
//! times than Xen's pre-copy (their exact percentages are not known, docs/MODELS.md F).

use super::estimate::ProcessModel;
use super::pre_copy::PreCopy;
use super::pre_copy::PreCopyProcess;
use super::{Approximation, MigrationModel, MigrationStart, Prediction, PredictionInput, count};
use crate::params::{ParamError, Params};

/// Which pages are "high dirty pages": dirty in at least `hot_threshold` of the last
/// `history_rounds` rounds (docs/MODELS.md A.4 suggests N = 4..8, K = N/2; the paper's values
/// are not known).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HotDeferral {
    /// History window N, rounds (`history_rounds`, default 4, a design default after docs/MODELS.md A.4).
    pub history_rounds: u32,
    /// Threshold K, rounds (`hot_threshold`, default 2 = N/2, a design default after docs/MODELS.md A.4).
    pub hot_threshold: u32,
}

impl HotDeferral {
    /// N = 4, K = 2: the low end of docs/MODELS.md A.4's suggested window, K = N/2.
    pub const DEFAULT: Self = Self {
        history_rounds: 4,
        hot_threshold: 2,
    };

    /// Checks that 1 ≤ K ≤ N.
    ///
    /// # Errors
    /// `history_rounds` = 0, or `hot_threshold` outside [1, N].
    pub fn validate(&self) -> Result<(), ParamError> {
        if self.history_rounds == 0 {
            return Err(ParamError::new("history_rounds", "must be ≥ 1"));
        }
        if !(1..=self.history_rounds).contains(&self.hot_threshold) {
            return Err(ParamError::new(
                "hot_threshold",
                format!(
                    "must be in [1, history_rounds = {}], found {}",
                    self.history_rounds, self.hot_threshold
                ),
            ));
        }
        Ok(())
    }
}

/// Pre-copy that defers hot pages to the final round (registered as `time-series`).
///
/// In the fluid memory model the hot pages are [`VmMemory::hot_fraction`](super::VmMemory)
/// of the working set, written first in every round; a page is deferred once it was dirty
/// in `hot_threshold` of the last `history_rounds` rounds. The stop rules are pre-copy's,
/// tested on the data the next live round would send (docs/MODELS.md A.4: "termination = Xen
/// conditions evaluated on |to_send_i|"), except the downtime target, which counts the
/// deferred pages too since the final round carries them. With no hot pages it is exactly
/// [`PreCopy`].
///
/// Parameters: every [`PreCopy`] parameter, plus `history_rounds` (4) and `hot_threshold` (2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeSeriesPreCopy {
    /// The underlying pre-copy (rules, rates, overheads).
    pub pre_copy: PreCopy,
    /// Which pages are deferred.
    pub deferral: HotDeferral,
}

impl Default for TimeSeriesPreCopy {
    fn default() -> Self {
        Self {
            pre_copy: PreCopy::XEN,
            deferral: HotDeferral::DEFAULT,
        }
    }
}

impl ProcessModel for TimeSeriesPreCopy {
    fn name(&self) -> &'static str {
        "time-series"
    }

    type Process = PreCopyProcess;

    fn new_process(&self, start: &MigrationStart<'_>) -> PreCopyProcess {
        self.pre_copy.process(start, Some(self.deferral))
    }

    /// Pre-copy's prediction ([`PreCopy`]'s): exact without hot pages, where the process is
    /// pre-copy's. With hot pages the deferral is not modelled: the live rounds are
    /// over-counted by the hot pages they would hold back.
    fn predict(&self, input: &PredictionInput<'_>) -> Prediction {
        let p = ProcessModel::predict(&self.pre_copy, input);
        if input.memory.hot_fraction > 0.0 && p.approximate.is_none() {
            return Prediction {
                approximate: Some(Approximation::HotPages),
                ..p
            };
        }
        p
    }
}

pub(super) fn build(mut params: Params) -> Result<Box<dyn MigrationModel>, ParamError> {
    let pre_copy = PreCopy::from_params(&mut params)?;
    let deferral = HotDeferral {
        history_rounds: count(&mut params, "history_rounds")?.unwrap_or(HotDeferral::DEFAULT.history_rounds),
        hot_threshold: count(&mut params, "hot_threshold")?.unwrap_or(HotDeferral::DEFAULT.hot_threshold),
    };
    let keys: Vec<&str> = PreCopy::KEYS
        .iter()
        .copied()
        .chain(["history_rounds", "hot_threshold"])
        .collect();
    params.finish(&keys)?;
    deferral.validate()?;
    Ok(Box::new(TimeSeriesPreCopy { pre_copy, deferral }))
}
