"""Raw data: relative links to every measured file of every run (pstats, flamegraph,
speedscope, collapsed stacks, memory, manifest, timing) and the charts drawn beside them."""

from __future__ import annotations

from rbprofile.report import charts
from rbprofile.report.model import ReportContext, Section
from rbprofile.report.runs import Run

TITLE = "Raw data"

# file -> (what it is, the profiler that writes it or None for files every run has)
FILES: dict[str, tuple[str, str | None]] = {
    "manifest.json": ("run manifest (versions, machine, parameters, profilers)", None),
    "timing.json": ("unprofiled timing repeats", None),
    "cprofile.pstats": ("cProfile stats (pstats, snakeviz, gprof2dot)", "cprofile"),
    "cprofile_summary.txt": ("cProfile top 20 by cumulative time", "cprofile"),
    "functions.parquet": ("one row per function", "cprofile"),
    "pyspy.svg": ("py-spy flamegraph", "pyspy"),
    "pyspy.speedscope.json": ("py-spy speedscope profile (speedscope.app)", "pyspy"),
    "pyspy.collapsed.txt": ("py-spy collapsed stacks with line numbers", "pyspy"),
    "memory.json": ("memory timeline, allocations, GC, frame sizes", "memory"),
    "run.log.jsonl": ("structured run log", None),
    charts.MEMORY_CHART: ("memory timeline chart (drawn by this report)", "memory"),
    charts.MODULES_CHART: ("module breakdown chart (drawn by this report)", "cprofile"),
}


def _row(ctx: ReportContext, run: Run, name: str) -> str:
    what, profiler = FILES[name]
    path = run.file(name)
    if path is not None:
        return f"| {ctx.links.link(name, path)} | {what} |"
    why = run.why_missing(name, profiler) if profiler else f"{run.name} has no {name}"
    return f"| {name} | absent: {why} |"


def run_block(ctx: ReportContext, run: Run) -> str:
    rows = [_row(ctx, run, name) for name in FILES]
    return "\n".join(
        [
            f"**{run.name}** ({ctx.links.link('run directory', run.path)})",
            "",
            "| file | contents |",
            "| --- | --- |",
            *rows,
        ]
    )


def section(ctx: ReportContext) -> Section:
    intro = "Links are relative to this report. Every number above comes from these files."
    return Section(TITLE, (intro, *(run_block(ctx, r) for r in ctx.runs)))
