"""`rbprofile ingest [daily|hourly|minute|smoke|all]`: write the scenarios' synthetic bundles.

Wiring only: parse, call `rbprofile.ingest.ingest_scenarios` (progress bar on stderr), render
the summary on stdout; `app.main` maps errors.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from rbprofile.render import OutputFormat

DateOption = Annotated[
    datetime | None, typer.Option(formats=["%Y-%m-%d"], help="YYYY-MM-DD (default: scenario's).")
]


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    """A Rich bar per bundle on stderr, started on the first tick (so errors print alone)."""
    tasks: dict[str, TaskID] = {}
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    bar = Progress(*columns, console=Console(stderr=True), transient=False)

    def tick(name: str, done: int, total: int) -> None:
        if not tasks:
            bar.start()
        if name not in tasks:
            tasks[name] = bar.add_task(f"ingest {name} (assets)", total=total)
        bar.update(tasks[name], completed=done)

    try:
        yield tick
    finally:
        if tasks:
            bar.stop()


def ingest(
    scenario: Annotated[
        str, typer.Argument(help="daily, hourly, minute, smoke, or all (= daily hourly minute).")
    ] = "all",
    assets: Annotated[
        int | None, typer.Option("--assets", min=1, help="Number of assets (default: scenario's).")
    ] = None,
    start: DateOption = None,
    end: DateOption = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Rewrite existing bundles.")] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = (
        OutputFormat.table
    ),
) -> None:
    """Write seeded synthetic XNYS bundles for the scenarios (kept if present, unless --force)."""
    from rbprofile.ingest import ingest_scenarios, to_document
    from rbprofile.render import render

    with _progress() as progress:
        outcomes = ingest_scenarios(
            scenario,
            assets=assets,
            seed=seed,
            force=force,
            progress=progress,
            start=start.date() if start else None,
            end=end.date() if end else None,
        )
    render(to_document(outcomes), fmt, sys.stdout)
