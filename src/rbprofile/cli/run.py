"""`rbprofile run`: parse, call `run_profiles`, show progress on stderr, summary on stdout.

`run [OPTIONS] -- COMMAND...` profiles any Python program: what follows `--` is the program's
command line, kept apart from the SCENARIO positional by the command's class (`RunCommand`).
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
import typer.core
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from rbprofile.cli.options import ProfilesDirOption
from rbprofile.errors import EXIT_DOMAIN
from rbprofile.profilers.pyspy_sampling import MAX_JOBS
from rbprofile.render import OutputFormat, render
from rbprofile.runner.request import DEFAULT_BUDGET_S, DEFAULT_SAMPLES, DEFAULT_TIMEOUT_S

if TYPE_CHECKING:  # the runner pulls in polars and structlog: import it when a run starts
    from rbprofile.runner.orchestrate import StepEvent

COMMAND_META = "rbprofile.run.command"  # ctx.meta key: the words after `--`, if it was given


class RunCommand(typer.core.TyperCommand):
    """`run`'s command class: the words after `--` are the program's command line, never a
    SCENARIO or an option of `run` (`-- python prog.py --help` passes `--help` to prog.py)."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        if "--" in args:
            cut = args.index("--")
            ctx.meta[COMMAND_META] = tuple(args[cut + 1 :])
            args = args[:cut]
        return super().parse_args(ctx, args)

    def collect_usage_pieces(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        return [*super().collect_usage_pieces(ctx), "[-- COMMAND...]"]


command_class = RunCommand


class RunFormat(enum.StrEnum):
    table = "table"
    json = "json"


class Numeric(enum.StrEnum):
    decimal = "decimal"
    float = "float"


@contextmanager
def _progress() -> Iterator[Callable[[StepEvent], None]]:
    console = Console(stderr=True)
    tasks: dict[tuple[str, str], TaskID] = {}
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    bar = Progress(*columns, console=console, transient=False)

    def on_event(ev: StepEvent) -> None:
        key = (ev.scenario, ev.step)
        if not bar.live.is_started:  # started on the first event: a refusal prints alone
            bar.start()
        if ev.state == "notice":
            console.print(
                f"{ev.scenario}: {ev.detail}", markup=False, highlight=False, soft_wrap=True
            )
        elif ev.state == "start":
            tasks[key] = bar.add_task(f"{ev.scenario} · {ev.step}", total=1)
        elif ev.state == "progress":
            bar.update(tasks[key], description=f"{ev.scenario} · {ev.step} {ev.detail}")
        else:
            note = f" ({ev.detail})" if ev.detail and ev.state != "ok" else ""
            bar.update(
                tasks[key],
                completed=1,
                description=f"{ev.scenario} · {ev.step}: {ev.state}{note}",
            )
            bar.stop_task(tasks[key])

    try:
        yield on_event
    finally:
        if bar.live.is_started:
            bar.stop()


def help_text() -> str:
    """`run --help`: what it does, examples, and every registered profiler."""
    from rbprofile import profilers

    listed = "\n".join(
        f"* `{p.name}`{'' if p.in_all else ' (not in all)'}: {p.summary}"
        for p in profilers.REGISTRY.values()
    )
    return (
        "Profile scenarios, a strategy file or any Python command (after `--`) into "
        "`<profiles-dir>/<label>/<scenario>/`.\n\n"
        "Each scenario runs in fresh child processes: first `--repeat` plain (unprofiled) "
        "timing runs, then the profiled runs (`--cprofile-repeat` cProfile runs; py-spy repeats "
        "the backtest, in `--sampling-jobs` children at once, until `--samples` samples fall "
        "under it, or `--sample-budget` seconds are spent; one run per other profiler). "
        "Examples:\n\n"
        "* `rbprofile run daily --profiler cprofile`\n"
        "* `rbprofile run all --profiler all --label post-rust`\n"
        "* `rbprofile run all --numeric float --profiler cprofile` (label baseline-float)\n"
        "* `rbprofile run my_algo.py --bundle daily`\n\n"
        "Any Python program, after `--` (the same repeats, profilers and run directory; the "
        "scenario name is the script's stem, or `--scenario NAME`; the program runs under "
        "this interpreter):\n\n"
        "* `rbprofile run --label before -- python my_backtest.py --fast`\n"
        "* `rbprofile run --label before --root my_backtest:main -- python my_backtest.py` "
        "(measure only the first call of `main`: imports and set-up stay out of the profiles "
        "and of the run time)\n"
        "* `rbprofile run --profiler cprofile --root mypkg.engine:run -- python -m mypkg.cli`\n\n"
        f"Profilers:\n\n{listed}"
    )


def run(
    ctx: typer.Context,
    target: Annotated[
        str | None,
        typer.Argument(
            help="daily, hourly, minute, smoke, all, or path/to/algo.py [default: all]; "
            "or leave it out and give a Python command after --",
            show_default=False,
        ),
    ] = None,
    profiler: Annotated[
        list[str] | None,
        typer.Option(
            "--profiler",
            "-p",
            help="a profiler listed below, all or none; repeat or comma-separate [default: all]",
        ),
    ] = None,
    label: Annotated[
        str | None,
        typer.Option(
            help="name of this code configuration: letters, digits, . _ + - "
            "[default: baseline, or baseline-float]"
        ),
    ] = None,
    repeat: Annotated[int, typer.Option(min=1, help="plain timing runs")] = 3,
    cprofile_repeat: Annotated[
        int,
        typer.Option(min=1, help="cProfile runs: per-function medians and spread for compare"),
    ] = 3,
    numeric: Annotated[
        Numeric | None, typer.Option(help="money type of the engine [default: decimal]")
    ] = None,
    rate: Annotated[int, typer.Option(min=1, max=10_000, help="py-spy samples per second")] = 100,
    samples: Annotated[
        int,
        typer.Option(
            min=1, help="py-spy: repeat the backtest until this many samples fall under it"
        ),
    ] = DEFAULT_SAMPLES,
    sample_budget: Annotated[
        float,
        typer.Option(
            min=0.0,
            help="py-spy: seconds of sampling per scenario before giving up on --samples "
            "(the shortfall is recorded and shown)",
        ),
    ] = DEFAULT_BUDGET_S,
    sampling_jobs: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="py-spy: sampling children recorded at once (each gives --rate samples a "
            f"second) [default: {MAX_JOBS}, or the usable cores if fewer]",
        ),
    ] = None,
    bundle: Annotated[
        str | None, typer.Option(help="bundle to run on (default: the scenario's)")
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option(help="a command's run name [default: the script's or module's name]"),
    ] = None,
    root: Annotated[
        str | None,
        typer.Option(
            metavar="MODULE:FUNCTION",
            help="a command's measured call: the first call of this function [default: the "
            "whole command]",
        ),
    ] = None,
    project: Annotated[
        str | None,
        typer.Option(
            help="the package under profile [default: rustybt; for a command --root's "
            "package, else discovered]"
        ),
    ] = None,
    profiles_dir: ProfilesDirOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="replace an existing run (only a run directory)")
    ] = False,
    timeout: Annotated[
        float,
        typer.Option(
            min=0, help="stop any one child after this many seconds and fail the run (0: no limit)"
        ),
    ] = DEFAULT_TIMEOUT_S,
    fmt: Annotated[RunFormat, typer.Option("--format", help="summary format")] = RunFormat.table,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="log lines on stderr")] = False,
) -> None:
    """Profile scenarios (or a strategy file); the help is `help_text()`."""
    from rbprofile.runner.orchestrate import run_profiles
    from rbprofile.runner.request import RunRequest, check_form, default_label, parse_profilers
    from rbprofile.runner.summary import summary_document

    command: tuple[str, ...] | None = ctx.meta.get(COMMAND_META)
    check_form(
        command,
        target,
        {"--bundle": bundle is not None, "--numeric": numeric is not None},
        {"--scenario": scenario is not None, "--root": root is not None},
    )
    numeric = numeric or Numeric.decimal
    request = RunRequest(
        target=target or "all",
        profilers=parse_profilers(profiler or ["all"]),
        label=label if label is not None else default_label(numeric.value),
        repeat=repeat,
        numeric=numeric.value,
        rate_hz=rate,
        bundle=bundle,
        profiles_dir=profiles_dir,
        force=force,
        timeout_s=timeout or None,
        samples=samples,
        sample_budget_s=sample_budget,
        cprofile_repeat=cprofile_repeat,
        command=command,
        root=root,
        scenario=scenario,
        project=project,
        **({"sampling_jobs": sampling_jobs} if sampling_jobs else {}),  # else RunRequest's
    )
    with _progress() as on_event:  # Ctrl-C: the run dir cleans up, `main` says so (exit 130)
        summary = run_profiles(request, on_event, sys.stderr if verbose else None)
    render(summary_document(summary), OutputFormat(fmt.value), sys.stdout)
    if summary.failed:
        raise typer.Exit(EXIT_DOMAIN)
