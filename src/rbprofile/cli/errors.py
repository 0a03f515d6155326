"""One exit point for domain errors: a one-line message on stderr and the error's exit code.

Used by every command (so `CliRunner` tests see the real exit codes) and by `app.main`.
Unexpected exceptions are not caught here: they keep their traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from rbprofile.errors import EXIT_DOMAIN, RbprofileError


@contextmanager
def domain_errors() -> Iterator[None]:
    from rustybt.errors import RustyBTError

    try:
        yield
    except RbprofileError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(exc.exit_code) from None
    except RustyBTError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_DOMAIN) from None
