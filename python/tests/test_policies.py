"""Policies written in Python, called from Rust: the same runs as the Rust policies they
copy, and their errors raised."""

import time

import numpy as np
import pytest

import cirrus

SMALL = "scenarios/failures/exponential.toml"
THR = "scenarios/planetlab-20110303-thr-mmt.toml"
TWO_HOURS = {"simulation.duration_s": 7200.0}


class FirstFit:
    calls = 0

    def select_host(self, hosts, vm, vms, mask):
        FirstFit.calls += 1
        assert hosts.dtype == np.float32 and hosts.shape[1] == 8 and not hosts.flags.writeable
        assert vms.shape[1] == 5 and mask.dtype == bool and mask.shape == (hosts.shape[0],)
        allowed = np.flatnonzero(mask)
        return int(allowed[0]) if allowed.size else None


class Threshold:
    def __init__(self, threshold):
        self.threshold, self.calls = threshold, 0

    def is_overloaded(self, utilization, history, max_migration_time_s, scheduling_interval_s):
        self.calls += 1
        assert history.dtype == np.float64 and history.ndim == 1  # empty before the first sample
        return utilization > self.threshold


def test_python_first_fit_is_rusts_first_fit():
    ours = cirrus.run(cirrus.load(SMALL), placement=FirstFit())
    rust = cirrus.run(cirrus.load(SMALL, set={"placement.policy": "ff"}))
    assert FirstFit.calls > 40, "initial placement, restarts and evacuations"
    assert ours.summary == rust.summary


def test_python_threshold_detector_is_thr():
    scenario = cirrus.load(THR, set=TWO_HOURS)
    detector = Threshold(0.8)
    started = time.perf_counter()
    ours = cirrus.run(scenario, detector=detector)
    wall = time.perf_counter() - started
    rust = cirrus.run(scenario)
    assert detector.calls > 10_000
    assert ours.summary["migrations"] > 0
    assert ours.summary == rust.summary
    print(f"{detector.calls} Python calls, {wall / detector.calls * 1e6:.1f} us each with the run")


def test_errors_in_python_policies_are_raised():
    class Broken:
        def select_host(self, hosts, vm, vms, mask):
            return 1 / 0

    with pytest.raises(ZeroDivisionError):
        cirrus.run(cirrus.load(SMALL), placement=Broken())

    class Wrong:
        def select_host(self, hosts, vm, vms, mask):
            return int(np.flatnonzero(~mask)[0]) if (~mask).any() else len(mask)

    with pytest.raises(ValueError, match="cannot take it"):
        cirrus.run(cirrus.load(SMALL), placement=Wrong())

    with pytest.raises(cirrus.SimulationError, match="no \\[consolidation\\]"):
        cirrus.run(cirrus.load(SMALL), detector=Threshold(0.8))
