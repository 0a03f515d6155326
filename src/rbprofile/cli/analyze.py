"""`rbprofile analyze TARGET`: hotspots, bottlenecks, modules, owners, cProfile vs py-spy.

Wiring only: parse, call `rbprofile.analysis.analyze.analyze_run`, render, map errors.
"""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated

import typer

from rbprofile.errors import RbprofileError
from rbprofile.render import OutputFormat


class SortChoice(enum.StrEnum):
    cumulative = "cumulative"
    self = "self"


class ByChoice(enum.StrEnum):
    function = "function"
    module = "module"
    owner = "owner"
    category = "category"


def analyze(
    target: Annotated[
        str,
        typer.Argument(
            help="A label under the profiles dir, a run directory, a .pstats file, "
            "or a py-spy speedscope .json / collapsed .txt file."
        ),
    ] = "baseline",
    scenario: Annotated[
        str | None, typer.Option("--scenario", help="Scenario of a label holding several.")
    ] = None,
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
    by: Annotated[ByChoice, typer.Option("--by", help="Group time by this.")] = ByChoice.function,
    depth: Annotated[
        int,
        typer.Option("--depth", min=1, help="Project module depth (3: rustybt.finance.decimal)."),
    ] = 3,
    project: Annotated[
        str, typer.Option("--project", help="Top-level package under profile (owners, modules).")
    ] = "rustybt",
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
    fmt: Annotated[
        OutputFormat, typer.Option("--format", help="Output format.")
    ] = OutputFormat.table,
    profiles_dir: Annotated[
        Path | None,
        typer.Option(
            "--profiles-dir",
            help="Profiles root (default: $RBPROFILE_PROFILES_DIR or docs/performance/profiles).",
        ),
    ] = None,
) -> None:
    """Where the time goes: hotspots, bottlenecks, modules, owners, categories, targets."""
    from rbprofile.analysis.analyze import AnalyzeOptions, analyze_run
    from rbprofile.render import render

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
    try:
        document = analyze_run(target, options)
    except RbprofileError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(exc.exit_code) from None
    render(document, fmt, sys.stdout)
