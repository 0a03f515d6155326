"""What `rbprofile run` says when a strategy stops the backtest itself, or the py-spy rate is
too low: one clear failure, said once, never a signal story or a silent exit 0."""

from __future__ import annotations

from pathlib import Path

import pytest

from rustybt.data.bundles import Bundle

pytestmark = pytest.mark.slow

STRATEGY = """\
import sys

from rustybt.api import symbols


def initialize(context):
    context.assets = symbols("SYM000")


def handle_data(context, data):
    {body}
"""


@pytest.fixture
def home(smoke_bundle: Bundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RBPROFILE_HOME", str(smoke_bundle.path.parent.parent))
    monkeypatch.setenv("RBPROFILE_PROFILES_DIR", str(tmp_path / "profiles"))
    return tmp_path / "profiles"


def _strategy(tmp_path: Path, body: str) -> str:
    path = tmp_path / "algo.py"
    path.write_text(STRATEGY.format(body=body))
    return str(path)


@pytest.mark.parametrize(
    ("body", "what"),
    [
        ("raise KeyboardInterrupt", "raised KeyboardInterrupt"),
        ("sys.exit(0)", "called sys.exit(0)"),
        ("sys.exit()", "called sys.exit()"),
    ],
)
def test_a_strategy_that_stops_the_backtest_is_a_failed_run(
    home: Path, tmp_path: Path, cli, body: str, what: str
) -> None:
    algo = _strategy(tmp_path, body)
    result = cli(["run", algo, "--bundle", "smoke", "--profiler", "none", "--repeat", "1"])
    assert (result.exit_code, result.stdout) == (1, "")
    assert "killed by" not in result.stderr and "memory/time" not in result.stderr
    assert (
        f"the strategy {what}, so the backtest did not complete; a strategy must return from "
        "its functions (raise an exception to stop on an error)"
    ) in result.stderr
    assert result.stderr.count("error: ") == 1  # one line, quoting the child
    assert f"    {body}\n" in result.stderr  # the user's line from the strategy traceback
    assert list(home.rglob("*")) == []  # nothing left of the run


def test_a_strategy_error_is_printed_once(home: Path, tmp_path: Path, cli) -> None:
    algo = _strategy(tmp_path, 'raise ValueError("strategy bug on purpose")')
    result = cli(["run", algo, "--bundle", "smoke", "--profiler", "none", "--repeat", "1"])
    assert result.exit_code == 1
    assert "algo · timing: failed" in result.stderr
    assert "timing: failed (" not in result.stderr  # the progress line carries no copy
    assert result.stderr.count("\nValueError: strategy bug on purpose\n") == 1, result.stderr
    assert result.stderr.count("error: ") == 1, result.stderr


def test_a_py_spy_rate_too_low_for_the_run_is_warned_before_py_spy_runs(home: Path, cli) -> None:
    args = ["run", "smoke", "--profiler", "pyspy", "--rate", "1", "--repeat", "1"]
    result = cli([*args, "--sample-budget", "6", "--sampling-jobs", "2"])
    warning = next(line for line in result.stderr.splitlines() if "warning: py-spy" in line)
    assert warning.startswith(  # 1 Hz x 6 s x 2 children at a time
        "smoke: warning: py-spy at --rate 1 within a --sample-budget of 6 s, 2 sampling children "
        "at a time, records at most about 12 samples (under "
    )
    assert "too few to rank functions; raise --rate or the budget" in result.stderr
    assert result.stderr.index("warning: py-spy") < result.stderr.index("smoke · pyspy")
