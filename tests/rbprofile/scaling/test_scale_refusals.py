"""`rbprofile scale` refuses before running anything: one line, the exit code, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from rbprofile.scale.plan import make_plan
from rbprofile.scaling import bundles
from rbprofile.scaling.core import estimate
from rbprofile.scenarios import SCENARIOS


def _refused(cli, argv: list[str], code: int, profiles: Path) -> str:
    result = cli(["scale", *argv])
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert not any(profiles.rglob("*")), "nothing may be written before a refusal"
    assert not (profiles.parent / "home" / "bundles").exists()
    return result.stderr.removeprefix("error: ").rstrip("\n")


def test_a_grid_over_the_time_budget_is_refused_with_its_estimate(cli, profiles: Path) -> None:
    argv = ["daily", "--assets", "1000,2000", "--sessions", "2500,5000", "--repeat", "2"]
    message = _refused(cli, argv, 1, profiles)
    plan = make_plan({"assets": (1000, 2000), "sessions": (2500, 5000)}, repeats=2)
    total, largest = estimate(SCENARIOS["daily"], plan)
    # the estimate is the documented model: 1.5 s + 25 us per asset-bar, per run
    assert largest == pytest.approx(1.5 + 25e-6 * 2000 * 5000)
    assert total == pytest.approx(2 * sum(1.5 + 25e-6 * a * s for a in (1000, 2000)
                                          for s in (2500, 5000)))  # fmt: skip
    assert message == (
        f"the grid would take about {total / 60:.0f} min (4 size points (assets 2 x sessions 2) "
        "x 2 repeats x 1 profiler = 8 runs; the largest point, assets2000-sessions5000, about "
        f"{largest / 60:.0f} min a run, at ~25 us per asset-bar under cProfile), over the "
        "--budget of 10 min: use smaller sizes or raise --budget"
    )


def test_a_point_over_the_bundle_limit_is_refused_first(cli, profiles: Path) -> None:
    argv = ["minute", "--assets", "100,1000", "--sessions", "100,200", "--budget", "100000"]
    message = _refused(cli, argv, 1, profiles)
    assert message == (
        "assets1000-sessions200 would need a bundle of 78,000,000 bars (over rustybt's limit "
        f"of {bundles.MAX_BARS:,}); ask for fewer --assets or --sessions"
    )


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["--size", "n=1,2,4", "--", "./prog", "{n}"],
            "the command must start with a Python interpreter (python, python3, ...), got "
            "'./prog': cProfile profiles Python programs only",
        ),
        (
            ["--size", "n=1,2,4", "--", "python", "-X", "importtime", "prog.py"],
            "after python give a script or -m module (interpreter options are not supported), "
            "got 'python -X importtime prog.py'",
        ),
        (
            ["--size", "n=1,2,4", "--", "python", "prog.py", "--n", "5"],
            "the command never uses {n}; put it where the size goes, e.g. -- python prog.py "
            "--n {n}.",
        ),
        (
            ["daily", "--size", "n=1,2,4"],
            "a scenario scales by --assets and --sessions, not 'n'; --size is for `-- COMMAND` "
            "runs",
        ),
        (
            ["daily", "--assets", "10,20", "--profiler", "cprofile,pyspy"],
            "rbprofile scale measures with cProfile only for now (py-spy scaling is not "
            "built); use --profiler cprofile",
        ),
        (
            ["daily", "--assets", "10"],
            "--assets: a growth fit needs at least two sizes, got "
            "only 10; e.g. --assets 25,50,100.",
        ),
        (
            ["daily", "--assets", "10,20", "--at", "assets=-3"],
            "--at: expected NAME=SIZE pairs "
            "with positive sizes, e.g. --at assets=2000,sessions=5000; got 'assets=-3'.",
        ),
        (
            ["--assets", "10,20"],
            "give one SCENARIO (e.g. daily), or --size NAME=... and the command after --",
        ),
    ],
)
def test_usage_errors_are_one_line_exit_2(cli, profiles: Path, argv, expected) -> None:
    assert _refused(cli, argv, 2, profiles) == expected


def test_a_scenario_scales_by_assets_and_sessions_only(cli, profiles: Path) -> None:
    argv = ["daily", "--size", "bars=10,20", "--assets", "10,20"]
    assert _refused(cli, argv, 2, profiles) == (
        "a scenario scales by --assets and --sessions, not 'bars'; --size is for `-- COMMAND` runs"
    )


def test_show_without_a_stored_result_says_how_to_record_one(cli, profiles: Path) -> None:
    message = _refused(cli, ["daily", "--show"], 1, profiles)
    assert message == (
        f"no scaling result at {profiles / 'baseline' / 'scaling-daily'}; record one with "
        "`rbprofile scale ...` (`rbprofile scale --help`)"
    )


def test_help_and_dry_run_state_the_number_of_runs(cli, profiles: Path) -> None:
    shown = cli(["scale", "--help"])
    assert shown.exit_code == 0
    text = " ".join(shown.stdout.split())
    assert "= 6 size points (assets 3 x sessions 2) x 3 repeats x 1 profiler = 18 runs" in text
    dry = cli(["scale", "smoke", "--assets", "2,4,8", "--sessions", "40,60", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.startswith(
        "6 size points (assets 3 x sessions 2) x 3 repeats x 1 profiler = 18 runs; about "
    )
    command = ["scale", "--size", "n=1,2,4", "--repeat", "2", "--dry-run", "--", "python",
               "p.py", "{n}"]  # fmt: skip
    assert cli(command).stdout == (
        "3 size points (n 3) x 2 repeats x 1 profiler = 6 runs; the time depends on the command\n"
    )
    assert not any(profiles.rglob("*"))


def test_csv_with_a_projection_asks_for_a_table_before_the_grid_runs(cli, profiles: Path) -> None:
    argv = ["smoke", "--assets", "2,4", "--sessions", "40,60", "--at", "assets=8,sessions=80"]
    assert _refused(cli, [*argv, "--format", "csv"], 1, profiles) == (
        "--format csv writes one table and this output has 2: add --table NAME with one of: "
        "exponents, projection"
    )
    assert _refused(cli, [*argv, "--table", "fits"], 1, profiles) == (
        "no table 'fits' here; --table takes one of: exponents, projection"
    )
    assert _refused(cli, [*argv[:5], "--table", "projection"], 1, profiles) == (
        "no table 'projection' here; --table takes one of: exponents"
    )
