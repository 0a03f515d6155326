"""Comparison (with `--compare BEFORE AFTER`): the document of `rbprofile compare`, plus
relative links to the differential flamegraphs it draws.

Diff flamegraphs go to `<output_dir>/compare/<before>_vs_<after>/` (redrawn on each report).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rbprofile.compare.core import Comparison, compare_runs
from rbprofile.compare.document import to_document
from rbprofile.errors import RbprofileError
from rbprofile.report.model import Block, ReportContext, Section, bullets, missing

TITLE = "Comparison"


@dataclass(frozen=True)
class Compared:
    """The comparison `--compare` asked for, or why there is none."""

    comparison: Comparison | None
    why_not: str | None = None


def compared(ctx: ReportContext) -> Compared:
    """`compare_runs` for `--compare` (once per report)."""
    if "comparison" not in ctx.cache:
        ctx.cache["comparison"] = _compare(ctx)
    result: Compared = ctx.cache["comparison"]
    return result


def _compare(ctx: ReportContext) -> Compared:
    if ctx.compare is None:
        return Compared(
            None,
            "no comparison was asked for; pass `--compare BEFORE AFTER`, "
            "e.g. `rbprofile report baseline --compare baseline post-rust`",
        )
    before, after = ctx.compare
    out_dir = ctx.links.output_dir / "compare" / f"{_dir_name(before)}_vs_{_dir_name(after)}"
    try:
        found = compare_runs(
            before,
            after,
            profiles_dir=ctx.profiles_dir,
            flamegraph_dir=out_dir,
            force=True,
            project=ctx.project,
        )
    except RbprofileError as exc:
        return Compared(None, exc.message)
    return Compared(found)


def _dir_name(side: str) -> str:
    """A side (a label, LABEL/SCENARIO or a path) as one safe directory-name component."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", side).strip("_.") or "side"


def _notes(comparison: Comparison, ctx: ReportContext) -> list[str]:
    """The compare notes, with flamegraph paths replaced by relative links."""
    drawn = {str(p) for p in comparison.flamegraphs.values()}
    notes = [n for n in to_document(comparison).notes if not any(n.endswith(p) for p in drawn)]
    notes += [
        ctx.links.link(f"differential flamegraph, {scenario}", path)
        + " (red: more time than before, blue: less)"
        for scenario, path in sorted(comparison.flamegraphs.items())
    ]
    return notes


def summary_lines(ctx: ReportContext) -> list[str]:
    """One line per compared scenario and the geometric mean, for the Executive Summary."""
    result = compared(ctx)
    comparison = result.comparison
    if comparison is None:
        return [] if ctx.compare is None else [f"Comparison not available: {result.why_not}"]
    head = f"{comparison.after} vs {comparison.before}"
    lines = [
        f"{head}, {t.scenario}: {t.result.describe()} ({t.result.verdict}; {t.measure})"
        for t in comparison.timings
    ]
    if comparison.geomean_speedup is not None:
        lines.append(f"{head}: geometric-mean speedup {comparison.geomean_speedup:.2f}x")
    return lines


def section(ctx: ReportContext) -> Section:
    result = compared(ctx)
    comparison = result.comparison
    if comparison is None:
        return missing(TITLE, result.why_not or "no comparison")
    intro = (
        f"`{comparison.after}` against `{comparison.before}`; run-time verdicts from Welch's "
        "t-test at 95% over the timing repeats, function verdicts from the cProfile repeats "
        "with each repeat normalized for the machine's speed; run-time changes under "
        f"{comparison.min_change:g}% and function changes under "
        f"{comparison.min_function_change:g}% count as not significant (the same numbers as "
        "`rbprofile compare`)."
    )
    blocks: list[Block] = [intro]
    if notes := _notes(comparison, ctx):
        blocks.append(bullets(notes))
    blocks += list(to_document(comparison).tables)
    return Section(TITLE, tuple(blocks))
