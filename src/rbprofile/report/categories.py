"""Bottleneck Categories per run: `rbprofile categorize --explain` (self time by category, one
primary category per function so shares sum to 100%, and the rule or measured evidence that
decided each hot function), as the run recorded them."""

from __future__ import annotations

from rbprofile.report import documents
from rbprofile.report.model import ReportContext, Section, missing
from rbprofile.rundir.run import Run

TITLE = "Bottleneck Categories"


def run_section(ctx: ReportContext, run: Run) -> Section:
    doc = documents.categories(ctx, run)
    if isinstance(doc, str):
        return missing(run.name, doc, level=3)
    return Section(run.name, (*doc.notes, *doc.tables), level=3)


def section(ctx: ReportContext) -> list[Section]:
    if not ctx.runs:
        return [missing(TITLE, "no runs")]
    intro = (
        "Each function gets one primary category: measured evidence (py-spy line samples "
        "inside loops, Decimal cost) or the first matching declarative rule."
    )
    return [Section(TITLE, (intro,)), *(run_section(ctx, r) for r in ctx.runs)]
