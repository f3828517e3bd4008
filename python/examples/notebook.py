# %% [markdown]
# # Cirrus in a notebook
#
# A notebook-style tour (cells separated by `# %%`; open it in VS Code or Jupyter with
# jupytext, or run it as a script from the repository root): run a scenario, look at its
# tables with pandas, compare overload detectors in a sweep, write a policy in Python, and
# let an agent place VMs through the Gymnasium environment.

# %%
import pandas as pd

import cirrus

day = cirrus.load("scenarios/planetlab-20110303-lr-mmt.toml")
result = cirrus.run(day)
print(result.summary["energy_kwh"], result.summary["slav"], result.summary["migrations"])

# %% [markdown]
# Tables are Arrow: pandas (`DataFrame.from_arrow`), polars (`pl.DataFrame(t)`) and pyarrow
# (`pa.table(t)`) take them without a copy.

# %%
intervals = pd.DataFrame.from_arrow(result.intervals)
migrations = pd.DataFrame.from_arrow(result.migrations)
print(intervals[["time_s", "active_hosts", "power_w"]].describe())
print(migrations.groupby("reason")["duration_s"].describe())

# %% [markdown]
# The same day with another safety parameter, then the README's sweep of it.

# %%
safer = cirrus.run(cirrus.load("scenarios/planetlab-20110303-lr-mmt.toml", set={"consolidation.detector.safety": 1.4}))
print(safer.summary["energy_kwh"], safer.summary["slav"])
sweep = cirrus.sweep("scenarios/sweeps/lr-safety.toml", out="results/notebook-lr-safety", jobs=2)
runs = pd.DataFrame.from_arrow(sweep.runs)
print(runs[["safety", "energy_kwh", "slav", "migrations"]])

# %% [markdown]
# A policy of your own, in Python: called from Rust for every decision (microseconds each;
# port it to the Rust trait once it works).


# %%
class LeastLoaded:
    def select_host(self, hosts, vm, vms, mask):
        allowed = mask.nonzero()[0]
        if allowed.size == 0:
            return None
        requested = hosts[allowed, 3]  # requested CPU as a fraction of capacity
        return int(allowed[requested.argmin()])


spread = cirrus.run(cirrus.load("scenarios/planetlab-20110303-lr-mmt.toml", set={"simulation.duration_s": 7200.0}), placement=LeastLoaded())
print(spread.summary["energy_kwh"], spread.summary["active_hosts_mean"])

# %% [markdown]
# An agent places the VMs (here: the scenario's own PABFD, `info["baseline_action"]`;
# replace it with your policy's action).

# %%
from cirrus.gym import PlacementEnv

env = PlacementEnv("scenarios/planetlab-20110303-lr-mmt.toml", set={"simulation.duration_s": 7200.0})
obs, info = env.reset()
total = 0.0
while True:
    obs, reward, terminated, truncated, info = env.step(info["baseline_action"])
    total += reward
    if terminated:
        break
print(total, info["summary"]["energy_kwh"])
