"""`rbprofile scale`: how each function's cost grows with the run's size, and a projection.

Wiring only: parse the sizes (rbprofile.scale.plan), call `run_scaling` / `show_scaling`
(rbprofile.scaling.core) with a progress bar on stderr, render the Document on stdout.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from rbprofile.cli.options import FormatOption, ProfilesDirOption, TableOption
from rbprofile.errors import EXIT_USAGE, RbprofileError
from rbprofile.render import OutputFormat

if TYPE_CHECKING:
    from rbprofile.scale.plan import ScalePlan


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    """One Rich bar over the grid's runs on stderr (started on the first run); notices
    (bundles being written, the plan) print as plain lines above it."""
    console = Console(stderr=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    bar = Progress(*columns, console=console, transient=False)
    task: list[TaskID] = []

    def tick(description: str, done: int, total: int) -> None:
        if total == 0:
            console.print(f"scale: {description}", markup=False, highlight=False, soft_wrap=True)
            return
        if not task:
            bar.start()
            task.append(bar.add_task(description, total=total))
        bar.update(task[0], description=description, completed=done)

    try:
        yield tick
    finally:
        if task:
            bar.stop()


def help_text() -> str:
    """`scale --help`: what it does, the two forms, and what a grid costs in runs."""
    from rbprofile.scale.plan import CHILD_FIXED_S, PER_ASSET_BAR_S, make_plan

    example = make_plan({"assets": (25, 50, 100), "sessions": (250, 500)}, repeats=3)
    command = make_plan({"n": (2000, 4000, 8000)}, repeats=3)
    return (
        "Profile a scenario (or any Python command) at several sizes and fit each function's "
        "self time, inclusive time and call count as a power law of each size: exponent, 95% "
        "interval, fit quality; `superlinear` flags exponents clearly above 1. `--at` projects "
        "every function's time and share to a size you name, or refuses where the fit cannot "
        "say.\n\n"
        "**Cost**: one fresh child process per size point and repeat, each under cProfile "
        "timed by CPU time (`time.process_time`, which other processes do not inflate): "
        "runs = (product of the number of sizes of each variable) x --repeat. "
        f"`--assets 25,50,100 --sessions 250,500` = {example.describe()}; "
        f"`--size n=2000,4000,8000` = {command.describe()}. A point whose run totals vary by "
        "more than 10% (CV) runs again, one repeat at a time, up to `--max-repeat` (default "
        "--repeat + 2): the bar's total grows when that happens. Use `--dry-run` to print the "
        "count (and, for a scenario, the estimated time) without running. A scenario grid "
        "estimated "
        f"over `--budget` minutes (~{CHILD_FIXED_S:g} s + {PER_ASSET_BAR_S * 1e6:.0f} us per "
        "asset-bar a run) is refused before anything runs.\n\n"
        "Examples:\n\n"
        "* `rbprofile scale daily --assets 25,50,100 --sessions 250,500 --at "
        "assets=2000,sessions=5000`\n"
        "* `rbprofile scale --size n=2000,4000,8000 -- python prog.py --n {n}` (`{name}` is "
        "filled per size; the command must start with a Python interpreter and a script or "
        "`-m module`, run under rbprofile's cProfile wrapper)\n"
        "* `rbprofile scale daily --show [--at assets=500,sessions=1000]`: re-render a stored "
        "result (re-projecting from its stored measurements); nothing is run\n\n"
        "Scenario sizes: each point gets its own synthetic bundle `scale-<scenario>-a<A>-s<S>` "
        "(seeded, written like `ingest`, kept for reuse); sessions are the last S sessions "
        "up to the scenario's end. Results: `<profiles-dir>/<label>/scaling-<name>/` "
        "(measurements, fits, projection, a manifest and every run's pstats); the report's "
        "Scaling section reads them."
    )


def _plan(
    assets: str | None, sessions: str | None, size: list[str] | None, repeat: int, profiler: str
) -> ScalePlan:
    from rbprofile.scale.plan import make_plan, parse_size, parse_values

    variables = [
        *([("assets", parse_values("--assets", assets))] if assets else []),
        *([("sessions", parse_values("--sessions", sessions))] if sessions else []),
        *(parse_size(s) for s in size or []),
    ]
    profilers = tuple(p.strip() for p in profiler.split(",") if p.strip())
    return make_plan(variables, repeat, profilers)


def scale(
    args: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="SCENARIO | -- COMMAND...",
            help="daily, hourly, minute or smoke; or, with --size, the command after --.",
            show_default=False,
        ),
    ] = None,
    assets: Annotated[
        str | None, typer.Option("--assets", help="Asset counts, e.g. 25,50,100.")
    ] = None,
    sessions: Annotated[
        str | None, typer.Option("--sessions", help="Session counts, e.g. 250,500.")
    ] = None,
    size: Annotated[
        list[str] | None,
        typer.Option("--size", metavar="NAME=V1,V2", help="A command's size variable (repeat)."),
    ] = None,
    repeat: Annotated[int, typer.Option("--repeat", min=1, help="Runs per size point.")] = 3,
    max_repeat: Annotated[
        int | None,
        typer.Option(
            "--max-repeat", min=1, help="Extra runs for unsteady points, up to N [default: R+2]."
        ),
    ] = None,
    profiler: Annotated[str, typer.Option("--profiler", help="cprofile (only).")] = "cprofile",
    at: Annotated[
        str | None,
        typer.Option("--at", metavar="NAME=SIZE,...", help="Project to this size."),
    ] = None,
    label: Annotated[str, typer.Option("--label", help="Label to store under.")] = "baseline",
    name: Annotated[
        str | None,
        typer.Option("--name", help="Result name [default: the scenario, or the script's stem]."),
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Functions fitted (largest).")] = 25,
    min_share: Annotated[
        float,
        typer.Option("--min-share", min=0.0, max=100.0, help="Fit functions over PCT of the run."),
    ] = 1.0,
    budget: Annotated[
        float, typer.Option("--budget", min=0.1, help="Refuse grids estimated over MINUTES.")
    ] = 10.0,
    show: Annotated[
        bool, typer.Option("--show", help="Re-render the stored result SCENARIO (or --name).")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the runs (and estimate) and stop.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace a stored result.")] = False,
    fmt: FormatOption = OutputFormat.table,
    table: TableOption = None,
    profiles_dir: ProfilesDirOption = None,
) -> None:
    """Profile at several sizes, fit growth exponents, project; the help is `help_text()`."""
    from rbprofile.render import check_choice, render
    from rbprofile.scale.document import table_names
    from rbprofile.scale.plan import parse_at
    from rbprofile.scaling.core import (
        FitOptions,
        ScaleRequest,
        describe_request,
        run_scaling,
        scaling_view,
        show_scaling,
    )

    positional = list(args or [])
    target = at and parse_at(at)
    if show:
        shown = name or (positional[0] if len(positional) == 1 else None)
        if shown is None:
            raise RbprofileError("--show needs the result's name, e.g. `rbprofile scale daily "
                                 "--show`", exit_code=EXIT_USAGE)  # fmt: skip
        stored = show_scaling(label, shown, profiles_dir, target or None)
        render(scaling_view(stored), fmt, sys.stdout, table)
        return
    from rbprofile.scenarios import SCENARIOS

    scenario_form = len(positional) == 1 and positional[0] in SCENARIOS
    command = () if scenario_form or not size else tuple(positional)
    if not command and len(positional) != 1:
        raise RbprofileError(
            "give one SCENARIO (e.g. daily), or --size NAME=... and the command after --",
            exit_code=EXIT_USAGE,
        )
    request = ScaleRequest(
        plan=_plan(assets, sessions, size, repeat, profiler),
        scenario=None if command else positional[0],
        command=command,
        name=name,
        label=label,
        profiles_dir=Path(profiles_dir) if profiles_dir else None,
        at=target or None,
        force=force,
        budget_min=budget,
        fit=FitOptions(min_share=min_share / 100.0, top=top),
        max_repeats=max_repeat,
    )
    if dry_run:
        typer.echo(describe_request(request))
        return
    check_choice(table_names(projected=bool(target)), fmt, table)  # before the grid runs
    with _progress() as tick:
        stored = run_scaling(request, tick)
    render(scaling_view(stored), fmt, sys.stdout, table)
