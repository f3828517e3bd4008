//! The deadline-aware migration policy (docs/REALTIME.md): predict before you move
//! (Groesbrink, SERE-C 2014). For each move it predicts every candidate model in closed form
//! ([`MigrationModel::predict`]) on the link share a new transfer would get now and the VM's
//! dirtying, pre-copy's downtime target set to the VM's bound as QEMU's `downtime-limit`
//! sets it, and
//!
//! - for a real-time VM, takes the *cheapest* candidate predicted to meet its bound: least
//!   predicted data sent, then least predicted total time, then the first listed. If none
//!   does, a move is deferred — except an evacuation under a failure warning, which takes the
//!   candidate with the least predicted downtime among those predicted to finish before the
//!   announced failure, or, if none can, the fastest (counted as too late);
//! - for any other VM, takes the first candidate — for an evacuation, the first predicted to
//!   finish before the failure, or the fastest if none can (counted as too late).
//!
//! An evacuation of a real-time VM also asks the bound-meeting candidate to finish in time.

use super::{CATALOG, Completion, Prediction, PredictionInput};
use super::{MigrationModel, MigrationPlan, MigrationProcess, MigrationStart, MoveChoice, MoveRequest};
use crate::datacenter::{Datacenter, HostId, VmId};
use crate::params::{ParamError, Params};

/// The candidates when none are given: pre-copy (Xen's rules) first, then post-copy, then
/// stop-and-copy.
pub const DEFAULT_CANDIDATES: [&str; 3] = ["pre-copy", "post-copy", "stop-and-copy"];

/// Per move, the cheapest candidate predicted to meet a real-time VM's downtime bound
/// (registered as `deadline-aware`; see the module docs).
///
/// | parameter | meaning | default |
/// |---|---|---|
/// | `candidates` | the models to choose among, by registered name (not `cloudsim`, whose migrations end per instant, nor `deadline-aware`) | `["pre-copy", "post-copy", "stop-and-copy"]` |
/// | `<name> = { … }` | the parameters of candidate `<name>` | none |
///
/// Moves of ordinary VMs, the LR look-ahead ([`plan`](MigrationModel::plan),
/// [`estimate_duration_s`](MigrationModel::estimate_duration_s)) and a migration run alone
/// use the first candidate.
#[derive(Debug)]
pub struct DeadlineAware {
    candidates: Vec<Box<dyn MigrationModel>>,
}

impl DeadlineAware {
    /// A policy over `candidates`, in their listed order.
    ///
    /// # Errors
    /// No candidate, or one whose migrations are not ended phase by phase (key `candidates`).
    pub fn new(candidates: Vec<Box<dyn MigrationModel>>) -> Result<Self, ParamError> {
        if candidates.is_empty() {
            return Err(ParamError::new("candidates", "list at least one model"));
        }
        if let Some(c) = candidates
            .iter()
            .find(|c| c.completion() != Completion::PerPhase || !c.candidates().is_empty())
        {
            return Err(ParamError::new(
                "candidates",
                format!(
                    "\"{}\" cannot be a candidate: its migrations end per instant or it chooses itself",
                    c.name()
                ),
            ));
        }
        Ok(Self { candidates })
    }

    fn first(&self) -> &dyn MigrationModel {
        self.candidates[0].as_ref()
    }
}

/// `a` is cheaper than `b`: less data, then less time.
fn cheaper(a: &Prediction, b: &Prediction) -> bool {
    (a.data_mb, a.total_s) < (b.data_mb, b.total_s)
}

impl MigrationModel for DeadlineAware {
    fn name(&self) -> &'static str {
        "deadline-aware"
    }

    fn plan(&self, dc: &Datacenter, vm: VmId, source: HostId, target: HostId) -> MigrationPlan {
        self.first().plan(dc, vm, source, target)
    }

    fn estimate_duration_s(&self, dc: &Datacenter, vm: VmId, host: HostId) -> f64 {
        self.first().estimate_duration_s(dc, vm, host)
    }

    fn predict(&self, input: &PredictionInput<'_>) -> Prediction {
        self.first().predict(input)
    }

    fn start(&self, start: &MigrationStart<'_>) -> Box<dyn MigrationProcess> {
        self.first().start(start)
    }

    fn start_in(
        &self,
        start: &MigrationStart<'_>,
        spare: Option<Box<dyn MigrationProcess>>,
    ) -> Box<dyn MigrationProcess> {
        self.first().start_in(start, spare)
    }

    fn candidates(&self) -> &[Box<dyn MigrationModel>] {
        &self.candidates
    }

    fn choose(&self, request: &MoveRequest<'_>) -> MoveChoice {
        let limit = request.max_downtime_s;
        let input = PredictionInput {
            downtime_limit_s: limit,
            ..request.input
        };
        let now_s = input.now_s;
        let in_time = |p: &Prediction| request.deadline_s.is_none_or(|d| now_s + p.total_s <= d);
        let run = |i: usize, in_time: bool| MoveChoice::Run {
            candidate: Some(i),
            downtime_limit_s: limit,
            in_time,
        };
        // The best candidate meeting the bound (and the deadline), the one with the least
        // downtime among those finishing in time, the fastest: each (index, prediction).
        let mut meets: Option<(usize, Prediction)> = None;
        let mut finishes: Option<(usize, Prediction)> = None;
        let mut fastest: Option<(usize, Prediction)> = None;
        for (i, c) in self.candidates.iter().enumerate() {
            let p = c.predict(&input);
            let ok_time = in_time(&p);
            let ok_bound = limit.is_none_or(|b| p.downtime_s <= b);
            if ok_bound && ok_time {
                let better = match &meets {
                    None => true,
                    // An ordinary VM takes the first that qualifies.
                    Some((_, q)) => limit.is_some() && cheaper(&p, q),
                };
                if better {
                    meets = Some((i, p));
                }
            }
            if ok_time && finishes.as_ref().is_none_or(|(_, q)| p.downtime_s < q.downtime_s) {
                finishes = Some((i, p));
            }
            if fastest.as_ref().is_none_or(|(_, q)| p.total_s < q.total_s) {
                fastest = Some((i, p));
            }
        }
        if let Some((i, _)) = meets {
            return run(i, true);
        }
        if request.deadline_s.is_none() {
            // Only a real-time VM's move can miss: nothing meets its bound now.
            return MoveChoice::Defer;
        }
        match (finishes, fastest) {
            (Some((i, _)), _) => run(i, true),
            (None, Some((i, _))) => run(i, false),
            (None, None) => unreachable!("at least one candidate"),
        }
    }
}

pub(super) fn build(mut params: Params) -> Result<Box<dyn MigrationModel>, ParamError> {
    let names = params
        .texts("candidates")?
        .unwrap_or_else(|| DEFAULT_CANDIDATES.iter().map(|s| s.to_string()).collect());
    let mut candidates = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(ParamError::new(
                "candidates",
                format!("\"{name}\" is listed twice"),
            ));
        }
        let Some(entry) = CATALOG
            .iter()
            .find(|e| e.name == name && e.name != "deadline-aware")
        else {
            let known: Vec<&str> = (CATALOG.iter().map(|e| e.name))
                .filter(|&n| n != "deadline-aware" && n != "cloudsim")
                .collect();
            return Err(ParamError::new(
                "candidates",
                format!("unknown candidate \"{name}\"; known: {}", known.join(", ")),
            ));
        };
        let own = params.table(name)?.unwrap_or_default();
        let model =
            (entry.build)(own).map_err(|e| ParamError::new(format!("{name}.{}", e.key), e.message))?;
        candidates.push(model);
    }
    let keys: Vec<&str> = std::iter::once("candidates")
        .chain(names.iter().map(String::as_str))
        .collect();
    params.finish(&keys)?;
    Ok(Box::new(DeadlineAware::new(candidates)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::VmMemory;
    use crate::params::ParamValue;

    fn policy(candidates: &[&str], pre_copy: Option<&str>) -> Box<dyn MigrationModel> {
        let mut p = Params::new().with(
            "candidates",
            ParamValue::Texts(candidates.iter().map(|s| s.to_string()).collect()),
        );
        if let Some(rule) = pre_copy {
            p.insert(
                "pre-copy",
                ParamValue::Table(Params::new().with("stop_rule", ParamValue::Text(rule.into()))),
            );
        }
        build(p).unwrap()
    }

    fn request(
        memory: &VmMemory,
        bw_mbps: f64,
        bound: Option<f64>,
        deadline: Option<f64>,
    ) -> MoveRequest<'_> {
        MoveRequest {
            input: PredictionInput {
                now_s: 100.0,
                ..PredictionInput::alone(memory, bw_mbps)
            },
            max_downtime_s: bound,
            deadline_s: deadline,
        }
    }

    fn picked(m: &dyn MigrationModel, r: &MoveRequest<'_>) -> Option<&'static str> {
        match m.choose(r) {
            MoveChoice::Run { candidate, .. } => Some(super::super::chosen(m, candidate).name()),
            MoveChoice::Defer => None,
        }
    }

    #[test]
    fn the_cheapest_candidate_meeting_the_bound_runs() {
        let m = policy(&["stop-and-copy", "pre-copy", "post-copy"], Some("qemu"));
        // 1 GB at 1 Gbit/s, dirtying 10 MB/s: stop-and-copy pauses 8.6 s; pre-copy with a
        // 50 ms target converges (λ = 0.08) and sends less than post-copy's RAM + state?
        // No: pre-copy sends more than the RAM; post-copy sends RAM + state. Both meet 50 ms.
        let mem = VmMemory::constant(1024.0, 10.0);
        let r = request(&mem, 1000.0, Some(0.05), None);
        let pre = m.candidates()[1].predict(&PredictionInput {
            downtime_limit_s: Some(0.05),
            ..r.input
        });
        let post = m.candidates()[2].predict(&r.input);
        assert!(
            pre.downtime_s <= 0.05 && post.downtime_s <= 0.05,
            "{pre:?} {post:?}"
        );
        let expect = if cheaper(&pre, &post) {
            "pre-copy"
        } else {
            "post-copy"
        };
        assert_eq!(picked(m.as_ref(), &r), Some(expect));
        // The chosen run carries the bound as its downtime target.
        assert!(matches!(
            m.choose(&r),
            MoveChoice::Run {
                downtime_limit_s: Some(0.05),
                in_time: true,
                ..
            }
        ));
        // A generous bound: stop-and-copy sends the least data.
        let r = request(&mem, 1000.0, Some(60.0), None);
        assert_eq!(picked(m.as_ref(), &r), Some("stop-and-copy"));
        // An ordinary VM: the first candidate, whatever it costs.
        let r = request(&mem, 1000.0, None, None);
        assert_eq!(picked(m.as_ref(), &r), Some("stop-and-copy"));
    }

    #[test]
    fn a_move_no_candidate_can_make_is_deferred() {
        // Pre-copy alone, dirtying faster than the link: it never converges to 50 ms.
        let m = policy(&["pre-copy", "stop-and-copy"], Some("qemu"));
        let mem = VmMemory::constant(1024.0, 200.0);
        let r = request(&mem, 1000.0, Some(0.05), None);
        assert_eq!(m.choose(&r), MoveChoice::Defer);
    }

    #[test]
    fn an_evacuation_takes_what_finishes_before_the_failure() {
        let m = policy(&["pre-copy", "stop-and-copy"], Some("qemu"));
        let mem = VmMemory::constant(1024.0, 200.0);
        let sc = m.candidates()[1].predict(&request(&mem, 1000.0, None, None).input);
        // No candidate meets 50 ms; stop-and-copy (8.6 s) finishes before a failure at +20 s,
        // pre-copy (running to its timeout) does not.
        let r = request(&mem, 1000.0, Some(0.05), Some(100.0 + 20.0));
        assert!(sc.total_s < 20.0);
        assert_eq!(picked(m.as_ref(), &r), Some("stop-and-copy"));
        assert!(matches!(m.choose(&r), MoveChoice::Run { in_time: true, .. }));
        // A failure in 1 s: nothing can make it; the fastest runs, counted as too late.
        let r = request(&mem, 1000.0, Some(0.05), Some(101.0));
        assert!(matches!(
            m.choose(&r),
            MoveChoice::Run {
                in_time: false,
                candidate: Some(1),
                ..
            }
        ));
        // An ordinary VM's evacuation: the first candidate predicted to finish in time.
        let r = request(&mem, 1000.0, None, Some(120.0));
        assert_eq!(picked(m.as_ref(), &r), Some("stop-and-copy"));
    }

    #[test]
    fn bad_candidates_are_named() {
        let bad = |names: &[&str]| {
            build(Params::new().with(
                "candidates",
                ParamValue::Texts(names.iter().map(|s| s.to_string()).collect()),
            ))
            .unwrap_err()
        };
        assert_eq!(bad(&[]).key, "candidates");
        assert!(bad(&["cloudsim"]).message.contains("per instant"));
        assert!(bad(&["warp"]).message.contains("unknown candidate"));
        assert!(bad(&["deadline-aware"]).message.contains("unknown candidate"));
        assert!(bad(&["pre-copy", "pre-copy"]).message.contains("twice"));
        let e = build(
            Params::new()
                .with("candidates", ParamValue::Texts(vec!["pre-copy".into()]))
                .with(
                    "pre-copy",
                    ParamValue::Table(Params::new().with("stop_rule", ParamValue::Text("x".into()))),
                ),
        )
        .unwrap_err();
        assert_eq!(e.key, "pre-copy.stop_rule");
        // A table for a model that is not a candidate is an unknown parameter.
        let e = build(Params::new().with("hybrid", ParamValue::Table(Params::new()))).unwrap_err();
        assert_eq!(e.key, "hybrid");
    }
}
