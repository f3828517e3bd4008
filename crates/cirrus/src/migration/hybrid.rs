//! Hybrid pre/post-copy (docs/MODELS.md A.3; the variant Hines & Gopalan describe, A.2.1).

use super::estimate::ProcessModel;
use super::post_copy::PostCopy;
use super::post_copy::PostCopyProcess;
use super::pre_copy::Rounds;
use super::{
    MigrationModel, MigrationStart, Prediction, PredictionInput, count, fraction_below_one, predict,
};
use crate::params::{ParamError, Params};

/// `precopy_rounds` live pre-copy rounds, then post-copy (registered as `hybrid`): pause,
/// send the state, resume at the destination, push what the last round left dirty. With
/// one round and a constant dirty rate `D`: data = RAM + `D·T₀` + state (`T₀` = round 1),
/// downtime = state / rate + `resume_s`, and network faults only on the pages dirtied in
/// the last round. It stops early ([`StopReason::Converged`](super::StopReason)) if a round
/// dirties nothing.
///
/// Parameters: every [`PostCopy`] parameter, `precopy_rounds` (1, docs/MODELS.md A.3: "typically
/// k = 1") and `cpu_overhead` (as [`PreCopy`](super::PreCopy), 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hybrid {
    /// The post-copy part (overheads, state, faults).
    pub post_copy: PostCopy,
    /// Live pre-copy rounds before switching, ≥ 1.
    pub precopy_rounds: u32,
    /// Fraction of its CPU the VM loses during live rounds, in [0, 1).
    pub cpu_overhead: f64,
}

impl Default for Hybrid {
    fn default() -> Self {
        Self {
            post_copy: PostCopy::default(),
            precopy_rounds: 1,
            cpu_overhead: 0.0,
        }
    }
}

impl ProcessModel for Hybrid {
    fn name(&self) -> &'static str {
        "hybrid"
    }

    type Process = PostCopyProcess;

    fn new_process(&self, start: &MigrationStart<'_>) -> PostCopyProcess {
        let rounds = Rounds::new(
            start.memory.clone(),
            self.post_copy.overheads,
            None,
            None,
            self.cpu_overhead,
        );
        self.post_copy
            .process(start, Some((rounds, self.precopy_rounds.max(1))))
    }

    /// `precopy_rounds` geometric rounds (fewer if one dirties nothing), then post-copy's
    /// closed form on what they left: exact for a constant dirty rate.
    fn predict(&self, input: &PredictionInput<'_>) -> Prediction {
        let pc = &self.post_copy;
        predict::hybrid(
            &pc.overheads,
            pc.state_mb,
            self.precopy_rounds,
            self.cpu_overhead,
            input,
        )
    }
}

pub(super) fn build(mut params: Params) -> Result<Box<dyn MigrationModel>, ParamError> {
    let post_copy = PostCopy::from_params(&mut params)?;
    let precopy_rounds = count(&mut params, "precopy_rounds")?.unwrap_or(1);
    if precopy_rounds == 0 {
        return Err(ParamError::new(
            "precopy_rounds",
            "must be ≥ 1 (0 rounds is post-copy: use \"post-copy\")",
        ));
    }
    let cpu_overhead = fraction_below_one("cpu_overhead", params.number("cpu_overhead")?.unwrap_or(0.0))?;
    let keys: Vec<&str> = PostCopy::KEYS
        .iter()
        .copied()
        .chain(["precopy_rounds", "cpu_overhead"])
        .collect();
    params.finish(&keys)?;
    Ok(Box::new(Hybrid {
        post_copy,
        precopy_rounds,
        cpu_overhead,
    }))
}
