"""The command documents a report shows, computed once per run and shared by its sections.

    analysis(ctx, run, by) -> Document | str       `rbprofile analyze --by BY` of the run
    categories(ctx, run) -> Document | str         `rbprofile categorize --explain --top 15`
    targets(ctx, run) -> Table | str               `rbprofile analyze --targets`'s table

A string is the one-line reason the document could not be built (the run has no profile).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from rbprofile.errors import RbprofileError
from rbprofile.render import Document, Table
from rbprofile.report.model import ReportContext
from rbprofile.rundir.run import Run
from rbprofile.views.analyze import AnalyzeOptions, By, analyze
from rbprofile.views.categorize import CategorizeOptions, categorize
from rbprofile.views.targets import targets_table

T = TypeVar("T")
TOP = 20  # rows per ranking, as `rbprofile analyze` shows by default
CATEGORY_TOP = 15
TARGETS_TOP = 10
THRESHOLD_PCT = 5.0


def _cached(ctx: ReportContext, run: Run, what: str, build: Callable[[], T]) -> T | str:
    key = f"{what}:{run.name}"
    if key not in ctx.cache:
        try:
            ctx.cache[key] = build()
        except RbprofileError as exc:
            ctx.cache[key] = exc.message
    value: T | str = ctx.cache[key]
    return value


def analysis(ctx: ReportContext, run: Run, by: By) -> Document | str:
    opts = AnalyzeOptions(top=TOP, threshold=THRESHOLD_PCT, by=by, project=ctx.project)
    return _cached(ctx, run, f"analyze-{by}", lambda: analyze(run, opts))


def categories(ctx: ReportContext, run: Run) -> Document | str:
    opts = CategorizeOptions(explain=True, top=CATEGORY_TOP)
    return _cached(ctx, run, "categorize", lambda: categorize(run, opts))


def targets(ctx: ReportContext, run: Run) -> Table | str:
    build = lambda: targets_table(run, project=ctx.project_of(run), top=TARGETS_TOP)  # noqa: E731
    return _cached(ctx, run, "targets", build)


def table_of(doc: Document | str, name: str) -> Table | None:
    if isinstance(doc, str):
        return None
    return next((t for t in doc.tables if t.name == name), None)
