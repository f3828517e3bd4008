//! The decision loop behind `cirrus.gym`: a simulation that stops at every decision — each
//! placement (initial placement, arrivals, consolidation's destinations: `PlacementEnv`), or
//! each move of each consolidation round (`ConsolidationEnv`) — and waits for an agent's
//! choice.
//!
//! The simulation runs on a thread of its own; its placement policies are `AgentPolicy`s
//! (or its rounds' `MovePlanner` an `AgentPlanner`), which send each decision (observation,
//! action mask, what the scenario's own Rust policy would choose) over a channel and block
//! until the action comes back. So the simulation
//! jumps from decision to decision, nothing ticks, and the thread holds no GIL: a
//! [`Session`] step is two channel hand-offs plus the simulation up to the next
//! decision. Same scenario, seed and actions ⇒ the same episode (the simulation is
//! deterministic and the hand-off is synchronous).

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use cirrus::consolidation::planner::{MovePlanner, Round};
use cirrus::consolidation::{MigrationReason, PlannedMigration};
use cirrus::datacenter::{Datacenter, HostId, HostState, VmId};
use cirrus::placement::{PlacementContext, PlacementPolicy, PlacementSettings};
use cirrus::registry::build_placement_policy;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::scenario::Scenario;
use crate::view::{HOST_FEATURES, VM_FEATURES, bytes_of, candidate_mask, host_features, vm_features};
use crate::{ScenarioError, SimulationError};

/// Why the agent is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Initial placement or an arrival: postponing leaves the VM unplaced (a rejection).
    Placement,
    /// A destination for a VM consolidation moves: postponing keeps it where it is.
    Consolidation,
    /// A move of the consolidation round (`ConsolidationEnv`): a VM and its new host, or the
    /// end of the round.
    Move,
}

/// An action: `[host, 0]` for a placement, `[vm, host]` for a move (`vm == vms` ends the
/// round).
type Action = [u32; 2];

/// What the episode has cost so far, measured between events by the run's observer.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    time_s: f64,
    energy_kwh: f64,
    /// Requested MIPS not delivered, integrated over time: MIPS·hours / 1000.
    unserved_kmips_h: f64,
    migrations: usize,
    rejections: usize,
}

/// One decision, as the agent sees it.
struct Decision {
    kind: Kind,
    vm: u32,
    hosts: Vec<f32>,
    vms: Vec<f32>,
    mask: Vec<u8>,
    baseline: Option<Action>,
    /// The previous action could not be played (a move the datacenter cannot make).
    invalid: bool,
    /// Moves the round may still make.
    budget_left: u32,
    tally: Tally,
}

enum FromSim {
    Decision(Decision),
    Done(Result<Box<cirrus::metrics::RunResult>, String>, Tally),
}

/// The sending half shared by the policies of one run, and the running tally.
struct Link {
    to_env: SyncSender<FromSim>,
    from_env: Receiver<Option<Action>>,
    /// Set once the environment has gone (reset, closed): every later decision postpones.
    closed: bool,
}

/// A placement policy that asks the agent; `baseline` (the scenario's own policy) says what
/// Cirrus would have chosen, for comparison and for playing baselines through the env.
#[derive(Debug)]
struct AgentPolicy {
    kind: Kind,
    baseline: Box<dyn PlacementPolicy>,
    link: Arc<Mutex<LinkCell>>,
    tally: Arc<Mutex<Tally>>,
}

/// `Link` behind `Debug` (channels have no useful one).
struct LinkCell(Link);

impl std::fmt::Debug for LinkCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Link")
    }
}

impl PlacementPolicy for AgentPolicy {
    fn name(&self) -> &'static str {
        "agent"
    }

    fn configure(&mut self, settings: &PlacementSettings) {
        self.baseline.configure(settings);
    }

    fn order_batch(&self, dc: &Datacenter, vms: &mut [VmId]) {
        self.baseline.order_batch(dc, vms);
    }

    fn select_host(&mut self, dc: &Datacenter, ctx: &mut PlacementContext<'_>, v: VmId) -> Option<HostId> {
        let mut link = self.link.lock().unwrap_or_else(|p| p.into_inner());
        if link.0.closed {
            return None;
        }
        let hosts = dc.host_count();
        let mut mask = candidate_mask(dc, ctx, v);
        mask.push(1);
        let baseline = self
            .baseline
            .select_host(dc, ctx, v)
            .map(|h| [h.index() as u32, 0]);
        let tally = *self.tally.lock().unwrap_or_else(|p| p.into_inner());
        let decision = Decision {
            kind: self.kind,
            vm: v.index() as u32,
            hosts: host_features(dc),
            vms: vm_features(dc),
            mask,
            baseline,
            invalid: false,
            budget_left: 0,
            tally,
        };
        if link.0.to_env.send(FromSim::Decision(decision)).is_err() {
            link.0.closed = true;
            return None;
        }
        match link.0.from_env.recv() {
            Ok(Some([a, _])) if (a as usize) < hosts => Some(HostId(a)),
            Ok(_) => {
                if self.kind == Kind::Placement {
                    self.tally.lock().unwrap_or_else(|p| p.into_inner()).rejections += 1;
                }
                None
            }
            Err(_) => {
                link.0.closed = true;
                None
            }
        }
    }
}

/// The consolidation round's planner that asks the agent, move by move: `ConsolidationEnv`.
/// The consolidation's own plan (LR-MMT's, PABFD's, …) is the baseline: its next move is
/// suggested, and always accepted, so playing the suggestions makes exactly that round.
#[derive(Debug)]
struct AgentPlanner {
    link: Arc<Mutex<LinkCell>>,
    tally: Arc<Mutex<Tally>>,
    /// Moves a round may make.
    budget: u32,
}

impl MovePlanner for AgentPlanner {
    fn revise(&mut self, dc: &mut Datacenter, round: &Round<'_>, moves: &mut Vec<PlannedMigration>) {
        let baseline = std::mem::take(moves);
        let mut link = self.link.lock().unwrap_or_else(|p| p.into_inner());
        if link.0.closed {
            return;
        }
        let (vms, hosts) = (dc.vm_count(), dc.host_count());
        let mut moved = vec![false; vms];
        let mut next = 0;
        let mut invalid = false;
        dc.begin_tentative();
        while (moves.len() as u32) < self.budget {
            let mut mask = Vec::with_capacity(vms + 1 + hosts);
            mask.extend((0..vms).map(|i| {
                let v = VmId(i as u32);
                u8::from(!moved[i] && dc.host_of(v).is_some() && !dc.in_migration(v))
            }));
            mask.push(1);
            mask.extend(dc.hosts().map(|h| u8::from(dc.host_state(h) == HostState::Up)));
            let suggestion = baseline
                .get(next)
                .map_or([vms as u32, 0], |m| [m.vm.0, m.target.0]);
            let decision = Decision {
                kind: Kind::Move,
                vm: suggestion[0],
                hosts: host_features(dc),
                vms: vm_features(dc),
                mask,
                baseline: Some(suggestion),
                invalid,
                budget_left: self.budget - moves.len() as u32,
                tally: *self.tally.lock().unwrap_or_else(|p| p.into_inner()),
            };
            if link.0.to_env.send(FromSim::Decision(decision)).is_err() {
                link.0.closed = true;
                break;
            }
            let [vm, host] = match link.0.from_env.recv() {
                Ok(Some(a)) if (a[0] as usize) < vms && (a[1] as usize) < hosts => a,
                Ok(_) => break,
                Err(_) => {
                    link.0.closed = true;
                    break;
                }
            };
            let (v, h) = (VmId(vm), HostId(host));
            let suggested = baseline.get(next).filter(|m| m.vm == v && m.target == h);
            let source = dc.host_of(v);
            let valid = suggested.is_some()
                || (!moved[v.index()]
                    && source.is_some_and(|s| s != h)
                    && !dc.in_migration(v)
                    && dc.host_state(h) == HostState::Up
                    && dc.is_suitable(h, v));
            // Made tentatively, so that later decisions see the room it takes.
            let made = valid && dc.create_vm(h, v);
            invalid = !(made || suggested.is_some());
            if invalid {
                continue;
            }
            let reason = match suggested {
                Some(m) => {
                    next += 1;
                    m.reason
                }
                None if source.is_some_and(|s| round.overloaded.contains(&s)) => MigrationReason::Overload,
                None => MigrationReason::Underload,
            };
            moved[v.index()] = true;
            moves.push(PlannedMigration {
                vm: v,
                target: h,
                reason,
            });
        }
        dc.rollback();
    }
}

/// The weights of the reward's terms: reward = −(energy·kWh + sla·unserved + migrations·count
/// + rejections·count) between two decisions.
#[derive(Debug, Clone, Copy)]
struct Weights {
    energy: f64,
    sla: f64,
    migrations: f64,
    rejections: f64,
}

/// The running episode: the environment's ends of the two channels.
#[derive(Default)]
struct Episode {
    to_sim: Option<SyncSender<Option<Action>>>,
    from_sim: Option<Receiver<FromSim>>,
    thread: Option<JoinHandle<()>>,
    /// The tally at the last decision handed to the agent.
    last: Tally,
    /// The last decision's mask, to check the action against.
    mask: Vec<u8>,
    done: bool,
}

impl Episode {
    /// Lets the simulation of an abandoned episode run to its end without the agent (every
    /// later decision postpones), without waiting for it.
    fn abandon(&mut self) {
        self.to_sim = None;
        self.from_sim = None;
        self.thread = None;
    }
}

/// Which decisions the agent makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Every placement (`PlacementEnv`).
    Placement,
    /// Every move of every consolidation round, at most `budget` a round (`ConsolidationEnv`).
    Consolidation { budget: u32 },
}

/// The Rust half of `cirrus.gym`'s environments: one simulation that stops at every
/// decision. Python wraps its raw answers (bytes of float32) into numpy arrays.
#[pyclass(module = "cirrus._cirrus", frozen)]
pub struct Session {
    scenario: Py<Scenario>,
    weights: Weights,
    mode: Mode,
    hosts: usize,
    vms: usize,
    episode: Mutex<Episode>,
}

impl Session {
    /// Starts an episode: the simulation on its thread, up to its first decision.
    fn start(&self, scenario: &Scenario, seed: Option<u64>) -> Result<Step, String> {
        let mut reseeded = None;
        let scenario = scenario.with_seed(seed, &mut reseeded)?;
        let loaded = &scenario.loaded;
        let (to_env, from_sim) = sync_channel(1);
        let (to_sim, from_env) = sync_channel(1);
        let link = Arc::new(Mutex::new(LinkCell(Link {
            to_env: to_env.clone(),
            from_env,
            closed: false,
        })));
        let tally = Arc::new(Mutex::new(Tally::default()));
        let agent = |kind, baseline: &cirrus::registry::Named| -> Result<AgentPolicy, String> {
            Ok(AgentPolicy {
                kind,
                baseline: build_placement_policy(&baseline.name, baseline.params.clone())
                    .map_err(|e| e.to_string())?,
                link: Arc::clone(&link),
                tally: Arc::clone(&tally),
            })
        };
        let sim = match self.mode {
            Mode::Placement => {
                let mut config = loaded.config.clone();
                // Postponing a VM at placement leaves it unplaced (counted as a rejection).
                config.allow_unplaced = true;
                let mut builder = loaded
                    .simulation_builder()
                    .config(config)
                    .placement(Box::new(agent(Kind::Placement, &loaded.placement)?));
                if let Some(c) = &loaded.consolidation {
                    builder =
                        builder.consolidation_placement(Box::new(agent(Kind::Consolidation, &c.placement)?));
                }
                builder.build().map_err(|e| e.to_string())?
            }
            Mode::Consolidation { budget } => loaded
                .simulation()
                .map_err(|e| e.to_string())?
                .with_move_planner(Box::new(AgentPlanner {
                    link: Arc::clone(&link),
                    tally: Arc::clone(&tally),
                    budget,
                })),
        };
        let observed = Arc::clone(&tally);
        let thread = std::thread::Builder::new()
            .name("cirrus-gym".into())
            .spawn(move || {
                let mut unserved_rate = 0.0;
                let result = sim.run_observed(|o| {
                    let mut t = observed.lock().unwrap_or_else(|p| p.into_inner());
                    let dt_h = (o.time_s - t.time_s).max(0.0) / 3600.0;
                    t.unserved_kmips_h += unserved_rate * dt_h / 1000.0;
                    t.time_s = o.time_s;
                    t.energy_kwh = o.energy_j / 3.6e6;
                    t.migrations = o.migrations.len();
                    let dc = o.datacenter;
                    unserved_rate = dc
                        .hosts()
                        .map(|h| (dc.current_requested_mips(h) - dc.allocated_mips(h)).max(0.0))
                        .sum();
                });
                let end = *observed.lock().unwrap_or_else(|p| p.into_inner());
                let _ = to_env.send(FromSim::Done(
                    result.map(Box::new).map_err(|e| e.to_string()),
                    end,
                ));
            })
            .map_err(|e| e.to_string())?;
        let mut episode = self.episode.lock().unwrap_or_else(|p| p.into_inner());
        episode.abandon();
        *episode = Episode {
            to_sim: Some(to_sim),
            from_sim: Some(from_sim),
            thread: Some(thread),
            ..Episode::default()
        };
        Ok(self.next(&mut episode))
    }

    /// Hands `action` to the simulation (unless starting) and waits for what comes next.
    fn act(&self, action: Action) -> Result<Step, String> {
        let mut episode = self.episode.lock().unwrap_or_else(|p| p.into_inner());
        self.send(&mut episode, action)?;
        Ok(self.next(&mut episode))
    }

    fn send(&self, episode: &mut Episode, action: Action) -> Result<(), String> {
        if episode.done || episode.to_sim.is_none() {
            return Err("the episode is over: call reset()".into());
        }
        let [a, b] = action.map(|x| x as usize);
        let play = match self.mode {
            Mode::Placement => {
                if a > self.hosts {
                    return Err(format!(
                        "action {a} is outside 0..={} (a host, or {} to postpone)",
                        self.hosts, self.hosts
                    ));
                }
                if episode.mask.get(a) != Some(&1) {
                    return Err(format!(
                        "action {a}: host {a} cannot take the VM (its action mask is 0); choose among action_masks()"
                    ));
                }
                (a < self.hosts).then_some(action)
            }
            Mode::Consolidation { .. } => {
                if a > self.vms || b >= self.hosts {
                    return Err(format!(
                        "action ({a}, {b}) is outside (0..={}, 0..{}) (a VM and its host, or ({}, any) to end the round)",
                        self.vms, self.hosts, self.vms
                    ));
                }
                (a < self.vms).then_some(action)
            }
        };
        let sent = episode.to_sim.as_ref().map(|s| s.send(play));
        if !matches!(sent, Some(Ok(()))) {
            return Err("the simulation has stopped".into());
        }
        Ok(())
    }

    fn next(&self, episode: &mut Episode) -> Step {
        let message = episode.from_sim.as_ref().map(Receiver::recv);
        match message {
            Some(Ok(FromSim::Decision(d))) => {
                let terms = Terms::between(&episode.last, &d.tally);
                episode.last = d.tally;
                episode.mask.clone_from(&d.mask);
                Step::Decision(d, terms)
            }
            Some(Ok(FromSim::Done(result, end))) => {
                let terms = Terms::between(&episode.last, &end);
                episode.last = end;
                episode.done = true;
                if let Some(t) = episode.thread.take() {
                    let _ = t.join();
                }
                Step::Done(result, terms, end)
            }
            _ => {
                episode.done = true;
                Step::Done(
                    Err("the simulation thread ended without a result".into()),
                    Terms::default(),
                    episode.last,
                )
            }
        }
    }
}

/// The reward's terms between two decisions.
#[derive(Debug, Clone, Copy, Default)]
struct Terms {
    energy_kwh: f64,
    sla_unserved_kmips_h: f64,
    migrations: f64,
    rejections: f64,
}

impl Terms {
    fn between(a: &Tally, b: &Tally) -> Self {
        Self {
            energy_kwh: b.energy_kwh - a.energy_kwh,
            sla_unserved_kmips_h: b.unserved_kmips_h - a.unserved_kmips_h,
            migrations: b.migrations.saturating_sub(a.migrations) as f64,
            rejections: b.rejections.saturating_sub(a.rejections) as f64,
        }
    }

    fn reward(&self, w: &Weights) -> f64 {
        -(w.energy * self.energy_kwh
            + w.sla * self.sla_unserved_kmips_h
            + w.migrations * self.migrations
            + w.rejections * self.rejections)
    }
}

enum Step {
    Decision(Decision, Terms),
    Done(Result<Box<cirrus::metrics::RunResult>, String>, Terms, Tally),
}

impl Step {
    /// The step as a dict of raw values (`cirrus.gym` makes the numpy arrays).
    fn into_py<'py>(self, py: Python<'py>, weights: &Weights) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        let (terms, tally) = match &self {
            Step::Decision(d, terms) => (*terms, d.tally),
            Step::Done(_, terms, end) => (*terms, *end),
        };
        let t = PyDict::new(py);
        t.set_item("energy_kwh", terms.energy_kwh)?;
        t.set_item("sla_unserved_kmips_h", terms.sla_unserved_kmips_h)?;
        t.set_item("migrations", terms.migrations)?;
        t.set_item("rejections", terms.rejections)?;
        out.set_item("reward", terms.reward(weights))?;
        out.set_item("reward_terms", t)?;
        out.set_item("time_s", tally.time_s)?;
        out.set_item("rejections_total", tally.rejections)?;
        match self {
            Step::Decision(d, _) => {
                out.set_item("done", false)?;
                let kind = match d.kind {
                    Kind::Placement => "placement",
                    Kind::Consolidation => "consolidation",
                    Kind::Move => "move",
                };
                out.set_item("kind", kind)?;
                out.set_item("invalid_action", d.invalid)?;
                out.set_item("budget_left", d.budget_left)?;
                out.set_item("vm", d.vm)?;
                out.set_item("hosts", PyBytes::new(py, bytes_of(&d.hosts).as_slice()))?;
                out.set_item("vms", PyBytes::new(py, bytes_of(&d.vms).as_slice()))?;
                out.set_item("mask", PyBytes::new(py, &d.mask))?;
                match d.kind {
                    Kind::Move => out.set_item("baseline_action", d.baseline.map(|[v, h]| (v, h)))?,
                    _ => out.set_item("baseline_action", d.baseline.map(|[h, _]| h))?,
                }
            }
            Step::Done(result, _, _) => {
                out.set_item("done", true)?;
                let result = result.map_err(SimulationError::new_err)?;
                let text = serde_json::to_string(&result.summary)
                    .map_err(|e| SimulationError::new_err(e.to_string()))?;
                out.set_item("summary", py.import("json")?.call_method1("loads", (text,))?)?;
            }
        }
        Ok(out)
    }
}

#[pymethods]
impl Session {
    /// A session on `scenario` with the reward's weights: `mode` "placement" (every VM to
    /// place) or "consolidation" (every move of every round, at most `budget` a round; the
    /// scenario needs a `[consolidation]`).
    #[new]
    #[pyo3(signature = (scenario, w_energy = 1.0, w_sla = 1.0, w_migrations = 0.0, w_rejections = 1.0, mode = "placement", budget = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        scenario: &Bound<'_, Scenario>,
        w_energy: f64,
        w_sla: f64,
        w_migrations: f64,
        w_rejections: f64,
        mode: &str,
        budget: Option<u32>,
    ) -> PyResult<Self> {
        let weights = Weights {
            energy: w_energy,
            sla: w_sla,
            migrations: w_migrations,
            rejections: w_rejections,
        };
        if [w_energy, w_sla, w_migrations, w_rejections]
            .iter()
            .any(|w| !w.is_finite())
        {
            return Err(ScenarioError::new_err("reward weights must be finite numbers"));
        }
        let loaded = &scenario.get().loaded;
        let mode = match mode {
            "placement" => Mode::Placement,
            "consolidation" if loaded.consolidation.is_none() => {
                return Err(ScenarioError::new_err(format!(
                    "{}: a consolidation environment needs a scenario with [consolidation]",
                    scenario.get().path.display()
                )));
            }
            "consolidation" => Mode::Consolidation {
                budget: budget.unwrap_or(u32::MAX),
            },
            other => {
                return Err(ScenarioError::new_err(format!(
                    "mode: \"placement\" or \"consolidation\" is expected, found {other:?}"
                )));
            }
        };
        Ok(Self {
            mode,
            hosts: loaded.spec.hosts.len(),
            vms: loaded.spec.vms.len(),
            scenario: scenario.clone().unbind(),
            weights,
            episode: Mutex::new(Episode::default()),
        })
    }

    /// Hosts (the action space is hosts + 1: the last action postpones).
    #[getter]
    fn hosts(&self) -> usize {
        self.hosts
    }

    /// VMs.
    #[getter]
    fn vms(&self) -> usize {
        self.vms
    }

    /// Features per host and per VM in the observation.
    #[getter]
    fn features(&self) -> (usize, usize) {
        (HOST_FEATURES, VM_FEATURES)
    }

    /// Starts an episode (with `seed`, the scenario loaded again with that seed) and runs it
    /// to its first decision. The GIL is released meanwhile.
    #[pyo3(signature = (seed = None))]
    fn reset<'py>(&self, py: Python<'py>, seed: Option<u64>) -> PyResult<Bound<'py, PyDict>> {
        let scenario = self.scenario.bind(py).get();
        let step = py
            .detach(|| self.start(scenario, seed))
            .map_err(SimulationError::new_err)?;
        step.into_py(py, &self.weights)
    }

    /// Plays `action` — a host for the pending VM (`hosts` postpones), or a move `(vm, host)`
    /// (`vm == vms` ends the round) — and runs to the next decision or the end. The GIL is
    /// released meanwhile.
    fn step<'py>(&self, py: Python<'py>, action: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
        let action = action_of(&action)?;
        let step = py
            .detach(|| self.act(action))
            .map_err(pyo3::exceptions::PyValueError::new_err)?;
        step.into_py(py, &self.weights)
    }

    /// Abandons the running episode (its simulation finishes alone, postponing everything).
    fn close(&self) {
        self.episode.lock().unwrap_or_else(|p| p.into_inner()).abandon();
    }
}

/// Steps several sessions at once: every action is handed over first, then every answer
/// awaited, so the simulations run in parallel on their threads, with the GIL released.
#[pyfunction]
pub fn step_many<'py>(
    py: Python<'py>,
    sessions: Vec<Bound<'py, Session>>,
    actions: Vec<Bound<'py, PyAny>>,
) -> PyResult<Vec<Bound<'py, PyDict>>> {
    let actions: Vec<Action> = actions.iter().map(action_of).collect::<PyResult<_>>()?;
    if sessions.len() != actions.len() {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "{} sessions but {} actions",
            sessions.len(),
            actions.len()
        )));
    }
    let refs: Vec<&Session> = sessions.iter().map(Bound::get).collect();
    for (i, a) in refs.iter().enumerate() {
        if refs[..i].iter().any(|b| std::ptr::eq(*a, *b)) {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "a session is given twice",
            ));
        }
    }
    let steps = py.detach(|| -> Result<Vec<Step>, String> {
        let mut episodes: Vec<_> = refs
            .iter()
            .map(|s| s.episode.lock().unwrap_or_else(|p| p.into_inner()))
            .collect();
        for ((s, e), &a) in refs.iter().zip(episodes.iter_mut()).zip(&actions) {
            s.send(e, a)?;
        }
        Ok(refs
            .iter()
            .zip(episodes.iter_mut())
            .map(|(s, e)| s.next(e))
            .collect())
    });
    let steps = steps.map_err(pyo3::exceptions::PyValueError::new_err)?;
    steps
        .into_iter()
        .zip(&refs)
        .map(|(step, s)| step.into_py(py, &s.weights))
        .collect()
}

/// An action from Python: a host (`int`) or a move (`(vm, host)`).
fn action_of(action: &Bound<'_, PyAny>) -> PyResult<Action> {
    if let Ok(a) = action.extract::<u32>() {
        return Ok([a, 0]);
    }
    action.extract::<(u32, u32)>().map(|(a, b)| [a, b]).map_err(|_| {
        pyo3::exceptions::PyValueError::new_err(format!(
            "an action is a host (int) or a move (vm, host), found {action}"
        ))
    })
}
