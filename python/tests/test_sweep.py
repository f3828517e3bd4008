"""cirrus.sweep: the `cirrus sweep` folder, and its tables as Arrow."""

import csv

import pyarrow as pa
import pytest

import cirrus

SWEEP = """
[sweep]
name = "py-sweep"
scenario = "{scenario}"
replications = 2
set = ["simulation.duration_s=86400"]

[[axes]]
name = "policy"
key = "placement.policy"
values = ["ff", "pabfd"]
"""


def write_sweep(tmp_path):
    path = tmp_path / "sweep.toml"
    path.write_text(SWEEP.format(scenario=(cirrus_root() / "scenarios/failures/exponential.toml").as_posix()))
    return path


def cirrus_root():
    import pathlib

    return pathlib.Path(__file__).resolve().parents[2]


def test_sweep_tables_are_its_csv_files(tmp_path):
    result = cirrus.sweep(write_sweep(tmp_path), out=tmp_path / "out", jobs=2)
    assert (result.total, result.ran, result.skipped) == (4, 4, 0)
    runs = pa.table(result.runs)
    with open(tmp_path / "out" / "runs.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert runs.num_rows == len(rows) == 4
    assert runs.column_names[:4] == ["run", "point", "replication", "policy"]
    assert runs.column("policy").to_pylist() == [r["policy"] for r in rows] == ["ff", "ff", "pabfd", "pabfd"]
    assert runs.column("total_energy_kwh").to_pylist() == [float(r["total_energy_kwh"]) for r in rows]
    aggregate = pa.table(result.aggregate)
    assert aggregate.num_rows > 0
    # Run again: everything is found done and kept (NaN metrics included, so pandas' equals).
    before = (tmp_path / "out" / "runs.csv").read_bytes()
    again = cirrus.sweep(write_sweep(tmp_path), out=tmp_path / "out", jobs=2)
    assert (again.ran, again.skipped) == (0, 4)
    assert (tmp_path / "out" / "runs.csv").read_bytes() == before
    assert again.runs.to_pandas().equals(runs.to_pandas())


def test_sweep_errors_are_located(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[sweep]\nname = "x"\nscenario = "nowhere.toml"\nreplications = "two"\n')
    with pytest.raises(cirrus.ScenarioError, match=r"bad\.toml:4:\d+"):
        cirrus.sweep(path, out=tmp_path / "out")


def test_shards_merge_into_the_whole_sweep(tmp_path):
    path = write_sweep(tmp_path)
    whole = cirrus.sweep(path, out=tmp_path / "whole", jobs=2)
    shards = [cirrus.sweep(path, out=tmp_path / f"s{i}", jobs=1, shard=f"{i}/2") for i in range(2)]
    assert [s.ran for s in shards] == [2, 2] and not shards[0].complete
    with pytest.raises(cirrus.OutputError, match="one shard"):
        shards[0].runs
    merged = cirrus.merge([s.dir for s in shards], tmp_path / "merged")
    assert merged.complete and merged.total == 4
    assert (tmp_path / "merged" / "runs.csv").read_bytes() == (tmp_path / "whole" / "runs.csv").read_bytes()
    assert (tmp_path / "merged" / "aggregate.csv").read_bytes() == (tmp_path / "whole" / "aggregate.csv").read_bytes()
    with pytest.raises(cirrus.ScenarioError, match="shard"):
        cirrus.sweep(path, out=tmp_path / "x", shard="2/2")
