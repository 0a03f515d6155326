from __future__ import annotations

from pathlib import Path

import pytest

from rbprofile.errors import EXIT_USAGE, RbprofileError
from rbprofile.runner.request import default_label, parse_profilers, resolve_targets
from rbprofile.scenarios import SCENARIOS


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["all"], ("cprofile", "pyspy", "memory", "memray")),
        (["none"], ()),
        (["memory,cprofile"], ("cprofile", "memory")),  # registry order, always
        (["pyspy", "cprofile", "pyspy"], ("cprofile", "pyspy")),
        (["cprofile", "all"], ("cprofile", "pyspy", "memory", "memray")),
        ([" CProfile , "], ("cprofile",)),
    ],
)
def test_parse_profilers(values: list[str], expected: tuple[str, ...]) -> None:
    assert parse_profilers(values) == expected


def test_unknown_profiler_is_a_usage_error() -> None:
    with pytest.raises(RbprofileError, match="unknown profiler 'perf'") as info:
        parse_profilers(["cprofile,perf"])
    assert info.value.exit_code == EXIT_USAGE


def test_all_means_the_three_profiled_scenarios_on_their_own_bundles() -> None:
    targets = resolve_targets("all", None)
    assert [(t.name, t.bundle) for t in targets] == [
        ("daily", "daily"), ("hourly", "hourly"), ("minute", "minute"),
    ]  # fmt: skip
    assert targets[0].strategy == SCENARIOS["daily"].strategy_file


def test_bundle_option_overrides_a_scenario_bundle() -> None:
    [target] = resolve_targets("smoke", "daily")
    assert (target.name, target.bundle) == ("smoke", "daily")


def test_strategy_file_runs_under_its_stem_and_needs_a_bundle(tmp_path: Path) -> None:
    algo = tmp_path / "my_algo.py"
    algo.write_text("def initialize(context):\n    pass\n")
    with pytest.raises(RbprofileError, match="--bundle daily"):
        resolve_targets(str(algo), None)
    [target] = resolve_targets(str(algo), "daily")
    assert (target.name, target.strategy, target.bundle) == ("my_algo", algo.resolve(), "daily")
    with pytest.raises(RbprofileError, match="does not exist"):
        resolve_targets(str(tmp_path / "missing.py"), "daily")


def test_unknown_scenario_lists_the_known_ones() -> None:
    with pytest.raises(RbprofileError, match="unknown scenario 'weekly'; choose one of: daily"):
        resolve_targets("weekly", None)


def test_a_float_run_gets_its_own_default_label() -> None:
    assert default_label("decimal") == "baseline"
    assert default_label("float") == "baseline-float"
