"""`rbprofile run` through the CLI: exit codes, stdout vs stderr, refusals, interrupts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rbprofile.rundir.writer import RunDir
from rustybt.data.bundles import Bundle

FAILING_ALGO = """\
from rustybt.api import symbols


def initialize(context):
    context.assets = symbols("SYM000")


def handle_data(context, data):
    raise ValueError("strategy bug on purpose")
"""


@pytest.fixture
def home(smoke_bundle: Bundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Bundles from the session's smoke bundle; profiles under tmp (never docs/)."""
    monkeypatch.setenv("RBPROFILE_HOME", str(smoke_bundle.path.parent.parent))
    monkeypatch.setenv("RBPROFILE_PROFILES_DIR", str(tmp_path / "profiles"))
    monkeypatch.delenv("RBPROFILE_PYSPY", raising=False)
    return tmp_path / "profiles"


def _old_run(profiles: Path) -> Path:
    old = profiles / "baseline" / "smoke"
    old.mkdir(parents=True)
    (old / "manifest.json").write_text('{"old": true}')
    return old


def test_overwrite_without_force_is_refused_and_the_old_run_survives(home: Path, cli) -> None:
    old = _old_run(home)
    result = cli(["run", "smoke", "--profiler", "none"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert (old / "manifest.json").read_text() == '{"old": true}'


def test_a_concurrent_run_of_the_same_label_and_scenario_stops(home: Path, cli) -> None:
    with RunDir(home / "baseline" / "smoke", force=False):
        result = cli(["run", "smoke", "--profiler", "none", "--repeat", "1"])
    assert result.exit_code == 1
    assert "another rbprofile run (pid " in result.stderr
    assert not (home / "baseline" / "smoke").exists()


def test_unknown_profiler_is_a_usage_error(home: Path, cli) -> None:
    result = cli(["run", "smoke", "--profiler", "cprofile,perf"])
    assert result.exit_code == 2
    assert "unknown profiler 'perf'" in result.stderr


def test_strategy_file_without_bundle_says_what_to_pass(home: Path, tmp_path: Path, cli) -> None:
    algo = tmp_path / "my_algo.py"
    algo.write_text(FAILING_ALGO)
    result = cli(["run", str(algo)])
    assert result.exit_code == 1
    assert "--bundle daily" in result.stderr


@pytest.mark.slow
def test_timing_only_run_of_a_user_strategy_file(home: Path, cli) -> None:
    algo = Path(__file__).parents[2] / "rustybt" / "examples" / "sma_crossover.py"
    args = ["run", str(algo), "--bundle", "smoke", "--profiler", "none", "--repeat", "1"]
    result = cli([*args, "--label", "mine", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    [row] = doc["tables"]["runs"]["rows"]
    assert row["scenario"] == "sma_crossover"
    assert (row["cprofile"], row["pyspy"], row["memory"]) == ("skipped",) * 3
    run_dir = home / "mine" / "sma_crossover"
    assert row["path"] == str(run_dir)
    assert sorted(p.name for p in run_dir.iterdir()) == [
        "manifest.json", "run.log.jsonl", "timing.json",
    ]  # fmt: skip
    assert "sma_crossover · timing: ok" in result.stderr


@pytest.mark.slow
def test_a_failing_strategy_fails_the_run_and_leaves_nothing(
    home: Path, tmp_path: Path, cli
) -> None:
    algo = tmp_path / "broken.py"
    algo.write_text(FAILING_ALGO)
    args = ["run", str(algo), "--bundle", "smoke", "--profiler", "none", "--repeat", "1"]
    result = cli(args)
    assert result.exit_code == 1
    assert "backtest failed" in result.stderr and "strategy bug on purpose" in result.stderr
    # the user's own frame, though the child's log goes with the removed partial run
    assert "Traceback (strategy code):" in result.stderr
    assert f'File "{algo}", line 9, in handle_data' in result.stderr
    assert not (home / "baseline").exists()  # no partial run, no empty label left behind


@pytest.mark.slow
def test_pyspy_unavailable_still_writes_cprofile_and_says_why(
    home: Path, monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    monkeypatch.setenv("RBPROFILE_PYSPY", "/nonexistent/py-spy")
    args = ["run", "smoke", "--profiler", "cprofile", "--profiler", "pyspy", "--repeat", "1"]
    result = cli(args)
    assert result.exit_code == 1
    assert "pyspy failed: py-spy not found at $RBPROFILE_PYSPY=/nonexistent/py-spy" in result.stdout
    run_dir = home / "baseline" / "smoke"
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["profilers"]["pyspy"]["status"] == "failed"
    assert "pip install py-spy" in manifest["profilers"]["pyspy"]["reason"]
    assert manifest["profilers"]["cprofile"]["status"] == "ok"
    assert manifest["profilers"]["memory"]["status"] == "skipped"
    assert {"cprofile.pstats", "cprofile_summary.txt", "functions.parquet"} <= {
        p.name for p in run_dir.iterdir()
    }
    assert not list(run_dir.glob("pyspy.*"))


def _wait_for(predicate: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _children(label: Path) -> list[int]:
    """Pids of the running children writing under `label` (any repeat)."""
    pattern = f"--out {label}/.smoke.tmp-"
    found = subprocess.run(["pgrep", "-f", "--", pattern], capture_output=True, text=True)
    return [pid for pid in map(int, found.stdout.split()) if _running(pid)]


def _start_run(home: Path) -> subprocess.Popen[str]:
    """Start `rbprofile run smoke --force` for real and wait until its 2nd child runs."""
    cmd = [sys.executable, "-m", "rbprofile", "run", "smoke", "--force", "--repeat", "50"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    label = home / "baseline"
    _wait_for(lambda: any(label.glob(".smoke.tmp-*/.work/plain-2")))
    _wait_for(lambda: _children(label))
    return proc


def _running(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.slow
def test_ctrl_c_removes_the_partial_run_and_keeps_the_old_one(home: Path) -> None:
    old = _old_run(home)
    proc = _start_run(home)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert stdout == ""
    assert "interrupted" in stderr
    assert sorted(p.name for p in (home / "baseline").iterdir()) == ["smoke"]  # no tmp, no lock
    assert (old / "manifest.json").read_text() == '{"old": true}'
    assert _children(home / "baseline") == []


@pytest.mark.slow
def test_a_killed_child_abandons_the_run_and_keeps_the_old_one(home: Path) -> None:
    old = _old_run(home)
    proc = _start_run(home)
    while True:  # a repeat may end between finding its pid and killing it
        try:
            os.kill(_children(home / "baseline")[0], signal.SIGKILL)
            break
        except (ProcessLookupError, IndexError):
            continue
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert stdout == ""
    assert "the child process was killed by SIGKILL" in stderr
    assert sorted(p.name for p in (home / "baseline").iterdir()) == ["smoke"]
    assert (old / "manifest.json").read_text() == '{"old": true}'


@pytest.mark.slow
def test_a_missing_default_bundle_is_ingested_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    monkeypatch.setenv("RBPROFILE_HOME", str(tmp_path / "empty-home"))
    monkeypatch.setenv("RBPROFILE_PROFILES_DIR", str(tmp_path / "profiles"))
    result = cli(["run", "smoke", "--profiler", "none", "--repeat", "1"])
    assert result.exit_code == 0, result.stderr
    assert "bundle 'smoke' is missing; ingesting it first" in result.stderr
    assert (tmp_path / "empty-home" / "bundles" / "smoke" / "metadata.json").is_file()
    assert (tmp_path / "profiles" / "baseline" / "smoke" / "timing.json").is_file()


@pytest.mark.slow
def test_two_real_processes_on_the_same_run_the_second_stops(home: Path) -> None:
    first = _start_run(home)
    try:
        second = subprocess.run(
            [sys.executable, "-m", "rbprofile", "run", "smoke", "--profiler", "none"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=60)
    assert second.returncode == 1
    assert f"another rbprofile run (pid {first.pid}) is writing" in second.stderr
    assert second.stdout == ""


@pytest.mark.slow
def test_sample_budget_running_out_is_said_by_analyze(home: Path, cli) -> None:
    ran = cli(["run", "smoke", "--profiler", "pyspy", "--repeat", "1", "--samples", "1000000",
               "--sample-budget", "1"])  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    manifest = json.loads((home / "baseline" / "smoke" / "manifest.json").read_text())
    pyspy = manifest["profilers"]["pyspy"]
    assert (pyspy["samples_target"], pyspy["budget_exhausted"]) == (1_000_000, True)
    shown = cli(["analyze", "baseline", "--scenario", "smoke", "--format", "json"])
    assert shown.exit_code == 0, shown.stderr
    notes = json.loads(shown.stdout)["tables"]["pyspy_functions"]["notes"]
    said = f"sampling budget ran out (1.0 s): {pyspy['measured_samples']} of the 1000000"
    assert any(said in note for note in notes)
