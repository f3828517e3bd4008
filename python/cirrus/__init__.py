"""Cirrus from Python.

Cirrus is a deterministic discrete-event simulator of cloud datacenters: hosts, VMs, power,
placement and consolidation policies, live-migration models over a shared network, host
failures. This package runs it in-process::

    import cirrus
    scenario = cirrus.load("scenarios/planetlab-20110303-lr-mmt.toml",
                           set={"consolidation.detector.safety": 1.1})
    result = cirrus.run(scenario)          # the GIL is released while it runs
    result.summary["total_energy_kwh"]     # the headline numbers, a dict
    result.intervals.to_pandas()           # or pyarrow.table(result.hosts), polars.DataFrame(result.vms)
    result.write("results/my-run")         # exactly what `cirrus run --out` writes

    sweep = cirrus.sweep("scenarios/sweeps/lr-safety.toml", jobs=2)
    sweep.aggregate.to_pandas()

Tables (`Table`) implement the Arrow PyCapsule interface (``__arrow_c_stream__``), so any
Arrow-aware library takes them without copying the columns. Errors: `ScenarioError` (a bad
scenario, sweep or override, located at file:line:column and key), `SimulationError` (a run
that could not be built or simulated), `OutputError` (a results folder that cannot be
written).
"""

from ._cirrus import (
    OutputError,
    Result,
    Scenario,
    ScenarioError,
    SimulationError,
    SweepResult,
    Table,
    __version__,
    load,
    merge,
    run,
    sweep,
)

__all__ = [
    "OutputError",
    "Result",
    "Scenario",
    "ScenarioError",
    "SimulationError",
    "SweepResult",
    "Table",
    "__version__",
    "load",
    "merge",
    "run",
    "sweep",
]
