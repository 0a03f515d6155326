"""Sampling until the evidence is sufficient, with the real py-spy on the smoke scenario (slow)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from rbprofile.analysis.intervals import design_effect, run_leaf_counts
from rbprofile.analysis.pyspy_source import python_leaves
from rbprofile.analysis.rank_stability import split_half
from rbprofile.profilers import pyspy
from rbprofile.profilers.base import ProfilerOutcome
from rbprofile.profilers.pyspy_sampling import default_jobs
from rbprofile.rundir.locate import locate
from rbprofile.rundir.run import Run
from rbprofile.runner.childspec import ChildSpec
from rbprofile.runner.orchestrate import profiler_context, run_profiles
from rbprofile.runner.request import RunRequest
from rbprofile.views.analyze import AnalyzeOptions, analyze
from rustybt.data.bundles import Bundle

pytestmark = pytest.mark.slow
ALGO = Path(__file__).parents[3] / "rustybt" / "examples" / "sma_crossover.py"


def _record(tmp_path: Path, **options: Any) -> tuple[ProfilerOutcome, Path]:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    ctx = profiler_context(ChildSpec(ALGO, "smoke"), run_dir, tmp_path / "work", options=options)
    return pyspy.PySpyProfiler().run(ctx), run_dir


def _counts(collapsed: Path) -> tuple[int, int]:
    """(all samples, samples whose stack passes through `profiled`, the child's call of the
    measured call)."""
    total = measured = 0
    for line in collapsed.read_text().splitlines():
        body, _, count = line.rpartition(" ")
        total += int(count)
        if re.search(r"(^|;)profiled \([^)]*childcall\.py:\d+\)", body):
            measured += int(count)
    return total, measured


@pytest.fixture
def smoke_home(smoke_bundle: Bundle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RBPROFILE_HOME", str(smoke_bundle.path.parent.parent))
    monkeypatch.delenv(pyspy.ENV_BINARY, raising=False)


@pytest.mark.usefixtures("smoke_home")
def test_samples_goal_reached_and_counts_add_up(tmp_path: Path) -> None:
    outcome, run_dir = _record(tmp_path, samples=300, sample_budget_s=120.0, run_s=0.05)
    assert outcome.status == "ok", outcome.reason
    d = outcome.details
    assert (d["samples_target"], d["budget_exhausted"]) == (300, False)
    assert d["measured_samples"] >= 300
    children = d["children"]
    assert d["runs"] == sum(c["repeats"] for c in children) > 1  # one backtest is too short
    assert all(len(c["run_samples"]) == c["repeats"] for c in children)
    assert sum(sum(c["run_samples"]) for c in children) == d["measured_samples"]
    total, measured = _counts(run_dir / "pyspy.collapsed.txt")
    assert sum(c["samples"] for c in children) == total == d["samples"]  # samples.parquet too
    # the merged file holds what was counted: samples under `profiled`, plus the rare one
    # caught in a run's marker frame itself, between two calls (at most one per run seen)
    assert measured <= d["measured_samples"] <= measured + d["runs"]
    assert "rbprofile_run_" not in (run_dir / "pyspy.collapsed.txt").read_text()
    runs = pl.read_parquet(run_dir / "pyspy_runs.parquet")  # per run and stack
    per_run = runs.group_by("run").agg(pl.col("samples").sum()).sort("run")["samples"]
    flat = [n for c in children for n in c["run_samples"] if n]
    assert per_run.to_list() == flat
    lines = (run_dir / "pyspy.collapsed.txt").read_text().splitlines()
    # every run's stack passes through `profiled`, but for a sample caught in the run's marker
    # frame itself (counted with its run, as above): exactly those make up the difference
    outside = [i for i in runs["line"].unique() if "profiled (" not in lines[i]]
    stray = runs.filter(pl.col("line").is_in(outside))["samples"].sum()
    assert stray == d["measured_samples"] - measured
    assert (run_dir / "pyspy.svg").stat().st_size > 0  # the pictures: one short run each
    assert d["jobs"] == default_jobs() and len(children) % d["jobs"] == 0  # waves of children
    # the per-run counts measure how much the shares vary beyond independent draws
    per_leaf = run_leaf_counts(python_leaves("\n".join(lines)), runs)
    assert per_leaf["samples"].sum() == d["measured_samples"]
    run = Run.directory(run_dir)
    assert run.sampling_design == design_effect(per_leaf) >= 1.0
    # the recording's halves (whole runs each) compared, as the report's evidence table does
    split = split_half(run.run_leaves) if run.run_leaves is not None else None
    if d["runs"] >= 4:
        assert split is not None and split[2] == d["measured_samples"] // 2
        assert -1.0 <= split[1] <= split[0] <= 1.0


@pytest.mark.usefixtures("smoke_home")
def test_budget_exhaustion_is_recorded_and_shown(tmp_path: Path) -> None:
    request = RunRequest(
        "smoke",
        ("cprofile", "pyspy"),
        repeat=1,
        profiles_dir=tmp_path,
        samples=1_000_000,
        sample_budget_s=2.0,
    )
    run_profiles(request)
    run = locate("baseline", "smoke", tmp_path)
    record = run.profiler("pyspy")
    assert record is not None and record.status == "ok"
    d = record.details
    assert d["budget_exhausted"] is True
    assert 0 < d["measured_samples"] < 1_000_000
    assert d["sampling_s"] < 2.0 + 15.0  # the run in progress finishes, no more start
    doc = analyze(run, AnalyzeOptions(by="function"))
    note = " ".join(doc.table("pyspy_functions").notes)
    assert f"sampling budget ran out (2.0 s): {d['measured_samples']} of the 1000000" in note
    from rbprofile.report.methodology import sampling_table

    row = sampling_table([run]).frame.row(0, named=True)
    assert (row["reached"], row["goal"], row["runs"]) == ("budget ran out", 1_000_000, d["runs"])
    assert row["samples per half"] == (d["measured_samples"] // 2 if d["runs"] >= 4 else None)


@pytest.mark.usefixtures("smoke_home")
def test_a_backtest_failing_under_py_spy_fails_the_profiler(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    spec = ChildSpec(tmp_path / "missing_algo.py", "smoke")
    ctx = profiler_context(spec, run_dir, tmp_path / "work", options={"samples": 50})
    outcome = pyspy.PySpyProfiler().run(ctx)
    assert outcome.status == "failed"
    assert outcome.reason is not None
    assert outcome.reason.startswith("the backtest failed under py-spy")
    assert "missing_algo.py not found" in outcome.reason
    assert not (run_dir / "pyspy.collapsed.txt").exists()
