"""Raw data: relative links to every file of every run (raw profiler output, the tables
resolved at record time, manifest, timing, log) and to the charts this report drew."""

from __future__ import annotations

from rbprofile import profilers
from rbprofile.report import charts
from rbprofile.report.model import ReportContext, Section
from rbprofile.rundir import files
from rbprofile.rundir.run import Run

TITLE = "Raw data"
CHARTS = {
    charts.MEMORY_CHART: "memory timeline chart (drawn by this report)",
    charts.MODULES_CHART: "module breakdown chart (drawn by this report)",
}


def _row(ctx: ReportContext, run: Run, name: str, what: str) -> str:
    path = run.file(name)
    if path is not None:
        return f"| {ctx.links.link(name, path)} | {what} |"
    return f"| {name} | absent: {run.why_missing(name)} |"


def _chart_rows(ctx: ReportContext, run: Run) -> list[str]:
    rows = []
    for name, what in CHARTS.items():
        path = ctx.chart_path(run, name)
        if path.is_file():
            rows.append(f"| {ctx.links.link(name, path)} | {what} |")
    return rows


def listed_files() -> dict[str, str]:
    """file -> what it holds: the manifest and timing, each registered profiler's files, then
    the record-time evidence and the log."""
    listed = {files.MANIFEST: "", files.TIMING: ""}
    for profiler in profilers.REGISTRY.values():
        listed |= {name: f"written by {profiler.title}" for name in profiler.files}
    listed |= {files.EVIDENCE: "", files.ACTIVITY: "", files.LOG: ""}
    return {name: files.DESCRIPTIONS.get(name) or what for name, what in listed.items()}


def run_block(ctx: ReportContext, run: Run) -> str:
    rows = [_row(ctx, run, name, what) for name, what in listed_files().items()]
    link = ctx.links.link("run directory", run.path) if run.path is not None else run.name
    return "\n".join(
        [
            f"**{run.name}** ({link})",
            "",
            "| file | contents |",
            "| --- | --- |",
            *rows,
            *_chart_rows(ctx, run),
        ]
    )


def section(ctx: ReportContext) -> Section:
    intro = "Links are relative to this report. Every number above comes from these files."
    return Section(TITLE, (intro, *(run_block(ctx, r) for r in ctx.runs)))
