"""Gymnasium environments on Cirrus: an agent places VMs, at Rust speed.

`PlacementEnv` asks for one decision per VM to place — initial placement, arrivals, and the
destinations of consolidation's moves — as ``Discrete(hosts + 1)``: a host, or the last
action to postpone (at placement the VM stays unplaced and counts as a rejection; a
consolidation move is not made). The simulation runs on a Rust thread of its own and jumps
from decision to decision; nothing ticks, and the GIL is released while it runs.

Observations (``Dict``, float32 from the simulation's own buffers, zero-copy views):

- ``hosts`` (H, 8): capacity in MIPS and RAM relative to the largest host; CPU delivered and
  requested as fractions of capacity (requested may exceed 1); RAM held (fraction); VMs
  (relative to the fullest host); up; active.
- ``vms`` (V, 5): requested MIPS and RAM relative to the largest host; placed; its host
  (index / H, −1 unplaced); migrating.
- ``vm``: the VM to place; ``kind``: 0 placement, 1 consolidation; ``time``: simulated time
  as a fraction of the run.

Reward between two decisions: −(w_energy · kWh + w_sla · unserved + w_migrations ·
migrations + w_rejections · rejections), where *unserved* is the requested MIPS that hosts
could not deliver, integrated over time (thousands of MIPS-hours); each term is in
``info["reward_terms"]``, and the last step's ``info["summary"]`` holds the run's summary.

``action_masks()`` (and ``info["action_mask"]``) marks the hosts that can take the VM (up,
room, and the consolidation's overload test); postponing is always allowed. A masked action
is played as "postpone" and flagged in ``info["invalid_action"]`` (``strict=True`` raises
instead). ``info["baseline_action"]`` is what the scenario's own Rust policy (PABFD, first
fit, …) would choose: playing it reproduces ``cirrus.run(scenario)`` exactly, so an agent
is compared with the baseline on identical episodes. Same scenario, seed and actions ⇒ the
same episode.
"""

from __future__ import annotations

import os
from typing import Any, Optional

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv

from ._cirrus import Scenario, Session, load, step_many

__all__ = ["ConsolidationEnv", "PlacementEnv", "PlacementVectorEnv"]


def _scenario(scenario, set) -> Scenario:
    if isinstance(scenario, Scenario):
        if set:
            raise ValueError("set= applies to a scenario path; this scenario is already loaded")
        return scenario
    if isinstance(scenario, (str, os.PathLike)):
        return load(scenario, set=set)
    raise TypeError(f"a scenario path or cirrus.Scenario is expected, found {type(scenario).__name__}")


# Features are fractions and ratios; requested CPU over capacity is the only one above 1, by
# as much as a host is oversubscribed, never near this bound.
_HIGH = 1e6


class _Shapes:
    """The spaces of one environment on a session."""

    def __init__(self, session: Session, duration_s: float):
        self.hosts, self.vms = session.hosts, session.vms
        self.host_features, self.vm_features = session.features
        self.duration_s = duration_s
        self.observation_space = spaces.Dict(
            {
                "hosts": spaces.Box(-1.0, _HIGH, (self.hosts, self.host_features), np.float32),
                "vms": spaces.Box(-1.0, _HIGH, (self.vms, self.vm_features), np.float32),
                "vm": spaces.Discrete(max(self.vms, 1)),
                "kind": spaces.Discrete(2),
                "time": spaces.Box(0.0, 1.0, (1,), np.float32),
            }
        )
        self.action_space = spaces.Discrete(self.hosts + 1)

    def observation(self, raw: dict) -> dict:
        return {
            "hosts": np.frombuffer(raw["hosts"], "<f4").reshape(self.hosts, self.host_features),
            "vms": np.frombuffer(raw["vms"], "<f4").reshape(self.vms, self.vm_features),
            "vm": int(raw["vm"]),
            "kind": 0 if raw["kind"] == "placement" else 1,
            "time": np.array([raw["time_s"] / self.duration_s], np.float32),
        }

    def info(self, raw: dict) -> dict:
        info = {"reward_terms": raw["reward_terms"], "time_s": raw["time_s"]}
        if raw["done"]:
            info["summary"] = raw["summary"]
        else:
            mask = np.frombuffer(raw["mask"], np.uint8).astype(bool)
            baseline = raw["baseline_action"]
            if raw["kind"] == "move":
                baseline = tuple(int(x) for x in baseline)
            else:
                baseline = self.hosts if baseline is None else int(baseline)
            info.update(action_mask=mask, baseline_action=baseline, kind=raw["kind"], vm=int(raw["vm"]))
        return info


class PlacementEnv(gym.Env):
    """One simulation of `scenario` (a path, with `set` overrides, or a `cirrus.Scenario`) in
    which an agent places every VM. See the module's documentation for spaces and reward."""

    metadata = {"render_modes": []}

    def __init__(
        self,
        scenario: Any,
        *,
        set: Optional[Any] = None,
        w_energy: float = 1.0,
        w_sla: float = 1.0,
        w_migrations: float = 0.0,
        w_rejections: float = 1.0,
        strict: bool = False,
    ):
        self.scenario = _scenario(scenario, set)
        self._session = Session(self.scenario, w_energy, w_sla, w_migrations, w_rejections)
        self._shapes = _Shapes(self._session, self.scenario.duration_s)
        self.observation_space = self._shapes.observation_space
        self.action_space = self._shapes.action_space
        self.strict = strict
        self._mask = np.zeros(self._shapes.hosts + 1, bool)
        self._last_obs = None

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict] = None):
        """Starts an episode: the scenario's seed, or `seed` (the scenario loaded again with it)."""
        super().reset(seed=seed)
        raw = self._session.reset(seed)
        if raw["done"]:
            raise RuntimeError("the scenario asks for no placement decision: there is nothing to learn")
        return self._decision(raw)

    def step(self, action):
        action = int(action)
        invalid = not (0 <= action < len(self._mask) and self._mask[action])
        if invalid:
            if self.strict:
                raise ValueError(f"action {action} is masked out: choose among action_masks()")
            action = self._shapes.hosts
        raw = self._session.step(action)
        info = self._shapes.info(raw)
        info["invalid_action"] = invalid
        if raw["done"]:
            self._mask[:] = False
            return self._last_obs, raw["reward"], True, False, info
        obs = self._shapes.observation(raw)
        self._mask = info["action_mask"]
        self._last_obs = obs
        return obs, raw["reward"], False, False, info

    def _decision(self, raw):
        obs = self._shapes.observation(raw)
        info = self._shapes.info(raw)
        self._mask = info["action_mask"]
        self._last_obs = obs
        return obs, info

    def action_masks(self) -> np.ndarray:
        """The actions allowed now (for masked policies, e.g. sb3-contrib's MaskablePPO)."""
        return self._mask.copy()

    def close(self):
        self._session.close()


class PlacementVectorEnv(VectorEnv):
    """`num_envs` placement environments stepped in one call: every action is handed to its
    simulation first, then every answer awaited, each simulation on its own Rust thread with
    the GIL released. Observations are written into preallocated batch arrays. An episode
    that ends is started again at the next step (gymnasium's next-step autoreset; the action
    given to it then is ignored)."""

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(self, scenario: Any, num_envs: int, *, set: Optional[Any] = None, copy: bool = True, **weights):
        if num_envs < 1:
            raise ValueError("num_envs must be at least 1")
        self.scenario = _scenario(scenario, set)
        self.num_envs = num_envs
        self.copy = copy
        self._sessions = [Session(self.scenario, **weights) for _ in range(num_envs)]
        self._shapes = _Shapes(self._sessions[0], self.scenario.duration_s)
        self.single_observation_space = self._shapes.observation_space
        self.single_action_space = self._shapes.action_space
        self.observation_space = gym.vector.utils.batch_space(self.single_observation_space, num_envs)
        self.action_space = gym.vector.utils.batch_space(self.single_action_space, num_envs)
        self._obs = gym.vector.utils.create_empty_array(self.single_observation_space, num_envs, np.zeros)
        self._masks = np.zeros((num_envs, self._shapes.hosts + 1), bool)
        self._rewards = np.zeros(num_envs, np.float64)
        self._terminated = np.zeros(num_envs, bool)
        self._truncated = np.zeros(num_envs, bool)
        self._autoreset = np.zeros(num_envs, bool)
        self._seeds: list[Optional[int]] = [None] * num_envs

    def _write(self, i: int, raw: dict):
        obs = self._shapes.observation(raw)
        for key, value in obs.items():
            self._obs[key][i] = value
        self._masks[i] = np.frombuffer(raw["mask"], np.uint8).astype(bool)

    def _out(self):
        if not self.copy:
            return self._obs
        return {key: np.copy(value) for key, value in self._obs.items()}

    def reset(self, *, seed=None, options=None):
        """Starts every episode; `seed` an int (env i gets seed + i) or a list of seeds."""
        super().reset(seed=seed)
        if seed is None:
            seeds = [None] * self.num_envs
        elif isinstance(seed, int):
            seeds = [seed + i for i in range(self.num_envs)]
        else:
            seeds = list(seed)
        self._seeds = seeds
        infos: dict = {}
        for i, (session, s) in enumerate(zip(self._sessions, seeds)):
            raw = session.reset(s)
            if raw["done"]:
                raise RuntimeError("the scenario asks for no placement decision")
            self._write(i, raw)
            infos = self._add_info(infos, self._shapes.info(raw), i)
        self._autoreset[:] = False
        return self._out(), infos

    def step(self, actions):
        actions = np.asarray(actions, dtype=np.int64).reshape(self.num_envs)
        infos: dict = {}
        stepping, played = [], []
        for i in range(self.num_envs):
            if self._autoreset[i]:
                raw = self._sessions[i].reset(self._seeds[i])
                self._write(i, raw)
                self._rewards[i] = 0.0
                self._terminated[i] = self._truncated[i] = False
                infos = self._add_info(infos, self._shapes.info(raw), i)
                continue
            a = int(actions[i])
            if not (0 <= a <= self._shapes.hosts and self._masks[i, a]):
                a = self._shapes.hosts
            stepping.append(i)
            played.append(a)
        raws = step_many([self._sessions[i] for i in stepping], played) if stepping else []
        for i, raw in zip(stepping, raws):
            self._rewards[i] = raw["reward"]
            self._terminated[i] = raw["done"]
            self._truncated[i] = False
            if not raw["done"]:
                self._write(i, raw)
            else:
                self._masks[i] = False
            infos = self._add_info(infos, self._shapes.info(raw), i)
        self._autoreset = self._terminated | self._truncated
        return self._out(), self._rewards.copy(), self._terminated.copy(), self._truncated.copy(), infos

    def action_masks(self) -> np.ndarray:
        """The allowed actions of every environment, (num_envs, hosts + 1)."""
        return self._masks.copy()

    def close_extras(self, **kwargs):
        for session in self._sessions:
            session.close()


class ConsolidationEnv(gym.Env):
    """One simulation of `scenario` (which needs a ``[consolidation]``) in which an agent makes
    every consolidation round's moves, one per step: ``MultiDiscrete([vms + 1, hosts])``,
    move VM v to host h, or ``(vms, any)`` to end the round; at most `budget` moves a round
    (None: no limit). The scenario's own consolidation (LR-MMT, THR-MMT, …) plans each round
    first: ``info["baseline_action"]`` is its next move (or the end), always accepted, so
    playing it reproduces ``cirrus.run(scenario)``.

    ``action_masks()`` is the two dimensions' masks concatenated (VMs that can move — placed,
    not migrating, not moved this round — and the end action; hosts that are up), as masked
    PPO for ``MultiDiscrete`` takes them. A pair the datacenter cannot make (the host lacks
    room, or is the VM's own) changes nothing and is flagged in ``info["invalid_action"]``;
    after 16 such actions in a round the round ends. Observations are `PlacementEnv`'s
    ``hosts``, ``vms`` and ``time`` (the moves chosen so far in the round are shown made),
    plus ``moves_left``. Reward as in `PlacementEnv` (rejections are always 0 here)."""

    metadata = {"render_modes": []}
    MAX_INVALID = 16

    def __init__(
        self,
        scenario: Any,
        *,
        set: Optional[Any] = None,
        budget: Optional[int] = None,
        w_energy: float = 1.0,
        w_sla: float = 1.0,
        w_migrations: float = 0.0,
        strict: bool = False,
    ):
        self.scenario = _scenario(scenario, set)
        self._session = Session(self.scenario, w_energy, w_sla, w_migrations, 0.0, mode="consolidation", budget=budget)
        self._shapes = _Shapes(self._session, self.scenario.duration_s)
        hosts, vms = self._shapes.hosts, self._shapes.vms
        self.observation_space = spaces.Dict(
            {
                "hosts": self._shapes.observation_space["hosts"],
                "vms": self._shapes.observation_space["vms"],
                "time": self._shapes.observation_space["time"],
                "moves_left": spaces.Box(0.0, _HIGH, (1,), np.float32),
            }
        )
        self.action_space = spaces.MultiDiscrete([vms + 1, hosts])
        self.strict = strict
        self._mask = np.zeros(vms + 1 + hosts, bool)
        self._last_obs = None
        self._invalid_in_round = 0

    def _observe(self, raw):
        obs = self._shapes.observation(raw)
        del obs["vm"], obs["kind"]
        obs["moves_left"] = np.array([min(raw["budget_left"], _HIGH)], np.float32)
        info = self._shapes.info(raw)
        info["invalid_action"] = raw["invalid_action"]
        info["budget_left"] = raw["budget_left"]
        self._mask = info.pop("action_mask")
        info["action_mask"] = self._mask
        self._last_obs = obs
        return obs, info

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict] = None):
        """Starts an episode, up to the first round's first move."""
        super().reset(seed=seed)
        raw = self._session.reset(seed)
        if raw["done"]:
            raise RuntimeError("the scenario makes no consolidation round: there is nothing to learn")
        self._invalid_in_round = 0
        return self._observe(raw)

    def step(self, action):
        vm, host = (int(x) for x in np.asarray(action).reshape(2))
        vms = self._shapes.vms
        masked = not (0 <= vm <= vms and 0 <= host < self._shapes.hosts and self._mask[vm] and (vm == vms or self._mask[vms + 1 + host]))
        if masked and self.strict:
            raise ValueError(f"action ({vm}, {host}) is masked out: choose among action_masks()")
        if self._invalid_in_round >= self.MAX_INVALID:
            play = (vms, 0)
        else:
            play = (min(max(vm, 0), vms), min(max(host, 0), self._shapes.hosts - 1))
        raw = self._session.step(play)
        if raw["done"]:
            info = self._shapes.info(raw)
            info["invalid_action"] = masked
            self._mask[:] = False
            return self._last_obs, raw["reward"], True, False, info
        obs, info = self._observe(raw)
        if play[0] == vms:
            self._invalid_in_round = 0
        elif info["invalid_action"]:
            self._invalid_in_round += 1
        info["invalid_action"] = info["invalid_action"] or masked
        return obs, raw["reward"], False, False, info

    def action_masks(self) -> np.ndarray:
        """The two dimensions' masks concatenated: (vms + 1) + hosts booleans."""
        return self._mask.copy()

    def close(self):
        self._session.close()
