"""The `rbprofile` Typer app: wiring only. Each command lives in its own module here.

Commands register themselves through `COMMANDS`; a command is listed only when it works.
`main(argv) -> int` is the one error path: domain errors become a one-line message on stderr
and their exit code; anything else keeps its traceback.
"""

from __future__ import annotations

import errno
import importlib
import os
import sys
from typing import TYPE_CHECKING, Annotated, cast

import typer

from rbprofile import __version__
from rbprofile.errors import (
    EXIT_DOMAIN,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_SIGNAL_BASE,
    RbprofileError,
)
from rbprofile.interrupt import Interrupted, stop_signals

if TYPE_CHECKING:  # the type only: typer vendors click and keeps `typer._click` private
    from typer._click.exceptions import ClickException

INTERRUPTED = "interrupted: partial results were removed; earlier results are intact"
# OSErrors that are the machine's state, not a bug: one line, exit 1 (others keep a traceback)
ENVIRONMENT_ERRNOS = {
    errno.ENOSPC: "free some space and run it again",
    errno.EDQUOT: "free some space and run it again",
    errno.EROFS: "choose a writable location",
    errno.EACCES: "choose a location you may write to, or fix its permissions",
    errno.EPERM: "choose a location you may write to, or fix its permissions",
    errno.ENOTDIR: "a path that should be a directory is a file; choose another location",
    errno.EISDIR: "a path that should be a file is a directory; choose another location",
}

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
    compute its help when the app is built (run lists the registered profilers), and
    `command_class`, its Typer command class."""
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
        cls = getattr(mod, "command_class", None)  # run: its own `--` handling
        built.command(name=name, help=help_text() if help_text else None, cls=cls)(
            getattr(mod, func)
        )
    return built


app = build_app()


def main(argv: list[str] | None = None, *, cli: typer.Typer | None = None) -> int:
    """Run the app on `argv` (default: `sys.argv[1:]`) and return the exit code.

    The one place errors become exit codes: `RbprofileError` -> `error: <message>` on stderr
    and its code; `RustyBTError` -> the same, 1; click's usage errors -> Typer's usage message,
    2; a command's `typer.Exit(code)` -> code; Ctrl-C, SIGTERM, SIGHUP -> one line, 128 + the
    signal (130, 143, 129); an OSError from the machine's state (disk full, read-only, no
    permission: `ENVIRONMENT_ERRNOS`) -> one line, 1. Anything else keeps its traceback. The
    console script runs `sys.exit(main())`.
    """
    with stop_signals() as received:
        code = _run(argv, cli)
    if received:
        stop = Interrupted(received[0])
        by = "" if stop.exit_code == EXIT_INTERRUPTED else f" by {stop.signal_name}"
        return _fail(INTERRUPTED.replace("interrupted", f"interrupted{by}", 1), stop.exit_code)
    if code == EXIT_INTERRUPTED:
        return _fail(INTERRUPTED, EXIT_INTERRUPTED)
    return code


def _run(argv: list[str] | None, cli: typer.Typer | None) -> int:
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
    except OSError as exc:
        if exc.errno not in ENVIRONMENT_ERRNOS:
            raise
        return _fail(f"error: {os_error_line(exc)}", EXIT_DOMAIN)
    except (KeyboardInterrupt, typer.Abort):  # `main` says so
        return EXIT_INTERRUPTED
    # Typer returns the code of a `typer.Exit`, the command's return value (None) otherwise,
    # and turns Ctrl-C inside a command into a silent 130 (`main` says so).
    return code if isinstance(code, int) else EXIT_OK


def os_error_line(exc: OSError) -> str:
    """`PATH: No space left on device; free some space ...` for an environment OSError
    (`ENVIRONMENT_ERRNOS`)."""
    where = f"{exc.filename}: " if exc.filename is not None else ""
    reason = exc.strerror or str(exc)
    return f"{where}{reason}; {ENVIRONMENT_ERRNOS.get(exc.errno or 0, 'check it')}"


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


def entry() -> None:
    """The console script (and `python -m rbprofile`): `sys.exit(main())`, except that an
    interrupted run leaves at once: everything was cleaned up before `main` returned, and the
    interpreter's own shutdown (about a second once the engine's libraries are loaded) would
    hold the prompt back."""
    code = main()
    if code > EXIT_SIGNAL_BASE:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
