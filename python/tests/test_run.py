"""cirrus.load / cirrus.run / Result: the same numbers and files as the `cirrus` binary."""

import csv
import json
import math
import pathlib
import subprocess
import threading
import time

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

import cirrus

# A week of 20 hosts with announced failures: evacuations, restarts, every table non-empty.
FAILURES = "scenarios/failures/exponential.toml"
# The CloudSim LR-MMT day, cut to two hours: consolidation migrations, CloudSim's digits.
LR_MMT = "scenarios/planetlab-20110303-lr-mmt.toml"
SHORT = {"simulation.duration_s": 7200.0}
TABLES = ["intervals", "hosts", "vms", "migrations"]


def cli_run(cirrus_bin, scenario, out, *args):
    done = subprocess.run(
        [cirrus_bin, "run", scenario, "--out", str(out), "--json", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout)


def test_summary_and_folder_match_cirrus_run(cirrus_bin, tmp_path):
    scenario = cirrus.load(FAILURES)
    result = cirrus.run(scenario)
    from_cli = cli_run(cirrus_bin, FAILURES, tmp_path / "cli")
    assert result.summary == from_cli
    assert result.summary["vms_restarted"] + result.summary["migrations"] > 0, "the week must exercise failures"

    result.write(tmp_path / "py")
    cli_files = sorted(p.name for p in (tmp_path / "cli").iterdir())
    py_files = sorted(p.name for p in (tmp_path / "py").iterdir())
    assert py_files == cli_files
    for name in cli_files:
        a = (tmp_path / "cli" / name).read_bytes()
        b = (tmp_path / "py" / name).read_bytes()
        if name == "manifest.json":
            ma, mb = json.loads(a), json.loads(b)
            for varying in ("started_utc", "wall_s", "threads"):
                ma.pop(varying), mb.pop(varying)
            assert ma == mb
        else:
            assert a == b, name


def test_tables_are_the_csv_files(tmp_path):
    scenario = cirrus.load(LR_MMT, set=SHORT)
    result = cirrus.run(scenario)
    result.write(tmp_path)
    for name in TABLES:
        table = pa.table(getattr(result, name))
        with open(tmp_path / f"{name}.csv", newline="") as f:
            rows = list(csv.reader(f))
        header, rows = rows[0], rows[1:]
        assert table.column_names == header, name
        assert table.num_rows == len(rows) > 0, name
        # Every value as the CSV writes it: numbers to the last digit, empty = null.
        for column, values in zip(header, zip(*rows)):
            for got, want in zip(table.column(column).to_pylist(), values):
                if want == "":
                    assert got is None, (name, column)
                elif isinstance(got, float):
                    assert got == float(want) or (math.isnan(got) and want == "NaN"), (name, column, got, want)
                else:
                    assert str(got) == want, (name, column, got, want)


def test_column_types_do_not_depend_on_the_run():
    """A column empty in one run (no racks, no finished VM, no migration) keeps its type."""
    quiet = cirrus.run(cirrus.load(LR_MMT, set={"simulation.duration_s": 300.0}))
    busy = cirrus.run(cirrus.load(FAILURES))
    assert quiet.migrations.num_rows == 0 < busy.migrations.num_rows
    for name in TABLES:
        assert pa.table(getattr(quiet, name)).schema == pa.table(getattr(busy, name)).schema, name
    assert pa.table(quiet.hosts).schema.field("rack").type == pa.uint32()
    migrations = pa.table(busy.migrations).schema
    for text in ("reason", "model", "stop_reason"):
        assert migrations.field(text).type == pa.string(), text
    assert pa.table(busy.vms).schema.field("status").type == pa.string()


def test_pandas_and_polars_take_the_tables():
    pl = pytest.importorskip("polars")
    result = cirrus.run(cirrus.load(LR_MMT, set=SHORT))
    df = result.vms.to_pandas()
    assert len(df) == result.vms.num_rows == 1052
    frame = pl.DataFrame(result.intervals)
    assert frame.columns == result.intervals.column_names
    assert frame["energy_kwh"].to_list() == pa.table(result.intervals).column("energy_kwh").to_pylist()


def test_seed_reloads_as_cirrus_run_seed(cirrus_bin, tmp_path):
    scenario = cirrus.load(FAILURES)
    other = cirrus.run(scenario, seed=11)
    assert other.summary == cli_run(cirrus_bin, FAILURES, tmp_path / "cli", "--seed", "11")
    assert other.summary != cirrus.run(scenario).summary
    assert other.manifest["overrides"] == ["simulation.seed=11"]
    assert other.manifest["seed"] == 11


def test_same_scenario_and_seed_give_identical_results():
    scenario = cirrus.load(FAILURES)
    a, b = cirrus.run(scenario), cirrus.run(scenario, threads=2)
    assert a.summary == b.summary
    for name in TABLES:
        # pandas' equals: NaN (a VM never placed has no availability) equals NaN.
        assert getattr(a, name).to_pandas().equals(getattr(b, name).to_pandas()), name


def test_overrides_as_dict_or_strings():
    as_dict = cirrus.load(LR_MMT, set={"simulation.duration_s": 600.0, "simulation.name": "x y"})
    as_strings = cirrus.load(LR_MMT, set=["simulation.duration_s=600.0", 'simulation.name="x y"'])
    assert as_dict.name == as_strings.name == "x y"
    assert as_dict.overrides == ["simulation.duration_s=600.0", 'simulation.name="x y"']
    assert cirrus.run(as_dict).summary == cirrus.run(as_strings).summary


def test_bad_input_is_a_located_error(tmp_path):
    with pytest.raises(cirrus.ScenarioError, match=r"consolidation\.detector\.threshold: .*did you mean 0\.8"):
        cirrus.load("scenarios/planetlab-20110303-thr-mmt.toml", set={"consolidation.detector.threshold": 80})
    bad = tmp_path / "bad.toml"
    bad.write_text('[simulation]\nname = "b"\nduration_s = "long"\n')
    with pytest.raises(cirrus.ScenarioError, match=r"bad\.toml:3:\d+: simulation\.duration_s"):
        cirrus.load(bad)
    with pytest.raises(cirrus.ScenarioError, match="No such file"):
        cirrus.load(tmp_path / "missing.toml")
    with pytest.raises(cirrus.ScenarioError, match="set: "):
        cirrus.load(LR_MMT, set="simulation.seed=1")
    with pytest.raises(cirrus.ScenarioError, match="set: simulation.seed: dict values cannot"):
        cirrus.load(LR_MMT, set={"simulation.seed": {}})


def test_write_refuses_another_run_unless_forced(tmp_path):
    result = cirrus.run(cirrus.load(LR_MMT, set={"simulation.duration_s": 600.0}))
    result.write(tmp_path / "r")
    with pytest.raises(cirrus.OutputError, match="already holds the results of a run; pass force=True"):
        result.write(tmp_path / "r")
    (tmp_path / "r" / "plots").mkdir()
    result.write(tmp_path / "r", force=True)
    assert not (tmp_path / "r" / "plots").exists(), "the whole folder is replaced"
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(cirrus.OutputError, match="holds `notes.txt`"):
        result.write(tmp_path / "other", force=True)


def test_run_releases_the_gil():
    """While a run simulates, Python threads keep running (the run holds no GIL)."""
    scenario = cirrus.load(LR_MMT)
    done = {}
    worker = threading.Thread(target=lambda: done.setdefault("r", cirrus.run(scenario)))
    gaps, last = [], time.perf_counter()
    worker.start()
    while worker.is_alive():
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
        time.sleep(0.001)
    worker.join()
    wall = done["r"].wall_s
    assert wall > 0.2, "the run must be long enough to tell"
    assert len(gaps) > 20 and max(gaps) < wall / 2, (max(gaps), wall)


def test_repr_names_what_it_holds():
    scenario = cirrus.load(LR_MMT, set={"simulation.duration_s": 600.0})
    assert "800 hosts, 1052 VMs" in repr(scenario)
    result = cirrus.run(scenario)
    assert repr(result).startswith("<cirrus.Result scenarios/planetlab-20110303-lr-mmt.toml --set simulation.duration_s=600.0")
    assert repr(result.hosts) == f"<cirrus.Table hosts: 800 rows × {len(result.hosts.column_names)} columns>" != ""
    assert isinstance(scenario.path, (str, pathlib.Path))


def test_real_time_runs_add_the_bound_column(tmp_path):
    result = cirrus.run(cirrus.load("scenarios/realtime/deadline-aware.toml", set={"simulation.duration_s": 21600.0}))
    assert result.summary["real_time_vms"] > 0
    result.write(tmp_path)
    table = pa.table(result.migrations)
    with open(tmp_path / "migrations.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert table.column_names == rows[0] and table.column_names[-1] == "max_downtime_s"
    bounds = table.column("max_downtime_s").to_pylist()
    assert [("" if b is None else float(b)) for b in bounds] == [("" if r[-1] == "" else float(r[-1])) for r in rows[1:]]
    assert any(b is not None for b in bounds) and any(b is None for b in bounds)
