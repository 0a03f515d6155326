"""`rbprofile report [LABEL ...] [--compare BEFORE AFTER]`: profiling-results markdown on stdout.

Only the markdown goes to stdout; progress goes to stderr as plain lines (no escape codes).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from rbprofile.cli.options import ProfilesDirOption, ProjectOption
from rbprofile.report.formats import ReportFormat


def _two_sides(value: tuple[str, str] | None) -> tuple[str, str] | None:
    """`--compare` takes two values; one that looks like an option was swallowed by mistake
    (`--compare A --format json`): a usage error rather than a label named `--format`."""
    if value is not None:
        for role, side in zip(("BEFORE", "AFTER"), value, strict=True):
            if side.startswith("-") or not side:
                raise typer.BadParameter(
                    f"got {side!r} as {role}: --compare takes two labels, "
                    "`--compare BEFORE AFTER`, both right after it"
                )
    return value


def report(
    labels: Annotated[
        list[str] | None,
        typer.Argument(help="Labels under the profiles directory.", show_default="baseline"),
    ] = None,
    compare: Annotated[
        tuple[str, str] | None,
        typer.Option(
            metavar="BEFORE AFTER",
            help="Add a Comparison of two labels (both right after --compare).",
            callback=_two_sides,
        ),
    ] = None,
    profiles_dir: ProfilesDirOption = None,
    output_dir: Annotated[
        Path | None,
        typer.Option(help="Where the report will be saved; links and charts are relative to it."),
    ] = None,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", help="markdown, or json with the same sections.")
    ] = ReportFormat.markdown,
    project: ProjectOption = None,
) -> None:
    """Write the profiling-results markdown for LABEL(s) to stdout.

    Typical use: `rbprofile report baseline > docs/performance/profiling-results.md`
    (links are relative to --output-dir, default docs/performance).
    """
    from rbprofile.render import encodable
    from rbprofile.report.build import build_report
    from rbprofile.report.render import render

    built = build_report(
        labels or ["baseline"],
        compare=compare,
        profiles_dir=profiles_dir,
        output_dir=output_dir,
        project=project,
        progress=lambda title: typer.echo(f"report: {title}", err=True),
    )
    encodable(sys.stdout).write(render(built, fmt))
