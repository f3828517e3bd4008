"""Shared fixtures: the repository root (tests run from anywhere) and the `cirrus` binary."""

import os
import pathlib
import shutil

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    """Scenario files name their traces relative to themselves; results go to tmp folders."""
    monkeypatch.chdir(ROOT)


@pytest.fixture(scope="session")
def cirrus_bin():
    """The `cirrus` binary to compare with: $CIRRUS_BIN, else target/debug/cirrus (.ci/run builds it)."""
    path = os.environ.get("CIRRUS_BIN") or str(ROOT / "target" / "debug" / "cirrus")
    if not (os.path.isfile(path) or shutil.which(path)):
        pytest.fail(f"the cirrus binary is needed to compare with: build it (cargo build -p cirrus-cli) or set CIRRUS_BIN (looked at {path})")
    return path
