"""`python -m rustybt run`: results file, summary on stderr, one-line errors, user frames."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from faults import fill, reseal, tmpfs
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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "notadate"], "start 'notadate' is not a date; use YYYY-MM-DD"),
        (["--end", "2026-02-30"], "end '2026-02-30' is not a date; use YYYY-MM-DD"),
        (["--capital-base", "inf"], "capital_base: 'inf' is not a finite number"),
        (["--capital-base", "sNaN"], "capital_base: 'sNaN' is not a finite number"),
        (["--capital-base", "nan"], "capital_base: 'nan' is not a finite number"),
        (["--capital-base", "nan", "--numeric", "float"],
         "capital_base: 'nan' is not a finite number"),
        (["--capital-base", "1e999999999"], "capital_base: '1e999999999' is not a finite number"),
        (["--capital-base", "-5"],
         "capital_base must be above 0, got '-5'; pass the cash to start with"),
        (["--start", "2026-10-29", "--end", "2026-10-27"],
         "start 2026-10-29 is after end 2026-10-27; swap them"),
    ],
)  # fmt: skip
def test_bad_dates_and_capital_are_one_line(
    tmp_path: Path, root: Path, args: list[str], message: str
) -> None:
    algo = tmp_path / "algo.py"
    algo.write_text(STRATEGY)
    code, err = cli("run", str(algo), "--bundle", "handmade", "--bundle-root", str(root), *args)
    assert (code, err) == (1, f"error: {message}\n")


def _output_error(tmp_path: Path, root: Path, output: Path, *extra: str) -> tuple[int, str]:
    algo = tmp_path / "algo.py"
    algo.write_text(STRATEGY)
    return cli("run", str(algo), "--bundle", "handmade", "--bundle-root", str(root),
               "--output", str(output), *extra)  # fmt: skip


def test_output_that_is_a_directory_or_under_a_file_is_refused_before_running(
    tmp_path: Path, root: Path
) -> None:
    folder = tmp_path / "results"
    folder.mkdir()
    for extra in ((), ("--force",)):
        code, err = _output_error(tmp_path, root, folder, *extra)
        assert (code, err) == (1, f"error: --output {folder} is a directory; name a file in it, "
                                  f"e.g. {folder / 'results.parquet'}\n")  # fmt: skip
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for output in (blocker / "r.parquet", blocker / "a" / "b" / "r.parquet"):
        code, err = _output_error(tmp_path, root, output)
        assert (code, err) == (1, f"error: cannot write --output {output}: {blocker} is a file, "
                                  "not a directory; choose another path\n")  # fmt: skip
    assert blocker.read_text() == "x"


def test_output_on_a_read_only_mount_is_refused_before_running(tmp_path: Path, root: Path) -> None:
    with tmpfs(tmp_path / "ro", readonly=True) as ro:
        output = ro / "out" / "r.parquet"
        code, err = _output_error(tmp_path, root, output)
    assert (code, err) == (1, f"error: cannot write --output {output}: {ro} is on a read-only "
                              "file system; choose another path\n")  # fmt: skip


def test_output_on_a_full_disk_is_one_line_and_leaves_no_temp_file(
    tmp_path: Path, root: Path
) -> None:
    with tmpfs(tmp_path / "full", size="64k") as full:
        fill(full)
        output = full / "r.parquet"
        code, err = _output_error(tmp_path, root, output)
        left = sorted(p.name for p in full.iterdir())
    assert code == 1
    assert err.splitlines()[-1] == (
        f"error: cannot write --output {output}: No space left on device; free space or choose "
        "another path, then rerun the backtest"
    )
    assert "final_portfolio_value" not in err  # no summary for a run whose results were lost
    assert left == ["filler"]


SYNTAX = "def initialize(context)\n    pass\n"


def test_syntax_error_shows_the_users_file_line_and_caret_only(tmp_path: Path, root: Path) -> None:
    algo = tmp_path / "syntax.py"
    algo.write_text(SYNTAX)
    code, err = cli("run", str(algo), "--bundle", "handmade", "--bundle-root", str(root))
    assert code == 1
    assert err.splitlines() == [
        f"error: {algo}:1: syntax error: expected ':'",
        "Traceback (strategy code):",
        f'  File "{algo}", line 1',
        "    def initialize(context)",
        "                           ^",
        "SyntaxError: expected ':'",
    ]


def test_import_error_in_a_strategy_hides_importlib_frames(tmp_path: Path, root: Path) -> None:
    algo = tmp_path / "imports.py"
    algo.write_text("import rustybt_no_such_module\n")
    code, err = cli("run", str(algo), "--bundle", "handmade", "--bundle-root", str(root))
    assert code == 1
    assert err.splitlines() == [
        f"error: importing {algo} raised ModuleNotFoundError: No module named "
        "'rustybt_no_such_module'; fix the strategy file",
        "Traceback (strategy code):",
        f'  File "{algo}", line 1, in <module>',
        "    import rustybt_no_such_module",
        "ModuleNotFoundError: No module named 'rustybt_no_such_module'",
    ]


def test_bad_inputs_through_python_dash_m_have_no_traceback(tmp_path: Path, root: Path) -> None:
    algo = tmp_path / "algo.py"
    algo.write_text(STRATEGY)
    env = {**os.environ, "RBPROFILE_HOME": str(root.parent)}
    for args in (["--start", "notadate"], ["--capital-base", "sNaN"], ["--output", str(tmp_path)]):
        proc = subprocess.run(
            [sys.executable, "-m", "rustybt", "run", str(algo), "--bundle", "handmade", *args],
            capture_output=True, text=True, env=env, check=False, timeout=60,
        )  # fmt: skip
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: ")


@pytest.mark.parametrize(
    ("file", "edit", "problem"),
    [
        ("bars.parquet", lambda f: f.drop("close"),
         "lacks column(s) close (needs sid, dt, open, high, low, close, volume)"),
        ("assets.parquet", lambda f: f.head(0),
         "has no rows (a bundle needs at least one asset and one bar)"),
    ],
)  # fmt: skip
def test_bad_bundle_content_behind_matching_sha256s_is_one_line(
    tmp_path: Path, root: Path, file: str, edit: object, problem: str
) -> None:
    algo = tmp_path / "algo.py"
    algo.write_text(STRATEGY)
    path = root / "handmade" / file
    edit(pl.read_parquet(path)).write_parquet(path)  # type: ignore[operator]
    reseal(root / "handmade")  # the sha256s match: only the content is wrong
    code, err = cli("run", str(algo), "--bundle", "handmade", "--bundle-root", str(root))
    assert (code, err) == (
        1,
        f"error: bundle 'handmade' is corrupt: {path} {problem}; re-create the bundle (write it "
        "again with force=True)\n",
    )
