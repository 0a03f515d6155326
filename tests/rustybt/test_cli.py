"""`python -m rustybt run`: results file, summary on stderr, one-line errors, user frames."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from handmade import SESSIONS, write_handmade

from rustybt.cli import main

STRATEGY = """\
from rustybt.api import order, record, symbol


def initialize(context):
    context.asset = symbol("AAA")


def handle_data(context, data):
    order(context.asset, 10)
    record(price=data.current(context.asset, "close"))
"""

BROKEN = """\
from rustybt.api import get_datetime


def initialize(context):
    pass


def handle_data(context, data):
    if get_datetime().day == 28:
        ratio(0)


def ratio(x):
    return 1 / x
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "bundles"
    write_handmade(root)
    return root


def cli(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    code = main(list(args), stderr=err)
    return code, err.getvalue()


def test_run_writes_one_row_per_session(tmp_path: Path, root: Path) -> None:
    algo = tmp_path / "algo.py"
    algo.write_text(STRATEGY)
    out = tmp_path / "out" / "results.parquet"
    code, err = cli(
        "run", str(algo), "--bundle", "handmade", "--bundle-root", str(root),
        "--start", "2026-10-27", "--output", str(out), "--numeric", "float",
    )  # fmt: skip
    assert code == 0, err
    perf = pl.read_parquet(out)
    assert perf["session"].to_list() == SESSIONS[1:]
    for column in ("portfolio_value", "cash", "positions_value", "returns", "orders",
                   "transactions", "price"):  # fmt: skip
        assert column in perf.columns
    assert perf["orders"].to_list() == [1, 1, 1, 1]
    assert perf["transactions"].to_list() == [0, 1, 1, 1]
    assert "numeric                float" in err
    assert "capital_base           100000.00" in err
    assert "sessions               4" in err
    assert f"wrote 4 sessions to {out}" in err
    code, err = cli("run", str(algo), "--bundle", "handmade", "--bundle-root", str(root),
                    "--output", str(out))  # fmt: skip
    assert (code, err) == (1, f"error: {out} exists; pass --force to overwrite it\n")


def test_strategy_exception_prints_one_line_and_the_users_frames(
    tmp_path: Path, root: Path
) -> None:
    algo = tmp_path / "broken.py"
    algo.write_text(BROKEN)
    code, err = cli("run", str(algo), "--bundle", "handmade", "--bundle-root", str(root))
    assert code == 1
    lines = err.splitlines()
    assert lines[0] == (
        "error: handle_data raised ZeroDivisionError: division by zero "
        "(at 2026-10-28 00:00:00+00:00); fix the strategy code shown in the traceback"
    )
    assert lines[1] == "Traceback (strategy code):"
    assert f'File "{algo}", line 10, in handle_data' in lines[2]
    assert f'File "{algo}", line 14, in ratio' in err
    assert lines[-1] == "ZeroDivisionError: division by zero"
    assert "rustybt/algorithm.py" not in err and "rustybt/run.py" not in err


def test_bad_input_is_one_line_exit_1(tmp_path: Path, root: Path) -> None:
    algo = tmp_path / "algo.py"
    algo.write_text(STRATEGY)
    code, err = cli("run", str(algo), "--bundle", "nope", "--bundle-root", str(root))
    assert code == 1 and err.count("\n") == 1 and err.startswith("error: ")
    assert "handmade" in err  # lists the available bundles
    code, err = cli("run", str(algo), "--bundle", "handmade", "--bundle-root", str(root),
                    "--start", "2020-01-02")  # fmt: skip
    assert code == 1 and err.count("\n") == 1 and "2026-10-26" in err
    code, err = cli("run", str(tmp_path / "missing.py"), "--bundle", "handmade")
    assert (code, err.count("\n")) == (1, 1) and "not found" in err
    with pytest.raises(SystemExit) as info:
        main(["run", str(algo)], stderr=io.StringIO())  # --bundle is required
    assert info.value.code == 2


def test_python_dash_m_rustybt(tmp_path: Path, root: Path) -> None:
    algo = tmp_path / "algo.py"
    algo.write_text(STRATEGY)
    env = {**os.environ, "RBPROFILE_HOME": str(root.parent)}
    proc = subprocess.run(
        [sys.executable, "-m", "rustybt", "run", str(algo), "--bundle", "handmade"],
        capture_output=True, text=True, env=env, check=False, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "final_portfolio_value" in proc.stderr
