"""`rbprofile scale` end to end: real bundles, real children under cProfile, known answers.

- the smoke scenario on a 2 x 2 grid of sized bundles: every run's handle_data call count is
  the bundle's session count, so its call-count exponents are exactly 1 (sessions) and 0
  (assets); the stored result re-renders with its bundles and raw profiles gone
- the `-- COMMAND` form on the planted-growth program (tests/rbprofile/scale/fixtures): the
  self-time exponents of its constant, linear, n log n and quadratic functions
"""

from __future__ import annotations

import json
import math
import shutil
import sys
from pathlib import Path

import polars as pl
import pytest

from rbprofile.rundir import files
from rbprofile.scenarios import SCENARIOS
from rustybt.data.bundles import load_bundle

HANDLE_DATA = "rustybt.algorithm:TradingAlgorithm.handle_data"
GROWTHPROG = Path(__file__).parents[1] / "scale" / "fixtures" / "growthprog.py"
SMOKE = ["scale", "smoke", "--assets", "2,4", "--sessions", "40,60", "--repeat", "2"]
SMOKE += ["--max-repeat", "2"]  # exactly the planned runs, however steady the machine is


def _rows(stdout: str, table: str) -> list[dict]:
    rows: list[dict] = json.loads(stdout)["tables"][table]["rows"]
    return rows


def _exponent(rows: list[dict], key: str, measure: str, variable: str) -> dict:
    (row,) = [
        r
        for r in rows
        if r["function"] == key and r["measure"] == measure and r["variable"] == variable
    ]
    return row


@pytest.mark.slow
def test_scenario_grid_end_to_end(cli, bundle_root: Path, tmp_path: Path) -> None:
    # every function (handle_data is ~1% here: building the calendar dominates tiny bundles)
    argv = [*SMOKE, "--min-share", "0", "--top", "200", "--at", "assets=8,sessions=120"]
    argv += ["--format", "json"]
    result = cli(argv)
    assert result.exit_code == 0, result.output
    directory = tmp_path / "profiles" / "baseline" / "scaling-smoke"
    manifest = json.loads((directory / files.SCALING_MANIFEST).read_text())
    order = [(r["sizes"]["assets"], r["sizes"]["sessions"], r["repeat"]) for r in manifest["runs"]]
    points = [(2, 40), (2, 60), (4, 40), (4, 60)]
    assert order == [(*p, 1) for p in points] + [(*p, 2) for p in reversed(points)]
    for run in manifest["runs"]:
        assert (directory / run["pstats"]).is_file()
    for assets, sessions in points:
        meta = load_bundle(f"scale-smoke-a{assets}-s{sessions}").metadata
        assert (meta.asset_count, meta.sessions) == (assets, sessions)
        assert meta.last_session == SCENARIOS["smoke"].end
        assert meta.seed == SCENARIOS["smoke"].seed
    measured = pl.read_parquet(directory / files.SCALING_MEASUREMENTS)
    calls = measured.filter(pl.col("key") == HANDLE_DATA).select("sessions", "ncalls")
    assert calls.height == 8
    assert (calls["ncalls"] == calls["sessions"].cast(pl.Int64)).all()  # once per session

    rows = _rows(result.stdout, "exponents")
    by_sessions = _exponent(rows, HANDLE_DATA, "ncalls", "sessions")
    by_assets = _exponent(rows, HANDLE_DATA, "ncalls", "assets")
    assert by_sessions["exponent"] == pytest.approx(1.0, abs=1e-9)
    assert by_assets["exponent"] == pytest.approx(0.0, abs=1e-9)
    assert by_sessions["rse_log"] == 0.0 and by_sessions["status"] == "ok"
    projected = [r for r in _rows(result.stdout, "projection") if r["function"] == "(run total)"]
    assert len(projected) == 1

    # re-render from the files alone: the bundles and raw profiles are gone, nothing runs
    shutil.rmtree(bundle_root)
    shutil.rmtree(directory / files.SCALING_PSTATS_DIR)
    shown = cli(["scale", "smoke", "--show", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["tables"] == json.loads(result.stdout)["tables"]
    assert not bundle_root.exists()

    again = cli(SMOKE)
    assert again.exit_code == 1
    assert again.stderr == (
        f"error: a scaling result already exists at {directory}; pass --force to replace it, "
        "use another --label or --name, or show it with `rbprofile scale smoke --show`\n"
    )
    assert json.loads((directory / files.SCALING_MANIFEST).read_text()) == manifest


def _nlogn_exponent(low: int, high: int) -> float:
    return 1.0 + math.log(math.log(high) / math.log(low)) / math.log(high / low)


@pytest.mark.slow
def test_command_form_recovers_planted_growth(cli, profiles: Path) -> None:
    sizes = (2000, 4000, 8000, 16000, 32000)
    command = [sys.executable, str(GROWTHPROG), "{n}"]
    argv = ["scale", "--size", f"n={','.join(map(str, sizes))}", "--min-share", "0", "--top",
            "20", "--max-repeat", "3", "--format", "json", "--", *command]  # fmt: skip
    result = cli(argv)
    assert result.exit_code == 0, result.output
    rows = _rows(result.stdout, "exponents")
    expected = {
        "constant": 0.0,
        "linear": 1.0,
        "nlogn": _nlogn_exponent(sizes[0], sizes[-1]),
        "quadratic": 2.0,
    }
    for name, exponent in expected.items():
        (key,) = {r["function"] for r in rows if r["function"].endswith(f":{name}")}
        row = _exponent(rows, key, "self_s", "n")
        assert row["exponent"] == pytest.approx(exponent, abs=0.2), row
    step = {r["function"] for r in rows if r["function"].endswith(":step")}
    assert _exponent(rows, step.pop(), "ncalls", "n")["exponent"] == pytest.approx(1.0, abs=1e-9)
    directory = profiles / "baseline" / "scaling-growthprog"
    manifest = json.loads((directory / files.SCALING_MANIFEST).read_text())
    assert manifest["command"] == command
    assert manifest["timer"] == "CPU time (time.process_time)"
    assert len(list((directory / files.SCALING_PSTATS_DIR).iterdir())) == len(sizes) * 3


@pytest.mark.slow
def test_a_failing_command_is_one_line_and_leaves_nothing(
    cli, profiles: Path, tmp_path: Path
) -> None:
    prog = tmp_path / "boom.py"
    prog.write_text("import sys\nif int(sys.argv[1]) > 2:\n    raise SystemExit('too big')\n")
    result = cli(["scale", "--size", "n=1,2,4", "--", sys.executable, str(prog), "{n}"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] + "\n" == (  # after the plan and the progress bar
        "error: the command failed at n4 (the child process exited with status 1: too big); "
        f"run it alone to see why: {sys.executable} {prog} 4\n"
    )
    assert not (profiles / "baseline").exists()


UNSTEADY = """import sys
from pathlib import Path

counter = Path(sys.argv[2])
calls = int(counter.read_text()) if counter.exists() else 0
counter.write_text(str(calls + 1))
spins = int(sys.argv[1]) * (8 if calls % 2 else 1)  # every other run does 8x the work
total = 0
for i in range(spins):
    total += i & 3
"""


@pytest.mark.slow
def test_unsteady_points_get_extra_repeats_up_to_the_limit(
    cli, profiles: Path, tmp_path: Path
) -> None:
    prog = tmp_path / "unsteady.py"
    prog.write_text(UNSTEADY)
    counter = tmp_path / "calls.txt"
    argv = ["scale", "--size", "n=20000,40000", "--repeat", "2", "--max-repeat", "4", "--",
            sys.executable, str(prog), "{n}", str(counter)]  # fmt: skip
    result = cli(argv)
    assert result.exit_code == 0, result.output
    manifest = json.loads(
        (profiles / "baseline" / "scaling-unsteady" / files.SCALING_MANIFEST).read_text()
    )
    runs = [(r["sizes"]["n"], r["repeat"]) for r in manifest["runs"]]
    # the planned 2 x 2, then two extra rounds (largest point first): totals alternate 1x / 8x
    assert runs == [(20000, 1), (40000, 1), (40000, 2), (20000, 2),
                    (40000, 3), (20000, 3), (40000, 4), (20000, 4)]  # fmt: skip
    assert int(counter.read_text()) == 8
    assert manifest["max_repeats"] == 4
    assert len(manifest["unstable"]) == 2


@pytest.mark.slow
def test_module_form_runs_from_the_working_directory(
    cli, profiles: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "planted_mod.py").write_text(
        "import sys\n\n\ndef tick(i):\n    return i * i\n\n\n"
        "if __name__ == '__main__':\n"
        "    print(sum(tick(i) for i in range(int(sys.argv[1]))))\n"
    )
    monkeypatch.chdir(tmp_path)  # `python -m` finds modules in the working directory
    argv = ["scale", "--size", "n=1000,2000,4000", "--repeat", "2", "--max-repeat", "2",
            "--min-share", "0", "--top", "50", "--format", "json", "--",
            "python3", "-m", "planted_mod", "{n}"]  # fmt: skip
    result = cli(argv)
    assert result.exit_code == 0, result.output
    rows = _rows(result.stdout, "exponents")
    (key,) = {r["function"] for r in rows if r["function"].endswith(":tick")}
    row = _exponent(rows, key, "ncalls", "n")
    assert row["exponent"] == pytest.approx(1.0, abs=1e-9) and row["rse_log"] == 0.0
    assert (profiles / "baseline" / "scaling-planted_mod" / files.SCALING_MANIFEST).is_file()
