"""Type stubs of the `cirrus._cirrus` extension module (Rust, PyO3)."""

import os
import pathlib
from typing import Any, Mapping, Optional, Protocol, Sequence, Union

import numpy as np

__version__: str

_Path = Union[str, "os.PathLike[str]"]
_Value = Union[bool, int, float, str, Sequence["_Value"]]
_Overrides = Union[Mapping[str, _Value], Sequence[str]]

class ScenarioError(ValueError):
    """A scenario or sweep file that cannot be loaded: the message names the file, line, column and key."""

class SimulationError(RuntimeError):
    """A run that could not be built or simulated."""

class OutputError(OSError):
    """A results folder that cannot be written (or holds another run and `force` is false)."""

class Scenario:
    """A loaded, validated scenario (`load`); its traces are read once, every `run` builds fresh policies."""

    @property
    def name(self) -> str:
        """The scenario's name (`[simulation] name`)."""
    @property
    def path(self) -> pathlib.Path:
        """The file it was loaded from."""
    @property
    def overrides(self) -> list[str]:
        """The overrides applied, as `key.path=value` strings."""
    @property
    def seed(self) -> int:
        """The seed of every random stream."""
    @property
    def duration_s(self) -> float:
        """Simulated time, seconds."""
    @property
    def hosts(self) -> int:
        """Number of hosts."""
    @property
    def vms(self) -> int:
        """Number of VMs."""
    @property
    def output_dir(self) -> pathlib.Path:
        """The results folder the scenario names (`[output] dir`)."""

class Table:
    """One table of results as Arrow record batches (the Arrow PyCapsule interface)."""

    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object:
        """The Arrow C stream of the table, in a capsule named `arrow_array_stream`."""
    def __arrow_c_schema__(self) -> object:
        """The Arrow C schema of the table, in a capsule named `arrow_schema`."""
    @property
    def name(self) -> str:
        """`intervals`, `hosts`, `vms`, `migrations`, `runs` or `aggregate`."""
    @property
    def num_rows(self) -> int:
        """The number of rows."""
    @property
    def column_names(self) -> list[str]:
        """The column names, in the CSV file's order."""
    def __len__(self) -> int: ...
    def to_pyarrow(self) -> Any:
        """The table as a `pyarrow.Table` (needs pyarrow)."""
    def to_pandas(self) -> Any:
        """The table as a `pandas.DataFrame` (needs pyarrow and pandas)."""
    def to_polars(self) -> Any:
        """The table as a `polars.DataFrame` (needs polars)."""

class Result:
    """What a run produced, and what made it (`run`)."""

    @property
    def summary(self) -> dict[str, Any]:
        """The headline numbers, as `summary.json` has them (NaN as None)."""
    @property
    def intervals(self) -> Table:
        """One row per datacenter step (`intervals.csv`)."""
    @property
    def hosts(self) -> Table:
        """One row per host (`hosts.csv`)."""
    @property
    def vms(self) -> Table:
        """One row per VM (`vms.csv`)."""
    @property
    def migrations(self) -> Table:
        """One row per live migration, in start order (`migrations.csv`)."""
    @property
    def manifest(self) -> dict[str, Any]:
        """The run's `manifest.json`: scenario, overrides, seed, version, commit."""
    @property
    def wall_s(self) -> float:
        """Seconds spent loading (for another seed) and simulating."""
    def write(self, dir: _Path, force: bool = False, durable: bool = False) -> pathlib.Path:
        """Writes the run's folder exactly as `cirrus run --out DIR` does; returns the folder."""

class SweepResult:
    """A finished sweep (`sweep`)."""

    @property
    def dir(self) -> pathlib.Path:
        """The sweep's folder."""
    @property
    def total(self) -> int:
        """Runs in the sweep."""
    @property
    def ran(self) -> int:
        """Runs this call ran."""
    @property
    def skipped(self) -> int:
        """Runs found done in the folder and kept."""
    @property
    def complete(self) -> bool:
        """Whether the folder holds every run (a shard's does not: merge them)."""
    @property
    def runs(self) -> Table:
        """One row per run (`runs.csv`)."""
    @property
    def aggregate(self) -> Table:
        """One row per grid point and metric (`aggregate.csv`), with 95 % confidence intervals."""

def load(path: _Path, set: Optional[_Overrides] = None) -> Scenario:
    """Loads a scenario file with overrides (a dict, or `key.path=value` strings), as `cirrus run --set`."""

class PlacementPolicy(Protocol):
    """A placement policy written in Python (prototyping; the Rust trait is the fast path)."""

    def select_host(self, hosts: "np.ndarray", vm: int, vms: "np.ndarray", mask: "np.ndarray") -> Optional[int]:
        """The host for VM `vm`, among those `mask` allows, or None. `hosts` (H, 8) and `vms`
        (V, 5) are read-only float32 features (see `cirrus.gym`); `mask` (H,) bool."""

class OverloadDetector(Protocol):
    """An overload detector written in Python."""

    def is_overloaded(
        self, utilization: float, history: "np.ndarray", max_migration_time_s: float, scheduling_interval_s: float
    ) -> bool:
        """Is the host overloaded? `utilization`: requested MIPS over capacity (may exceed 1);
        `history`: float64 utilisation history, newest first (may be empty)."""

def run(
    scenario: Scenario,
    seed: Optional[int] = None,
    threads: int = 1,
    audit: bool = False,
    placement: Optional[PlacementPolicy] = None,
    consolidation_placement: Optional[PlacementPolicy] = None,
    detector: Optional[OverloadDetector] = None,
) -> Result:
    """Runs a scenario with the GIL released; another `seed` loads it again with `simulation.seed`.
    Policies written in Python replace the scenario's; an exception they raise is raised after the run."""

def sweep(
    path: _Path,
    out: Optional[_Path] = None,
    jobs: int = 0,
    set: Optional[_Overrides] = None,
    run_outputs: Optional[bool] = None,
    shard: Optional[str] = None,
) -> SweepResult:
    """Runs a sweep file into `out` (default `results/<name>`), resuming, as `cirrus sweep`;
    `shard="I/N"` runs one slice of the grid (e.g. a Slurm array task)."""

def merge(dirs: Sequence[_Path], out: _Path) -> SweepResult:
    """Combines the folders of a sweep's shards into `out`, as `cirrus merge`."""

class Session:
    """The Rust half of `cirrus.gym`'s environments: a simulation that stops at every decision."""

    def __init__(
        self,
        scenario: Scenario,
        w_energy: float = 1.0,
        w_sla: float = 1.0,
        w_migrations: float = 0.0,
        w_rejections: float = 1.0,
        mode: str = "placement",
        budget: Optional[int] = None,
    ) -> None: ...
    @property
    def hosts(self) -> int:
        """Hosts (the last action, `hosts`, postpones)."""
    @property
    def vms(self) -> int:
        """VMs."""
    @property
    def features(self) -> tuple[int, int]:
        """Features per host and per VM."""
    def reset(self, seed: Optional[int] = None) -> dict[str, Any]:
        """Starts an episode and runs it to its first decision (raw values: bytes of float32)."""
    def step(self, action: Union[int, tuple[int, int]]) -> dict[str, Any]:
        """Plays a host (placement) or a move `(vm, host)` and runs to the next decision or the end."""
    def close(self) -> None:
        """Abandons the running episode."""

def step_many(sessions: Sequence[Session], actions: Sequence[Union[int, tuple[int, int]]]) -> list[dict[str, Any]]:
    """Steps several sessions at once, their simulations in parallel, with the GIL released."""
