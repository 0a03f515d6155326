"""The `rbprofile` Typer app: wiring only. Each command lives in its own module here.

Commands register themselves through `COMMANDS`; a command is listed only when it works.
`main(argv) -> int` is the one error path: domain errors become a one-line message on stderr
and their exit code; anything else keeps its traceback.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Annotated, cast

import typer

from rbprofile import __version__
from rbprofile.errors import EXIT_DOMAIN, EXIT_INTERRUPTED, EXIT_OK, RbprofileError

if TYPE_CHECKING:  # the type only: typer vendors click and keeps `typer._click` private
    from typer._click.exceptions import ClickException

INTERRUPTED = "interrupted: partial results were removed; earlier results are intact"

# (module under rbprofile.cli, function name, command name)
COMMANDS: list[tuple[str, str, str]] = [
    ("ingest", "ingest", "ingest"),
    ("run", "run", "run"),
    ("import_", "import_", "import"),
    ("analyze", "analyze", "analyze"),
    ("categorize", "categorize", "categorize"),
    ("compare", "compare", "compare"),
    ("report", "report", "report"),
    ("scale", "scale", "scale"),
]

HELP = (
    "Profile Python backtests: where the time and memory go, what to rewrite in Rust "
    "first, and whether the rewrite helped.\n\n"
    "Typical loop: `rbprofile ingest all`, `rbprofile run all --profiler all`, "
    "`rbprofile analyze baseline --scenario daily`, optimize, "
    "`rbprofile run all --label post-rust`, `rbprofile compare baseline post-rust`, "
    "`rbprofile report baseline --compare baseline post-rust > profiling-results.md`."
)


def _version(value: bool) -> None:
    if value:
        import rustybt

        typer.echo(f"rbprofile {__version__} (rustybt {rustybt.__version__})")
        raise typer.Exit()


def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show versions and exit."),
    ] = False,
) -> None:
    """Root options."""


def build_app() -> typer.Typer:
    """The app with every command registered. A command module may define `help_text()` to
    compute its help when the app is built (run lists the registered profilers)."""
    built = typer.Typer(
        name="rbprofile",
        help=HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="markdown",
    )
    built.callback()(_root)
    for module, func, name in COMMANDS:
        mod = importlib.import_module(f"rbprofile.cli.{module}")
        help_text = getattr(mod, "help_text", None)
        built.command(name=name, help=help_text() if help_text else None)(getattr(mod, func))
    return built


app = build_app()


def main(argv: list[str] | None = None, *, cli: typer.Typer | None = None) -> int:
    """Run the app on `argv` (default: `sys.argv[1:]`) and return the exit code.

    The one place errors become exit codes: `RbprofileError` -> `error: <message>` on stderr
    and its code; `RustyBTError` -> the same, 1; click's usage errors -> Typer's usage message,
    2; a command's `typer.Exit(code)` -> code; Ctrl-C -> one line, 130. Anything else keeps its
    traceback. The console script runs `sys.exit(main())`.
    """
    from rustybt.errors import RustyBTError

    try:
        code = (cli or app)(args=argv, prog_name="rbprofile", standalone_mode=False)
    except RbprofileError as exc:
        return _fail(f"error: {exc.message}", exc.exit_code)
    except RustyBTError as exc:
        return _fail(f"error: {exc}", EXIT_DOMAIN)
    except typer.TyperException as exc:  # click's own errors: usage (2), unreadable file (1)
        _show_click_error(exc)
        return exc.exit_code
    except (KeyboardInterrupt, typer.Abort):
        code = EXIT_INTERRUPTED
    # Typer returns the code of a `typer.Exit`, the command's return value (None) otherwise,
    # and turns Ctrl-C inside a command into a silent 130.
    if code == EXIT_INTERRUPTED:
        return _fail(INTERRUPTED, EXIT_INTERRUPTED)
    return code if isinstance(code, int) else EXIT_OK


def _fail(line: str, code: int) -> int:
    typer.echo(line, err=True)
    return code


def _show_click_error(exc: typer.TyperException) -> None:
    """Print a click error the way Typer's standalone mode does (usage, hint, error panel)."""
    from typer import core, rich_utils

    error = cast("ClickException", exc)  # typer >= 0.28: its one subclass is click's base
    if core.HAS_RICH and app.rich_markup_mode is not None:
        rich_utils.rich_format_error(error)
    else:
        error.show()
