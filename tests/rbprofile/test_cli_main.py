"""`rbprofile.cli.app.main(argv) -> int`: the one place errors become exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import rbprofile.ingest
from rbprofile import __version__
from rbprofile.cli.app import INTERRUPTED, app, entry


def test_a_domain_error_is_one_line_on_stderr_and_exit_1(profiles: Path, cli) -> None:
    result = cli(["analyze", "nope"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: 'nope' is not a file, run directory or label under ")
    assert result.stderr.count("\n") == 1 and result.stderr.endswith("\n")


def test_a_rustybt_error_is_one_line_and_exit_1(bundle_root: Path, cli) -> None:
    assert cli(["ingest", "smoke"]).exit_code == 0
    bars = bundle_root / "smoke" / "bars.parquet"
    bars.write_bytes(bars.read_bytes()[:200])
    result = cli(["ingest", "smoke"])
    assert result == (
        1,
        "",
        f"error: bundle 'smoke' is corrupt: {bars} does not match its recorded sha256 "
        "(truncated or modified); rewrite it with `rbprofile ingest --force smoke`\n",
    )


def test_a_bad_option_value_is_a_usage_error_exit_2(cli) -> None:
    result = cli(["analyze", "x", "--by", "colour"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Usage: rbprofile analyze [OPTIONS] [target]\n")
    assert "Try 'rbprofile analyze --help' for help." in result.stderr
    assert "Invalid value for '--by'" in result.stderr and "'colour'" in result.stderr


def test_an_unknown_command_is_a_usage_error_exit_2(cli) -> None:
    result = cli(["analyse"])
    assert result.exit_code == 2
    assert "No such command 'analyse'. Did you mean 'analyze'?" in result.stderr


@pytest.mark.parametrize(
    "argv",
    [["analyze", "x", "--by", "colour"], ["report", "--compare", "a"], ["nope"], []],
)
def test_click_errors_look_as_in_typers_standalone_mode(cli, argv: list[str]) -> None:
    standalone = CliRunner().invoke(app, argv, prog_name="rbprofile")
    assert cli(argv) == (standalone.exit_code, standalone.stdout, standalone.stderr)


def test_help_version_and_no_arguments(cli) -> None:
    helped = cli(["--help"])
    assert helped.exit_code == 0 and "Usage: rbprofile [OPTIONS] COMMAND" in helped.stdout
    for command in ("ingest", "run", "analyze", "categorize", "compare", "report"):
        assert command in helped.stdout
    version = cli(["--version"])
    assert version.exit_code == 0 and version.stdout.startswith(f"rbprofile {__version__} (")
    bare = cli([])  # Typer's no_args_is_help: the help, exit 2 (a usage error)
    assert bare.exit_code == 2 and "Usage: rbprofile [OPTIONS] COMMAND" in bare.stdout


def _raise(exc: BaseException) -> object:
    def ingest_scenarios(*args: object, **kwargs: object) -> object:
        raise exc

    return ingest_scenarios


def test_an_unexpected_exception_is_not_swallowed(
    cli, bundle_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rbprofile.ingest, "ingest_scenarios", _raise(LookupError("a bug")))
    with pytest.raises(LookupError, match="a bug"):
        cli(["ingest", "smoke"])


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), typer.Abort()])
def test_an_interrupt_is_one_line_and_exit_130(
    cli, bundle_root: Path, monkeypatch: pytest.MonkeyPatch, exc: BaseException
) -> None:
    monkeypatch.setattr(rbprofile.ingest, "ingest_scenarios", _raise(exc))
    assert cli(["ingest", "smoke"]) == (130, "", f"{INTERRUPTED}\n")


def test_the_console_script_and_python_m_exit_with_mains_code(profiles: Path) -> None:
    (script,) = entry_points(group="console_scripts", name="rbprofile")
    assert script.load() is entry  # sys.exit(main()); os._exit after an interrupt
    done = subprocess.run(
        [sys.executable, "-m", "rbprofile", "analyze", "nope"],
        capture_output=True, text=True, env=dict(os.environ), timeout=60, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith("error: 'nope' is not a file") and done.stderr.count("\n") == 1
