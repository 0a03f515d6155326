"""Optimization Targets (prioritized) per run, and the top targets for the Executive Summary:
the table of `rbprofile analyze --targets` (owned share, calls, per-call cost, CPU-bound or
not, already native or not, the FFI check and the Amdahl estimate of the whole-run speedup)."""

from __future__ import annotations

from typing import Any

from rbprofile.report import documents
from rbprofile.report.model import ReportContext, Section, bullets, missing
from rbprofile.rundir.run import Run

TITLE = "Optimization Targets"
SUMMARY_TOP = 3


def run_section(ctx: ReportContext, run: Run) -> Section:
    table = documents.targets(ctx, run)
    if isinstance(table, str):
        return missing(run.name, table, level=3)
    return Section(run.name, (table,), level=3)


def section(ctx: ReportContext) -> list[Section]:
    if not ctx.runs:
        return [missing(TITLE, "no runs")]
    intro = (
        "Ranked by the time acceleration could remove. The expected speedup is Amdahl's law "
        "over the target's share of the run with the assumed kernel speedup shown "
        "(pure-Python loops, Decimal arithmetic, ... from the built-in rules); one-time setup "
        "is assumed removed whole by caching or precomputing it. `fix` says what kind of "
        "change the call pattern calls for; the FFI check says whether per-call work pays for "
        "crossing into Rust."
    )
    return [Section(TITLE, (intro,)), *(run_section(ctx, r) for r in ctx.runs)]


def _describe(run: Run, row: dict[str, Any]) -> str:
    """One summary line from a target row (columns of `optimization_targets`)."""
    head = (
        f"`{row['target']}` in {run.name} ({row['category']}, {row['fix']}): "
        f"{row['owned_share']:.1%} of the run; expected whole-run speedup "
        f"{row['amdahl_speedup']:.3f}x"
    )
    if row["kernel_speedup"] is None:  # one-time setup: removed by caching, no kernel
        return f"{head} if cached or precomputed away"
    return (
        f"{head} at an assumed {row['kernel_speedup']:.1f}x kernel speedup; FFI check: {row['ffi']}"
    )


def summary_block(ctx: ReportContext) -> str:
    """The top targets of every run, for the Executive Summary."""
    lines = []
    for run in ctx.runs:
        table = documents.targets(ctx, run)
        if isinstance(table, str):
            lines.append(f"{run.name}: no targets ({table})")
            continue
        rows = table.frame.head(SUMMARY_TOP).to_dicts()
        lines += [_describe(run, row) for row in rows] or [f"{run.name}: no targets found"]
    return "**Top optimization targets**\n\n" + bullets(lines)
