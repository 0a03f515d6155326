"""CPU Profiling Results, one subsection per run: the flamegraph links, then the tables of
`rbprofile analyze` (top 20 by cumulative and by self time, bottlenecks over 5% of the run, the
py-spy function view and the cProfile vs py-spy cross-check)."""

from __future__ import annotations

from rbprofile.report import documents
from rbprofile.report.model import Block, ReportContext, Section, missing, not_available
from rbprofile.rundir import files
from rbprofile.rundir.run import Run

TITLE = "CPU Profiling Results"
CPROFILE_TABLES = ("top_cumulative", "top_self", "bottlenecks")


def flamegraph_line(ctx: ReportContext, run: Run) -> str:
    svg, speedscope = run.file(files.PYSPY_SVG), run.file(files.PYSPY_SPEEDSCOPE)
    if svg is None:
        return f"Flamegraph: not available ({run.why_missing(files.PYSPY_SVG)})."
    parts = [ctx.links.link("py-spy flamegraph (SVG)", svg)]
    if speedscope is not None:
        parts.append(ctx.links.link("speedscope profile", speedscope))
    return "Flamegraph: " + ", ".join(parts) + "."


def run_section(ctx: ReportContext, run: Run) -> Section:
    doc = documents.analysis(ctx, run, "function")
    if isinstance(doc, str):
        return missing(run.name, doc, level=3)
    blocks: list[Block] = [flamegraph_line(ctx, run), *doc.notes]
    if run.cprofile is None:
        blocks.append(not_available(run.why_missing(files.PSTATS)))
    blocks += [t for name in CPROFILE_TABLES if (t := documents.table_of(doc, name))]
    sampled = documents.table_of(doc, "pyspy_functions")
    blocks.append(sampled if sampled else not_available(run.why_missing(files.PYSPY_COLLAPSED)))
    check = documents.table_of(doc, "crosscheck")
    if check is None:
        absent = files.PSTATS if run.cprofile is None else files.PYSPY_COLLAPSED
        blocks.append(
            "**cProfile vs py-spy**\n\n"
            + not_available(f"needs both profilers; {run.why_missing(absent)}")
        )
    else:
        blocks.append(check)
    return Section(run.name, tuple(blocks), level=3)


def section(ctx: ReportContext) -> list[Section]:
    if not ctx.runs:
        return [missing(TITLE, "no runs")]
    head = Section(TITLE, ("One subsection per run; the profiled call is the backtest itself.",))
    return [head, *(run_section(ctx, r) for r in ctx.runs)]
