"""Optimization Targets (prioritized) per run, and the top targets for the Executive Summary.

From `rbprofile.analysis.targets.optimization_targets` over the run's categories, cProfile and
py-spy data, with the kernel speedups of the built-in rules ([speedup] in default_rules.toml):
each owner function's share of the run, calls, per-call cost, CPU-bound or not, already native
or not, the FFI check and the Amdahl estimate of the whole-run speedup.
"""

from __future__ import annotations

from typing import Any

from rbprofile.analysis.rules import load_rules
from rbprofile.analysis.targets import optimization_targets
from rbprofile.render import Table
from rbprofile.report.derived import categorized
from rbprofile.report.model import ReportContext, Section, bullets, missing, table_block
from rbprofile.report.runs import Run

TITLE = "Optimization Targets"
TOP = 10
SUMMARY_TOP = 3


def targets_table(ctx: ReportContext, run: Run) -> Table | None:
    """The run's prioritized targets, or None without a CPU profile."""

    def compute() -> Table | None:
        result = categorized(run)
        if result is None:
            return None
        return optimization_targets(
            result,
            profile=run.cprofile,
            samples=run.samples,
            speedups=load_rules().speedups,
            project=ctx.project,
            top=TOP,
        )

    if "targets" not in run.derived:
        run.derived["targets"] = compute()
    table: Table | None = run.derived["targets"]
    return table


def run_section(ctx: ReportContext, run: Run) -> Section:
    table = targets_table(ctx, run)
    if table is None:
        return missing(run.name, run.why_missing("cprofile.pstats", "cprofile"), level=3)
    return Section(run.name, (table_block(table),), level=3)


def section(ctx: ReportContext) -> list[Section]:
    if not ctx.runs:
        return [missing(TITLE, "no runs")]
    intro = (
        "Ranked by the time acceleration could remove. The expected speedup is Amdahl's law "
        "over the target's share of the run with the assumed kernel speedup shown "
        "(pure-Python loops, Decimal arithmetic, ... from the built-in rules); the FFI check "
        "says whether per-call work pays for crossing into Rust."
    )
    return [Section(TITLE, (intro,)), *(run_section(ctx, r) for r in ctx.runs)]


def _describe(run: Run, row: dict[str, Any]) -> str:
    """One summary line from a target row (columns of `optimization_targets`)."""
    return (
        f"`{row['target']}` in {run.name} ({row['category']}): {row['owned_share']:.1%} of the "
        f"run; expected whole-run speedup {row['amdahl_speedup']:.3f}x at an assumed "
        f"{row['kernel_speedup']:.1f}x kernel speedup; FFI check: {row['ffi']}"
    )


def summary_block(ctx: ReportContext) -> str:
    """The top targets of every run, for the Executive Summary."""
    lines = []
    for run in ctx.runs:
        table = targets_table(ctx, run)
        if table is None:
            lines.append(
                f"{run.name}: no targets ({run.why_missing('cprofile.pstats', 'cprofile')})"
            )
            continue
        rows = table.frame.head(SUMMARY_TOP).to_dicts()
        lines += [_describe(run, row) for row in rows] or [f"{run.name}: no targets found"]
    return "**Top optimization targets**\n\n" + bullets(lines)
