"""`rbprofile analyze TARGET`: hotspots, bottlenecks, modules, owners, cProfile vs py-spy.

Wiring only: parse, call `rbprofile.views.analyze.analyze_run`, render; `app.main` maps errors.
"""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated

import typer

from rbprofile.cli.options import (
    FormatOption,
    ProfilesDirOption,
    ProjectOption,
    ScenarioOption,
    TableOption,
    TargetArgument,
)
from rbprofile.render import OutputFormat


class SortChoice(enum.StrEnum):
    cumulative = "cumulative"
    self = "self"


class ByChoice(enum.StrEnum):
    function = "function"
    module = "module"
    owner = "owner"
    category = "category"
    memory = "memory"


def analyze(
    target: TargetArgument = "baseline",
    scenario: ScenarioOption = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Rows per ranking.")] = 20,
    sort: Annotated[
        SortChoice, typer.Option("--sort", help="Rank the first hotspot table by this time.")
    ] = SortChoice.cumulative,
    threshold: Annotated[
        float,
        typer.Option(
            "--threshold", min=0.0, max=100.0, help="Bottleneck: cumulative share over PCT."
        ),
    ] = 5.0,
    by: Annotated[
        ByChoice,
        typer.Option("--by", help="Group time (memory: allocations) by this."),
    ] = ByChoice.function,
    depth: Annotated[
        int,
        typer.Option("--depth", min=1, help="Project module depth (3: rustybt.finance.decimal)."),
    ] = 3,
    project: ProjectOption = None,
    targets: Annotated[
        bool, typer.Option("--targets", help="Add optimization targets, ranked by removable time.")
    ] = False,
    rules: Annotated[
        Path | None, typer.Option("--rules", help="User rules TOML for categories and speedups.")
    ] = None,
    speedup: Annotated[
        list[str] | None,
        typer.Option(
            "--speedup",
            metavar="CATEGORY=X",
            help="Override an assumed kernel speedup for --targets (repeatable).",
        ),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
    table: TableOption = None,
    profiles_dir: ProfilesDirOption = None,
) -> None:
    """Where the time goes: hotspots, bottlenecks, modules, owners, categories, targets."""
    from rbprofile.render import render
    from rbprofile.views.analyze import AnalyzeOptions, analyze_run

    options = AnalyzeOptions(
        scenario=scenario,
        top=top,
        sort=sort.value,
        threshold=threshold,
        by=by.value,
        depth=depth,
        project=project,
        profiles_dir=profiles_dir,
        targets=targets,
        rules=rules,
        speedups=tuple(speedup or ()),
    )
    render(analyze_run(target, options), fmt, sys.stdout, table)
