"""Bottleneck Categories per run: self time by category (one primary category per function,
so shares sum to 100%) and the rule or measured evidence that decided each hot function.

From `rbprofile.analysis.categories.categorize` with the built-in rules, py-spy loop and
native-Decimal evidence, and decimal-vs-float evidence when a float twin run exists.
"""

from __future__ import annotations

import polars as pl

from rbprofile.render import Table
from rbprofile.report.derived import categorized, float_twin
from rbprofile.report.model import ReportContext, Section, missing, table_block
from rbprofile.report.runs import Run

TITLE = "Bottleneck Categories"
TOP = 15
FORMATS = {"self": "{:.4f}", "share": "{:.1%}"}


def _sources(run: Run) -> str:
    twin = float_twin(run)
    used = ["cProfile self time", "built-in rules"]
    used.append(
        "py-spy samples (loop lines, native Decimal frames)"
        if run.samples is not None
        else f"no py-spy evidence ({run.why_missing('pyspy.collapsed.txt', 'pyspy')})"
    )
    used.append(
        f"float twin {twin.name} (decimal - float self time)"
        if twin is not None
        else "no float twin run (no decimal-vs-float evidence)"
    )
    return "Evidence used: " + "; ".join(used) + "."


def run_section(run: Run) -> Section:
    result = categorized(run)
    if result is None:
        return missing(run.name, run.why_missing("cprofile.pstats", "cprofile"), level=3)
    summary = Table(
        "categories",
        "Self time by category",
        result.summary,
        notes=("Shares of all cProfile self time; they sum to 100%.",),
        formats=FORMATS,
    )
    hot = result.functions.filter(pl.col("self") > 0).head(TOP)
    evidence = Table(
        "evidence",
        f"Evidence for the top {TOP} functions by self time",
        hot.select("key", "self", "share", "category", "decided_by", "evidence"),
        formats=FORMATS,
    )
    return Section(run.name, (_sources(run), table_block(summary), table_block(evidence)), level=3)


def section(ctx: ReportContext) -> list[Section]:
    if not ctx.runs:
        return [missing(TITLE, "no runs")]
    intro = (
        "Each function gets one primary category: measured evidence (py-spy line samples "
        "inside loops, Decimal cost) or the first matching declarative rule."
    )
    return [Section(TITLE, (intro,)), *(run_section(r) for r in ctx.runs)]
