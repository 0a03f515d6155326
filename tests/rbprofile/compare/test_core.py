"""compare_runs on hand-built run directories: verdicts, one-sided and partial scenarios."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from compare_fixtures import write_run

from rbprofile.compare import compare_runs, to_document
from rbprofile.errors import RbprofileError

STEADY = [1.00, 1.01, 0.99, 1.02, 0.98]
FAST = [0.80, 0.81, 0.79, 0.80, 0.82]
NOISY = [1.01, 0.96, 1.04, 0.99, 1.00]
FN_BEFORE = [("rustybt.algorithm:TradingAlgorithm.order", "/x/algorithm.py", 10, 5, 0.6, 0.9, None)]
CATEGORY = "Python per-call logic"  # what the built-in rules say about TradingAlgorithm.order
FN_AFTER = [("rustybt.algorithm:TradingAlgorithm.order", "/x/algorithm.py", 20, 5, 0.3, 0.5, None)]


def verdicts(comparison) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {t.scenario: t.result.verdict for t in comparison.timings}


def test_verdict_per_scenario_and_geometric_mean(profiles: Path) -> None:
    for scenario, before, after in [
        ("daily", STEADY, FAST),
        ("hourly", FAST, STEADY),
        ("minute", STEADY, NOISY),
        ("smoke", STEADY[:2], FAST),
    ]:
        write_run(profiles, "base", scenario, before)
        write_run(profiles, "new", scenario, after)
    result = compare_runs("base", "new")
    assert verdicts(result) == {
        "daily": "faster",
        "hourly": "slower",
        "minute": "not significant",
        "smoke": "not enough repeats",
    }
    assert {t.measure for t in result.timings} == {"sim CPU"}
    # speedups 1.25, 0.8, 1.0, 1.005 / 0.80
    assert result.geomean_speedup == pytest.approx((1.25 * 0.8 * 1.0 * 1.25625) ** 0.25)
    assert [t.scenario for t in result.regressions(10.0)] == ["hourly"]
    assert result.regressions(30.0) == []


def test_scenario_on_one_side_is_named(profiles: Path) -> None:
    write_run(profiles, "base", "daily", STEADY)
    write_run(profiles, "base", "hourly", STEADY)
    write_run(profiles, "new", "daily", FAST)
    write_run(profiles, "new", "minute", FAST)
    result = compare_runs("base", "new")
    assert [t.scenario for t in result.timings] == ["daily"]
    assert (result.only_before, result.only_after) == (("hourly",), ("minute",))
    notes = to_document(result).notes
    assert "Only in base (not compared): hourly." in notes
    assert "Only in new (not compared): minute." in notes


def test_partial_and_unfinished_runs_are_named(profiles: Path) -> None:
    write_run(profiles, "base", "daily", STEADY)
    write_run(profiles, "new", "daily", FAST)
    write_run(profiles, "base", "hourly", STEADY)
    (profiles / "new" / "hourly").mkdir()
    (profiles / "new" / "hourly" / "cprofile.pstats").write_bytes(b"")
    (profiles / "new" / ".minute.tmp-4242").mkdir()
    result = compare_runs("base", "new")
    assert result.only_before == ()
    assert result.problems[:2] == (
        "new/hourly: no timing repeats recorded (an interrupted or partial run?)",
        "new/minute: unfinished run (only .minute.tmp-4242 exists: running or interrupted)",
    )


def test_wall_time_when_cpu_not_recorded(profiles: Path) -> None:
    write_run(profiles, "base", "daily", [None, None, None])
    write_run(profiles, "new", "daily", FAST[:3])
    (timing,) = compare_runs("base", "new").timings
    assert timing.measure == "sim wall"
    assert timing.before.values == (1.1, 1.1, 1.1)


def test_run_directories_and_scenario_filter(profiles: Path, tmp_path: Path) -> None:
    before = write_run(tmp_path / "elsewhere", "a", "daily", STEADY)
    write_run(profiles, "new", "daily", FAST)
    write_run(profiles, "new", "hourly", FAST)
    result = compare_runs(str(before), "new", scenario="daily")
    assert verdicts(result) == {"daily": "faster"}
    assert result.only_after == ()
    with pytest.raises(RbprofileError, match="scenario 'minute' does not have complete runs"):
        compare_runs(str(before), "new", scenario="minute")


def test_unknown_label_says_what_to_do(profiles: Path) -> None:
    with pytest.raises(RbprofileError, match="record it with `rbprofile run all --label nope`"):
        compare_runs("nope", "other")


def test_function_tables_and_missing_functions(profiles: Path) -> None:
    write_run(profiles, "base", "daily", STEADY, functions=FN_BEFORE)
    write_run(profiles, "new", "daily", FAST, functions=FN_AFTER)
    write_run(profiles, "base", "hourly", STEADY, functions=FN_BEFORE)
    write_run(profiles, "new", "hourly", STEADY)
    result = compare_runs("base", "new")
    assert result.functions.select("scenario", "key", "status", "change_s").rows() == [
        # one cProfile repeat a side (an old run directory): no verdict, the delta is kept
        (
            "daily",
            "rustybt.algorithm:TradingAlgorithm.order",
            "not enough repeats",
            pytest.approx(-0.3),
        ),
    ]
    assert not result.function_tests["daily"].enough
    assert result.modules.select("scenario", "module", "before_s", "after_s").rows() == [
        ("daily", "rustybt.algorithm", 0.6, 0.3),
    ]
    assert result.problems == (
        "hourly: no functions.parquet on the AFTER side; function, module and category deltas "
        "need `rbprofile run --profiler cprofile`",
    )
    assert result.notes == ("daily: categories assigned from the built-in rules at compare time.",)
    assert result.categories.select("scenario", "category", "change_s").rows() == [
        ("daily", CATEGORY, pytest.approx(-0.3)),
    ]
    doc = to_document(result)
    assert [t.name for t in doc.tables] == [
        "timing", "functions", "modules", "categories", "targets", "calibration",
    ]  # fmt: skip
    assert doc.table("functions").notes[-1] == (
        "daily: not enough repeats for function verdicts (1/1 cProfile repeats; 3 a side "
        "needed): record with `rbprofile run --profiler cprofile --cprofile-repeat 3`."
    )
    assert doc.table("functions").frame["function"].to_list() == [
        "rustybt.algorithm:TradingAlgorithm.order"
    ]
    assert isinstance(doc.table("timing").frame, pl.DataFrame)


def test_flamegraph_written_when_both_sides_have_stacks(profiles: Path, tmp_path: Path) -> None:
    stacks = "main (/p/run.py:1);work (/p/run.py:5) 10\n"
    write_run(profiles, "base", "daily", STEADY, collapsed=stacks)
    write_run(profiles, "new", "daily", FAST, collapsed=stacks)
    write_run(profiles, "base", "hourly", STEADY)
    write_run(profiles, "new", "hourly", FAST, collapsed=stacks)
    result = compare_runs("base", "new", flamegraph_dir=tmp_path / "fg")
    assert result.flamegraphs == {"daily": tmp_path / "fg" / "diff_daily.svg"}
    assert (
        "hourly: no diff flamegraph (needs py-spy samples on both sides; BEFORE: pyspy was not "
        "run for base/hourly (not in its manifest))" in result.problems
    )
    with pytest.raises(RbprofileError, match=r"diff_daily\.svg exists; pass --force"):
        compare_runs("base", "new", flamegraph_dir=tmp_path / "fg")


def test_corrupt_functions_file_is_named(profiles: Path) -> None:
    write_run(profiles, "base", "daily", STEADY, functions=FN_BEFORE)
    after = write_run(profiles, "new", "daily", FAST)
    (after / "functions.parquet").write_bytes(b"not parquet")
    result = compare_runs("base", "new")
    assert verdicts(result) == {"daily": "faster"}
    (problem,) = result.problems
    assert problem.startswith(
        f"daily: no function deltas: {after / 'functions.parquet'} is not a readable Parquet file ("
    )


def test_unlike_runs_are_noted(profiles: Path) -> None:
    for label, after in (("base", STEADY), ("new", FAST)):
        run = write_run(profiles, label, "daily", after)
        manifest = json.loads((run / "manifest.json").read_text())
        manifest["numeric"] = "decimal" if label == "base" else "float"
        manifest["bundle"] = {"content_hash": "ab" * 32}
        manifest["versions"] = {"python": "3.11.7" if label == "base" else "3.12.1"}
        manifest["timing"] = {"repeats": 3, "collected_before": label == "new"}
        (run / "manifest.json").write_text(json.dumps(manifest))
    result = compare_runs("base", "new")
    assert result.notes == (
        "daily: not like for like (numeric mode decimal vs float; Python 3.11.7 vs 3.12.1; "
        "start-up garbage collected before the measured call no vs yes).",
    )
