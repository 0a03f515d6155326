"""Comparison (with `--compare BEFORE AFTER`): `rbprofile.compare.compare_runs` rendered through
its own `to_document`, plus relative links to the differential flamegraphs it draws.

Diff flamegraphs go to `<output_dir>/compare/<before>_vs_<after>/` (redrawn on each report).
"""

from __future__ import annotations

from rbprofile.compare.core import Comparison, compare_runs
from rbprofile.compare.document import to_document
from rbprofile.errors import RbprofileError
from rbprofile.report.model import ReportContext, Section, bullets, missing, table_block

TITLE = "Comparison"


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


def comparison_of(ctx: ReportContext) -> Comparison | str:
    """`compare_runs` for `--compare` (once per report), or why there is none."""
    if "comparison" not in ctx.cache:
        ctx.cache["comparison"] = _compare(ctx)
    result: Comparison | str = ctx.cache["comparison"]
    return result


def _compare(ctx: ReportContext) -> Comparison | str:
    if ctx.compare is None:
        return (
            "no comparison was asked for; pass `--compare BEFORE AFTER`, "
            "e.g. `rbprofile report baseline --compare baseline post-rust`"
        )
    before, after = ctx.compare
    out_dir = ctx.links.output_dir / "compare" / f"{before}_vs_{after}"
    try:
        return compare_runs(
            before, after, profiles_dir=ctx.profiles_dir, flamegraph_dir=out_dir, force=True
        )
    except RbprofileError as exc:
        return exc.message


def summary_lines(ctx: ReportContext) -> list[str]:
    """One line per compared scenario and the geometric mean, for the Executive Summary."""
    comparison = comparison_of(ctx)
    if isinstance(comparison, str):
        return [] if ctx.compare is None else [f"Comparison not available: {comparison}"]
    head = f"{comparison.after} vs {comparison.before}"
    lines = [
        f"{head}, {t.scenario}: {t.result.describe()} ({t.result.verdict}; {t.measure})"
        for t in comparison.timings
    ]
    if comparison.geomean_speedup is not None:
        lines.append(f"{head}: geometric-mean speedup {comparison.geomean_speedup:.2f}x")
    return lines


def section(ctx: ReportContext) -> Section:
    comparison = comparison_of(ctx)
    if isinstance(comparison, str):
        return missing(TITLE, comparison)
    before, after = comparison.before, comparison.after
    doc = to_document(comparison)
    intro = (
        f"`{after}` against `{before}`; verdicts from Welch's t-test at 95% over the timing "
        f"repeats, changes under {comparison.min_change:g}% count as not significant "
        "(the same numbers as `rbprofile compare`)."
    )
    blocks = [intro, bullets(_notes(comparison, ctx))]
    blocks += [table_block(t) for t in doc.tables]
    return Section(TITLE, tuple(b for b in blocks if b))
