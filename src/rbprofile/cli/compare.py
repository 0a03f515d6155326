"""`rbprofile compare BEFORE AFTER`: is the change real or noise? Exit 3 on a regression.

Wiring only: parse, call `rbprofile.compare.compare_runs`, render; `app.main` maps errors.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from rbprofile.cli.options import FormatOption, ProfilesDirOption, ProjectOption, TableOption
from rbprofile.compare.stats import MIN_FUNCTION_CHANGE_PCT
from rbprofile.errors import EXIT_REGRESSION
from rbprofile.render import OutputFormat

SideArgument = Annotated[
    str, typer.Argument(help="Label under the profiles dir, a label dir, or a run directory.")
]


def compare(
    before: SideArgument,
    after: SideArgument,
    scenario: Annotated[
        str | None, typer.Option("--scenario", help="Compare only this scenario.")
    ] = None,
    min_change: Annotated[
        float,
        typer.Option(
            "--min-change",
            min=0.0,
            metavar="PCT",
            help="Run-time changes under PCT percent are 'not significant'.",
        ),
    ] = 2.0,
    min_function_change: Annotated[
        float,
        typer.Option(
            "--min-function-change",
            min=0.0,
            metavar="PCT",
            help=(
                "Function changes under PCT percent (of normalized self time) are 'not "
                "significant': on a loaded machine unchanged functions drift by several percent."
            ),
        ),
    ] = MIN_FUNCTION_CHANGE_PCT,
    fail_on_regression: Annotated[
        float | None,
        typer.Option(
            "--fail-on-regression",
            min=0.0,
            metavar="PCT",
            help="Exit 3 when a scenario is significantly slower by over PCT percent (CI).",
        ),
    ] = None,
    flamegraph_dir: Annotated[
        Path | None,
        typer.Option(
            "--flamegraph-dir",
            help="Write one diff flamegraph per scenario here (diff_SCENARIO.svg).",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace existing flamegraph files.")
    ] = False,
    fmt: FormatOption = OutputFormat.table,
    table: TableOption = None,
    profiles_dir: ProfilesDirOption = None,
    project: ProjectOption = None,
) -> None:
    """Compare two labels: run-time verdicts, function/module/category deltas, diff flamegraphs."""
    from rbprofile.compare import compare_runs, to_document
    from rbprofile.render import render

    comparison = compare_runs(
        before,
        after,
        scenario=scenario,
        min_change=min_change,
        min_function_change=min_function_change,
        profiles_dir=profiles_dir,
        flamegraph_dir=flamegraph_dir,
        force=force,
        project=project,
    )
    render(to_document(comparison), fmt, sys.stdout, table)
    if fail_on_regression is not None:
        slower = comparison.regressions(fail_on_regression)
        if slower:
            names = ", ".join(f"{t.scenario} ({t.result.change_pct:+.1f}%)" for t in slower)
            typer.echo(f"regression beyond {fail_on_regression:g}%: {names}", err=True)
            raise typer.Exit(EXIT_REGRESSION)
