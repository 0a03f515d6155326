"""`rbprofile categorize TARGET`: bottleneck categories with the rule or evidence behind each.

Wiring only: parse, call `rbprofile.views.categorize.categorize_run`, render;
`app.main` maps errors.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from rbprofile.cli.options import (
    FormatOption,
    ProfilesDirOption,
    ScenarioOption,
    TableOption,
    TargetArgument,
)
from rbprofile.render import OutputFormat


def categorize(
    target: TargetArgument = "baseline",
    scenario: ScenarioOption = None,
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="TOML file adding or overriding rules ([[rule]], [speedup])."),
    ] = None,
    explain: Annotated[
        bool,
        typer.Option("--explain", help="Show the rule or evidence that decided each function."),
    ] = False,
    top: Annotated[int, typer.Option("--top", min=1, help="Functions shown by --explain.")] = 25,
    fmt: FormatOption = OutputFormat.table,
    table: TableOption = None,
    profiles_dir: ProfilesDirOption = None,
) -> None:
    """Share of the run per category: Decimal arithmetic, loops, subprocesses, data processing,
    indicators, datetime/calendar, I/O, Python overhead, other."""
    from rbprofile.render import render
    from rbprofile.views.categorize import CategorizeOptions, categorize_run

    options = CategorizeOptions(
        scenario=scenario, rules=rules, explain=explain, top=top, profiles_dir=profiles_dir
    )
    render(categorize_run(target, options), fmt, sys.stdout, table)
