"""Bottleneck Categories per run: `rbprofile categorize --explain` (with py-spy samples, the
breakdown split inside functions by what the samples were doing, with 95% intervals; self time
by each function's one primary category, so shares sum to 100%; and the rule or evidence that
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
        "With py-spy samples, the first table adds up what the samples were doing, split "
        "inside functions: native _decimal frames under a function are Decimal arithmetic; "
        "under project code, data-library frames are data processing, its own lines in a loop "
        "loops, its other own lines Python per-call logic; 'other' is what nothing explains. "
        "Each function also "
        "gets one primary category: measured evidence (py-spy line samples inside loops, "
        "Decimal cost), static evidence read from the source (marked 'static', not measured), "
        "or the first matching declarative rule."
    )
    return [Section(TITLE, (intro,)), *(run_section(ctx, r) for r in ctx.runs)]
