"""The `rbprofile` Typer app: wiring only. Each command lives in its own module here.

Commands register themselves through `COMMANDS`; a command is listed only when it works.
Errors: `RbprofileError` and `RustyBTError` become a one-line message on stderr and their
exit code; anything else keeps its traceback.
"""

from __future__ import annotations

import importlib
import sys
from typing import Annotated

import typer

from rbprofile import __version__
from rbprofile.errors import EXIT_DOMAIN, RbprofileError

# (module under rbprofile.cli, function name, command name)
COMMANDS: list[tuple[str, str, str]] = [
    ("ingest", "ingest", "ingest"),
    ("run", "run", "run"),
    ("analyze", "analyze", "analyze"),
    ("categorize", "categorize", "categorize"),
    ("compare", "compare", "compare"),
    ("report", "report", "report"),
]

app = typer.Typer(
    name="rbprofile",
    help=(
        "Profile Python backtests: where the time and memory go, what to rewrite in Rust "
        "first, and whether the rewrite helped.\n\n"
        "Typical loop: `rbprofile ingest all`, `rbprofile run all --profiler all`, "
        "`rbprofile analyze baseline --scenario daily`, optimize, "
        "`rbprofile run all --label post-rust`, `rbprofile compare baseline post-rust`, "
        "`rbprofile report baseline --compare baseline post-rust > profiling-results.md`."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)


def _version(value: bool) -> None:
    if value:
        import rustybt

        typer.echo(f"rbprofile {__version__} (rustybt {rustybt.__version__})")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show versions and exit."),
    ] = False,
) -> None:
    """Root options."""


def _register() -> None:
    for module, func, name in COMMANDS:
        mod = importlib.import_module(f"rbprofile.cli.{module}")
        app.command(name=name)(getattr(mod, func))


_register()


def main() -> None:
    """Console-script entry: run the app, map domain errors to one line and an exit code.

    Usage errors are Typer's own (exit 2); unexpected exceptions keep their traceback.
    """
    from rustybt.errors import RustyBTError

    try:
        app()
    except RbprofileError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except RustyBTError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_DOMAIN)
