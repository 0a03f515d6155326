"""Repeats of the measured call inside one child stand in for cold runs (slow: real backtests)."""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import subprocess
import sys
from pathlib import Path

import pytest

import rustybt.run
from rbprofile.runner.child import reset_caches
from rustybt.data.bundles import Bundle

pytestmark = pytest.mark.slow
ALGO = Path(__file__).parents[3] / "rustybt" / "examples" / "sma_crossover.py"


def _calls(bundle: Bundle, *, reset: bool) -> dict[str, int]:
    """Call counts per function of one profiled backtest, after resetting the caches or not."""
    if reset:
        reset_caches()
    ns = rustybt.run.load_algorithm_file(ALGO)
    profile = cProfile.Profile()
    profile.runcall(
        rustybt.run.run_algorithm,
        bundle=bundle.name,
        bundle_root=bundle.path.parent,
        initialize=ns["initialize"],
        handle_data=ns["handle_data"],
    )
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    return {f"{file}:{line}:{name}": v[1] for (file, line, name), v in stats.items()}


def test_a_reset_repeat_does_the_work_of_a_cold_run_again(smoke_bundle: Bundle) -> None:
    _calls(smoke_bundle, reset=True)  # first use in this process: one-time initialization
    again, third = _calls(smoke_bundle, reset=True), _calls(smoke_bundle, reset=True)
    assert again == third  # every repeat makes exactly the same calls
    # the bundle's stored session schedule is read again in each run, and no calendar is built
    # (a bundle without a stored schedule builds the calendar, cached per process: the reset
    # clears that cache)
    reads = [k for k in third if "rustybt/data/schedule.py" in k and k.endswith(":__init__")]
    assert reads and third[reads[0]] == 1
    assert not any(k.endswith("exchange_calendar.py:291:__init__") for k in third)


def test_child_runs_repeats_and_reports_each(smoke_bundle: Bundle, tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "rbprofile.runner.child", "--out", str(tmp_path)]
    cmd += ["--strategy", str(ALGO), "--bundle", "smoke", "--repeats", "3", "--mark-runs"]
    env = {**os.environ, "RBPROFILE_HOME": str(smoke_bundle.path.parent.parent)}
    subprocess.run(cmd, check=True, env=env)
    result = json.loads((tmp_path / "result.json").read_text())
    assert len(result["runs"]) == 3
    assert all(r["run_wall_s"] > 0 and r["simulate_wall_s"] > 0 for r in result["runs"])
    assert result["sessions"] == 10
    cmd[cmd.index("3")] = "50"
    subprocess.run([*cmd, "--repeat-seconds", "0"], check=True, env=env)
    result = json.loads((tmp_path / "result.json").read_text())
    assert len(result["runs"]) == 1  # no time left for a second run; the first always runs


def test_repeat_seconds_counts_the_resets_between_runs(
    smoke_bundle: Bundle, tmp_path: Path
) -> None:
    # a smoke backtest takes milliseconds and each reset (garbage collection) about as long or
    # longer: counting only the runs' own time, 1 s of runs took many seconds of wall time
    cmd = [sys.executable, "-m", "rbprofile.runner.child", "--out", str(tmp_path)]
    cmd += ["--strategy", str(ALGO), "--bundle", "smoke", "--repeats", "100000"]
    env = {**os.environ, "RBPROFILE_HOME": str(smoke_bundle.path.parent.parent)}
    subprocess.run([*cmd, "--repeat-seconds", "1"], check=True, env=env)
    result = json.loads((tmp_path / "result.json").read_text())
    marks, runs = result["marks"], result["runs"]
    assert len(runs) > 2
    resets = marks["after_run"] - marks["before_run"] - sum(r["run_wall_s"] for r in runs)
    assert resets > 0
    # no run started once 1 s had passed since the first began: the last one, and the reset
    # before it, are all that may lie beyond it
    assert (
        marks["after_run"] - marks["before_run"] - runs[-1]["run_wall_s"]
        < 1.0 + resets / (len(runs) - 1) * 3
    )


# a strategy whose module leaves a reference cycle behind with automatic collection off, so
# only an explicit collection frees it; `initialize` (inside the measured call) writes whether
# it was freed before the call began
GARBAGE_ALGO = """\
import gc
import pathlib
import weakref


class Node:
    pass


gc.disable()
_node = Node()
_node.me = _node
_freed = weakref.ref(_node)
del _node
OUT = pathlib.Path(__file__).with_suffix(".txt")


def initialize(context):
    OUT.write_text("freed" if _freed() is None else "alive")


def handle_data(context, data):
    pass
"""


def test_start_up_garbage_is_collected_before_the_first_run(
    smoke_bundle: Bundle, tmp_path: Path
) -> None:
    algo = tmp_path / "garbage_algo.py"
    algo.write_text(GARBAGE_ALGO)
    cmd = [sys.executable, "-m", "rbprofile.runner.child", "--out", str(tmp_path / "out")]
    cmd += ["--strategy", str(algo), "--bundle", "smoke", "--repeats", "1"]
    env = {**os.environ, "RBPROFILE_HOME": str(smoke_bundle.path.parent.parent)}
    subprocess.run(cmd, check=True, env=env)
    assert algo.with_suffix(".txt").read_text() == "freed"
