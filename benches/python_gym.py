"""Decisions per second of cirrus.gym on the LR-MMT PlanetLab day (800 hosts, 1052 VMs):
one PlacementEnv stepped alone, then 8 environments stepped one by one, then the same 8 in
a PlacementVectorEnv (one call steps all, their simulations in parallel on Rust threads).
Every environment plays the scenario's own policy (`info["baseline_action"]`), so each
episode is exactly `cirrus run`'s.

    .venv/bin/python benches/python_gym.py [SECONDS_OF_SIMULATED_DAY]   # default: the whole day

Prints the median of 3 repetitions (wall clock; the machine's load average beside it).
"""

import os
import statistics
import sys
import time

import numpy as np

import cirrus
from cirrus.gym import PlacementEnv, PlacementVectorEnv

SCENARIO = "scenarios/planetlab-20110303-lr-mmt.toml"
N = 8


def episode(env):
    obs, info = env.reset()
    steps = 0
    while True:
        obs, reward, terminated, truncated, info = env.step(info["baseline_action"])
        steps += 1
        if terminated:
            return steps


def vector_episode(venv):
    obs, infos = venv.reset()
    steps, done = 0, np.zeros(venv.num_envs, bool)
    while not done.all():
        actions = np.where(done, 0, infos["baseline_action"])
        obs, rewards, terminated, truncated, infos = venv.step(actions)
        steps += int((~done).sum())
        done |= terminated
    return steps


def median_rate(fn, *args):
    rates = []
    for _ in range(3):
        started = time.perf_counter()
        steps = fn(*args)
        rates.append(steps / (time.perf_counter() - started))
    return statistics.median(rates), steps


def main():
    sets = {"simulation.duration_s": float(sys.argv[1])} if len(sys.argv) > 1 else None
    scenario = cirrus.load(SCENARIO, set=sets)
    single, steps = median_rate(episode, PlacementEnv(scenario))
    envs = [PlacementEnv(scenario) for _ in range(N)]
    one_by_one, _ = median_rate(lambda: sum(episode(e) for e in envs))
    batched, _ = median_rate(vector_episode, PlacementVectorEnv(scenario, N))
    load = os.getloadavg()[0]
    print(f"{SCENARIO} ({scenario.duration_s:.0f} s simulated): {steps} decisions an episode; load average {load:.1f}")
    print(f"  1 env:                {single:9.0f} decisions/s ({1e6 / single:.0f} us a decision)")
    print(f"  {N} envs one by one:    {one_by_one:9.0f} decisions/s")
    print(f"  {N} envs, vector env:   {batched:9.0f} decisions/s")


if __name__ == "__main__":
    main()
