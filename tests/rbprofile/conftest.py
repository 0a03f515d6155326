"""Fixtures shared by the rbprofile tests.

- `profiles`: an empty profiles dir; RBPROFILE_PROFILES_DIR and RBPROFILE_HOME point into tmp.
- `cli`: run `rbprofile.cli.app.main(argv)` (the console script's one error path) with stdout
  and stderr captured apart, as `CliResult(exit_code, stdout, stderr)`. Unexpected exceptions
  propagate, as they would to the terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest
import typer
from typer.testing import CliRunner

from rbprofile.cli.app import main


class CliResult(NamedTuple):
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """Both streams, for assertion messages."""
        return self.stdout + self.stderr


Cli = Callable[[list[str]], CliResult]


def run_main(argv: list[str], app: typer.Typer | None = None) -> CliResult:
    """`main(argv)` inside click's isolation: captured streams, no tty, 80 columns."""
    with CliRunner().isolation() as (out, err, _mixed):
        try:
            code = main(argv, cli=app)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        return CliResult(code, out.getvalue().decode(), err.getvalue().decode())


@pytest.fixture(autouse=True)
def _no_inherited_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables are as wide as $COLUMNS says: a value exported by the developer's shell must not
    change what the tests see (tests that want a width set it)."""
    monkeypatch.delenv("COLUMNS", raising=False)


@pytest.fixture
def cli() -> Cli:
    return run_main


@pytest.fixture
def profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty profiles dir; RBPROFILE_PROFILES_DIR and RBPROFILE_HOME point into tmp_path."""
    root = tmp_path / "profiles"
    root.mkdir()
    monkeypatch.setenv("RBPROFILE_PROFILES_DIR", str(root))
    monkeypatch.setenv("RBPROFILE_HOME", str(tmp_path / "home"))
    return root
