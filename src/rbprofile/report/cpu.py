"""CPU Profiling Results, one subsection per run: top 20 by cumulative and by self time,
bottlenecks over 5% of the run, cProfile vs py-spy agreement, and the flamegraph links.

Tables come from `rbprofile.analysis.hotspots` over the run's cprofile.pstats (shares of the
profile's real total, pstats total_tt) and from `rbprofile.analysis.crosscheck`.
"""

from __future__ import annotations

import polars as pl

from rbprofile.analysis.crosscheck import crosscheck
from rbprofile.analysis.hotspots import SHARE_FORMATS, bottlenecks, hotspots
from rbprofile.render import Table
from rbprofile.report.model import ReportContext, Section, missing, table_block
from rbprofile.report.runs import Run

TITLE = "CPU Profiling Results"
TOP = 20
THRESHOLD_PCT = 5.0
CROSSCHECK_FORMATS = {
    "cprofile_share": "{:.1%}",
    "pyspy_share": "{:.1%}",
    "ratio": "{:.2f}",
    "cprofile_rank": "{:g}",
    "pyspy_rank": "{:g}",
    "per_call_us": "{:.2f}",
}


def flamegraph_line(ctx: ReportContext, run: Run) -> str:
    svg, speedscope = run.file("pyspy.svg"), run.file("pyspy.speedscope.json")
    if svg is None:
        return f"Flamegraph: not available ({run.why_missing('pyspy.svg', 'pyspy')})."
    parts = [ctx.links.link("py-spy flamegraph (SVG)", svg)]
    if speedscope is not None:
        parts.append(ctx.links.link("speedscope profile", speedscope))
    return "Flamegraph: " + ", ".join(parts) + "."


def hotspot_blocks(run: Run) -> list[str]:
    profile = run.cprofile
    if profile is None:
        return [f"_Not available: {run.why_missing('cprofile.pstats', 'cprofile')}_"]
    f, total = profile.functions, profile.total_s
    by_cum = Table(
        "cum",
        f"Top {TOP} by cumulative time",
        hotspots(f, total, TOP, "cumulative"),
        formats=SHARE_FORMATS,
    )
    by_self = Table(
        "self", f"Top {TOP} by self time", hotspots(f, total, TOP, "self"), formats=SHARE_FORMATS
    )
    hot = Table(
        "bottlenecks",
        f"Bottlenecks: cumulative share above {THRESHOLD_PCT:g}% of the run",
        bottlenecks(f, total, THRESHOLD_PCT),
        formats=SHARE_FORMATS,
    )
    intro = (
        f"cProfile total {total:.3f} s over {f.height} functions "
        "(shares are of this total; cumulative shares overlap and do not sum to 100%)."
    )
    return [intro, table_block(by_cum), table_block(by_self), table_block(hot)]


def agreement_block(run: Run) -> str:
    title = "cProfile vs py-spy agreement"
    profile, samples = run.cprofile, run.samples
    if profile is None or samples is None:
        name, tool = (
            ("cprofile.pstats", "cprofile") if profile is None else ("pyspy.collapsed.txt", "pyspy")
        )
        return (
            f"**{title}**\n\n_Not available: needs both profilers; {run.why_missing(name, tool)}_"
        )
    check = crosscheck(profile, samples, TOP)
    disagree = check.table.filter(pl.col("verdict") == "disagree").height
    rho = "not computed (fewer than 3 functions)" if check.rho is None else f"{check.rho:.2f}"
    note = (
        f"Spearman rank correlation of Python-level self-time shares over the union of both "
        f"top-{TOP} lists ({check.n} functions): {rho}; {disagree} function(s) differ by more "
        f"than 2x. py-spy: {samples.total} samples."
    )
    table = Table("crosscheck", title, check.table, notes=(note,), formats=CROSSCHECK_FORMATS)
    return table_block(table)


def run_section(ctx: ReportContext, run: Run) -> Section:
    blocks = [flamegraph_line(ctx, run), *hotspot_blocks(run), agreement_block(run)]
    return Section(run.name, tuple(blocks), level=3)


def section(ctx: ReportContext) -> list[Section]:
    head = Section(TITLE, ("One subsection per run; the profiled call is the backtest itself.",))
    if not ctx.runs:
        return [missing(TITLE, "no runs")]
    return [head, *(run_section(ctx, r) for r in ctx.runs)]
