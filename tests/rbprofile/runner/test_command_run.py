"""`rbprofile run -- COMMAND` end to end on a small pure-Python program, with real profilers.

`prog.py` imports `slowimp` (which sleeps SLEEP_S at import time), then its `main` calls
`hot()` and `cold()` ten times each: hot's own loop does four times cold's work. Known
answers: `hot` ranks above `cold` by self time; the import-time sleep is inside the measured
region of the whole command and outside it with `--root`; a module function as root makes its
package the project and the top of cProfile's measured call.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

pytestmark = pytest.mark.slow

SLEEP_S = 0.4
PROG = """\
import argparse

import slowimp  # sleeps at import time
from enginepkg import core


def hot(n):
    total = 0
    for i in range(n * 2000):
        total += i * i
    return total


def cold(n):
    total = 0
    for i in range(n * 500):
        total += i * i
    return total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100)
    args = parser.parse_args()
    for _ in range(10):
        hot(args.n)
        cold(args.n)
    core.run(args.n)
    print("done", args.n)


if __name__ == "__main__":
    main()
"""
CORE = """\
def step(n):
    return sum(i % 7 for i in range(n * 100))


def run(n):
    return [step(n) for _ in range(5)]
"""
CLI = """\
import sys

from enginepkg import core

core.run(int(sys.argv[1]))
"""


@pytest.fixture
def workdir(tmp_path: Path, profiles: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """prog.py, slowimp.py and the package enginepkg (core, cli) in the current directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RBPROFILE_PYSPY", raising=False)
    (tmp_path / "prog.py").write_text(PROG)
    (tmp_path / "slowimp.py").write_text(f"import time\n\ntime.sleep({SLEEP_S})\n")
    pkg = tmp_path / "enginepkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "core.py").write_text(CORE)
    (pkg / "cli.py").write_text(CLI)
    return tmp_path


def _run(cli, *options: str, command: tuple[str, ...] = ("python", "prog.py", "--n", "200")):
    result = cli(["run", "--label", "x", *options, "--", *command])
    assert result.exit_code == 0, result.output
    return result


def _self_ranks(cli, run: str) -> dict[str, int]:
    analyzed = cli(["analyze", run, "--format", "json", "--top", "50"])
    assert analyzed.exit_code == 0, analyzed.output
    rows = json.loads(analyzed.stdout)["tables"]["top_self"]["rows"]
    return {r["function"]: r["rank"] for r in rows}


def _read(path: Path) -> Any:
    return json.loads(path.read_text())


def test_whole_command_is_measured_imports_included(workdir: Path, profiles: Path, cli) -> None:
    _run(cli, "--profiler", "cprofile", "--repeat", "3", "--cprofile-repeat", "1")
    run = profiles / "x" / "prog"
    manifest = _read(run / "manifest.json")
    assert manifest["project"] == "prog" and manifest["numeric"] is None
    assert manifest["scenario_params"]["command"] == ["python", "prog.py", "--n", "200"]
    assert manifest["scenario_params"]["root"] is None
    assert manifest["profilers"]["cprofile"]["status"] == "ok"
    timing = _read(run / "timing.json")
    assert timing["repeats"] == 3 and len(timing["runs"]) == 3
    assert all(r["run_wall_s"] >= SLEEP_S for r in timing["runs"])  # the sleep is inside
    assert all(r["total_wall_s"] > r["run_wall_s"] for r in timing["runs"])
    ranks = _self_ranks(cli, "x")
    assert ranks["prog:hot"] < ranks["prog:cold"]
    functions = pl.read_parquet(run / "functions.parquet")
    cum = dict(zip(functions["key"], functions["cum_s"], strict=True))
    assert cum["slowimp:<module>"] >= SLEEP_S * 0.9
    assert cum["prog:<module>"] >= cum["prog:main"] + SLEEP_S * 0.9


def test_root_leaves_imports_out(workdir: Path, profiles: Path, cli) -> None:
    options = ("--profiler", "cprofile,memory", "--repeat", "2", "--cprofile-repeat", "1")
    _run(cli, *options, "--root", "prog:main")
    run = profiles / "x" / "prog"
    manifest = _read(run / "manifest.json")
    assert manifest["project"] == "prog"
    assert manifest["scenario_params"]["root"] == "prog:main"
    timing = _read(run / "timing.json")
    assert timing["repeats"] == 2
    for repeat in timing["runs"]:
        assert repeat["import_s"] >= SLEEP_S  # before the measured call
        assert repeat["run_wall_s"] < repeat["total_wall_s"] - SLEEP_S
    functions = pl.read_parquet(run / "functions.parquet")
    keys = set(functions["key"])
    assert "slowimp:<module>" not in keys and "time:sleep" not in keys
    assert "prog:<module>" not in keys
    top = functions.sort("cum_s", descending=True)["key"][0]
    assert top == "prog:main"  # the measured call itself, as run_algorithm for rustybt
    ranks = _self_ranks(cli, "x")
    assert ranks["prog:hot"] < ranks["prog:cold"]
    memory = _read(run / "memory.json")
    assert manifest["profilers"]["memory"]["status"] == "ok" and memory["peak_mib"] > 0
    assert 0 < memory["marks"]["before_run"] < memory["marks"]["after_run"]
    report = cli(["report", "x"])
    assert report.exit_code == 0, report.output
    assert "python prog.py --n 200 (root prog:main)" in report.stdout


def test_a_module_function_as_root_names_the_project(workdir: Path, profiles: Path, cli) -> None:
    options = ("--profiler", "cprofile", "--repeat", "1", "--cprofile-repeat", "1")
    command = ("python", "-m", "enginepkg.cli", "300")
    _run(cli, *options, "--root", "enginepkg.core:run", command=command)
    run = profiles / "x" / "cli"  # the module's last component
    manifest = _read(run / "manifest.json")
    assert manifest["project"] == "enginepkg"
    functions = pl.read_parquet(run / "functions.parquet").sort("cum_s", descending=True)
    assert functions["key"][0] == "enginepkg.core:run"
    step = functions.filter(pl.col("key") == "enginepkg.core:step")
    assert step["ncalls"].to_list() == [5]


def test_a_root_never_called_fails_naming_it(workdir: Path, profiles: Path, cli) -> None:
    result = cli(
        [
            "run",
            "--label",
            "x",
            "--profiler",
            "none",
            "--repeat",
            "1",
            "--root",
            "prog:nothing",
            "--",
            "python",
            "prog.py",
        ]
    )
    assert result.exit_code == 1
    assert "--root prog:nothing was never called" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (profiles / "x" / "prog").exists()


def test_pyspy_samples_one_run_per_child_under_the_root(workdir: Path, profiles: Path, cli) -> None:
    options = ("--profiler", "pyspy", "--repeat", "1", "--samples", "300", "--sample-budget", "10")
    _run(cli, *options, "--root", "prog:main")
    run = profiles / "x" / "prog"
    record = _read(run / "manifest.json")["profilers"]["pyspy"]
    assert record["status"] == "ok", record
    children = record["children"]
    assert len(children) >= 2 and all(c["repeats"] == 1 for c in children)
    assert record["measured_samples"] == sum(c["measured"] for c in children) > 0
    assert record["measured_samples"] >= 300 or record["budget_exhausted"]
    collapsed = (run / "pyspy.collapsed.txt").read_text()
    assert "rbprofile_run_" not in collapsed  # the marker frame is dropped when merged
    stacks = [line.rpartition(" ")[0].split(";") for line in collapsed.splitlines()]
    under = [s for s in stacks if any(f.startswith("main (") and "prog.py" in f for f in s)]
    assert any(f.startswith("hot (") for s in under for f in s)
    # the import-time sleep was sampled (py-spy records waits), but not under the root
    assert not any("slowimp.py" in f for s in under for f in s)
    assert any("slowimp.py" in f for s in stacks for f in s)
