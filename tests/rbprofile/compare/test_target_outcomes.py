"""Predicted against measured: a planted program whose one-time setup is cached away after.

Both sides are real cProfile profiles of a small package `planted` written by the test:
BEFORE builds a table once per run (setup) and then steps 300 times; AFTER gets the table from a
cache that is already warm, and the steps are unchanged. The setup target must be predicted as
one-time setup, and measured as removed; the untouched step loop as no (or little) gain.
"""

from __future__ import annotations

import cProfile
import importlib
import json
import math
import sys
from pathlib import Path

import polars as pl
import pytest

from rbprofile.compare.core import compare_runs
from rbprofile.compare.document import to_document
from rbprofile.compare.targets import calibration, measured_speedup, verdict
from rbprofile.profilers.cprofile import write_tables

PROGRAM = """
CACHE = {}

def build_table(n):
    return sorted(range(n, 0, -1))  # work in C: setup, not a Python loop

def table(cached):
    if cached and "t" in CACHE:
        return CACHE["t"]
    CACHE["t"] = build_table(600000)
    return CACHE["t"]

def step(t, k):
    total = 0
    for i in range(400):
        total += t[(k * 7 + i) % len(t)]
    return total

def main(cached):
    t = table(cached)
    total = 0
    for k in range(300):
        total += step(t, k)
    return total
"""


def test_verdict_and_measured_speedup_known_answers() -> None:
    assert measured_speedup(0.25, 1.0, 0.0) == pytest.approx(4 / 3)
    assert measured_speedup(0.5, 1.0, 0.5) == pytest.approx(1 / 0.75)
    assert measured_speedup(0.5, 0.0, 0.5) == 1.0
    assert measured_speedup(1.0, 0.5, 0.0) == math.inf  # all of the run removed
    assert verdict(1.20, 1.15) == "held"  # gain 0.15 of 0.20
    assert verdict(1.20, 1.45) == "beaten"  # gain 0.45 > 2 x 0.20
    assert verdict(1.20, 1.05) == "missed"  # gain 0.05 < 0.20 / 2
    assert verdict(1.20, 0.99) == "no gain"
    assert verdict(1.0, 1.01) == "beaten"  # nothing predicted, something gained


def test_calibration_geometric_mean_skips_removed_targets() -> None:
    outcomes = pl.DataFrame(
        {"category": ["loops", "loops", "loops", "other"],
         "measured_kernel": [2.0, 8.0, None, 1.5]},
    )  # fmt: skip
    table = calibration(outcomes, {"loops": 20.0, "other": 3.0}).to_dicts()
    assert table == [
        {"category": "loops", "assumed_kernel": 20.0, "measured_kernel": pytest.approx(4.0),
         "targets": 3, "removed": 1},
        {"category": "other", "assumed_kernel": 3.0, "measured_kernel": pytest.approx(1.5),
         "targets": 1, "removed": 0},
    ]  # fmt: skip


def _record(root: Path, label: str, prog: object, *args: object, name: str = "planted") -> None:
    """A run directory of project `name`: timing repeats, real pstats and tables of
    `prog.main(*args)`."""
    run = root / label / name
    run.mkdir(parents=True)
    profiler = cProfile.Profile()
    profiler.runcall(prog.main, *args)  # type: ignore[attr-defined]
    profiler.dump_stats(run / "cprofile.pstats")
    write_tables(run / "cprofile.pstats", run)
    runs = [{"simulate_cpu_s": s, "total_wall_s": s + 0.5} for s in (1.0, 1.01, 0.99)]
    (run / "timing.json").write_text(json.dumps({"schema_version": 1, "repeats": 3, "runs": runs}))
    manifest = {"schema_version": 2, "label": label, "scenario": name, "project": name}
    (run / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.slow
def test_cached_setup_is_predicted_as_setup_and_measured_as_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "src" / "planted").mkdir(parents=True)
    (tmp_path / "src" / "planted" / "__init__.py").write_text(PROGRAM)
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    prog = importlib.import_module("planted")
    try:
        _record(tmp_path / "profiles", "before", prog, False)
        prog.main(True)  # warm the cache: AFTER never builds the table
        _record(tmp_path / "profiles", "after", prog, True)
    finally:
        sys.modules.pop("planted", None)
    comparison = compare_runs("before", "after", profiles_dir=tmp_path / "profiles")
    rows = {r["target"]: r for r in comparison.targets.to_dicts()}
    setup = rows["planted:build_table"]
    assert (setup["fix"], setup["after_owned_s"], setup["measured_kernel"]) == (
        "one-time setup", 0.0, None,
    )  # fmt: skip
    assert setup["held"] == "held"  # removed whole, as predicted: measured == predicted
    assert setup["moved_to"] is None  # nothing new took its work over
    assert setup["measured_speedup"] == pytest.approx(setup["predicted_speedup"])
    assert setup["predicted_speedup"] > 1.1
    step = rows["planted:step"]
    assert step["fix"] != "one-time setup"
    assert step["measured_kernel"] == pytest.approx(1.0, abs=0.5)  # untouched, within noise
    names = [t.name for t in to_document(comparison).tables]
    assert names[-2:] == ["targets", "calibration"]


RENAMED = """
def {name}(n):
    total = 0
    for i in range(n):
        total += i * i
    return total

def other(n):
    return sorted(range(n, 0, -1))

def main():
    return {name}(200000) + len(other(20000))
"""


@pytest.mark.slow
def test_a_renamed_target_is_followed_to_its_new_name_not_called_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AFTER renames the hot loop `slow_sum` to `sum_of_squares`, same body: the target is not
    'removed' (which would claim its whole predicted gain) but followed to the new function in
    its module, and measured as about no change."""
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    (tmp_path / "src" / "renamed").mkdir(parents=True)
    for label, name in (("before", "slow_sum"), ("after", "sum_of_squares")):
        (tmp_path / "src" / "renamed" / "__init__.py").write_text(RENAMED.format(name=name))
        sys.modules.pop("renamed", None)
        importlib.invalidate_caches()
        prog = importlib.import_module("renamed")
        _record(tmp_path / "profiles", label, prog, name="renamed")
    sys.modules.pop("renamed", None)
    comparison = compare_runs("before", "after", profiles_dir=tmp_path / "profiles")
    rows = {r["target"]: r for r in comparison.targets.to_dicts()}
    loop = rows["renamed:slow_sum"]
    assert loop["moved_to"] == "renamed:sum_of_squares"
    assert loop["after_owned_s"] > 0 and loop["measured_kernel"] == pytest.approx(1.0, rel=0.5)
    assert loop["held"] in ("no gain", "missed")  # not the predicted compiled-kernel gain
    assert rows["renamed:other"]["moved_to"] is None  # it exists on both sides
