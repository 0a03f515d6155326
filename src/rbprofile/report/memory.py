"""Memory Profiling Results: peak, timeline chart, top allocating functions, GC pressure and
Polars frame sizes per run, all from memory.json (the chart is drawn from its samples)."""

from __future__ import annotations

import polars as pl

from rbprofile.render import Table
from rbprofile.report import charts
from rbprofile.report.model import Block, ReportContext, Section, bullets, missing
from rbprofile.rundir import files
from rbprofile.rundir.memory import Memory
from rbprofile.rundir.run import Run

TITLE = "Memory Profiling Results"
TOP = 10


def _fmt(value: float | None, unit: str, digits: int = 1) -> str:
    return "not recorded" if value is None else f"{value:.{digits}f} {unit}"


def summary(memory: Memory) -> str:
    peak, base = memory.peak_mib, memory.baseline_mib
    growth = peak - base if peak is not None and base is not None else None
    return bullets(
        [
            f"Peak resident memory: {_fmt(peak, 'MiB')}",
            f"Baseline before the bundle loads: {_fmt(base, 'MiB')}",
            f"Growth during the run (peak - baseline): {_fmt(growth, 'MiB')}",
            f"Mean: {_fmt(memory.mean_mib, 'MiB')}, "
            f"{len(memory.samples)} samples every {memory.interval_s} s",
        ]
    )


def allocations_table(memory: Memory) -> Table:
    frame = pl.DataFrame(
        [
            {"function": a.function, "file": a.file, "line": a.line, "size_mib": a.size_mib,
             "count": a.count}
            for a in memory.top_by_peak[:TOP]
        ],
        schema={
            "function": pl.String,
            "file": pl.String,
            "line": pl.Int64,
            "size_mib": pl.Float64,
            "count": pl.Int64,
        },
    )  # fmt: skip
    flagged = memory.flagged
    notes = (f"Flagged (>= 100 MB): {', '.join(flagged)}",) if flagged else ()
    return Table(
        "allocations",
        f"Top allocating functions at peak (tracemalloc, top {TOP})",
        frame,
        notes=notes,
        formats={"size_mib": "{:.2f}"},
    )


def gc_lines(memory: Memory) -> str:
    counts = memory.gc_collections
    if not counts and memory.gc_time_s is None:
        return "GC pressure: not recorded in memory.json."
    parts = ", ".join(f"gen {g}: {counts.get(g, 0)}" for g in sorted(counts))
    return f"GC pressure: collections {parts}; time in collection {_fmt(memory.gc_time_s, 's', 3)}."


def frames_table(memory: Memory) -> Table:
    frame = pl.DataFrame(
        [
            {"name": f.name, "rows": f.rows, "columns": f.columns, "estimated_mib": f.estimated_mib}
            for f in memory.polars_frames
        ],
        schema={
            "name": pl.String,
            "rows": pl.Int64,
            "columns": pl.Int64,
            "estimated_mib": pl.Float64,
        },
    )
    return Table(
        "frames",
        "Polars frames held by the data portal",
        frame,
        formats={"estimated_mib": "{:.3f}"},
    )


def run_section(ctx: ReportContext, run: Run) -> Section:
    memory = run.memory
    if memory is None:
        return missing(run.name, run.why_missing(files.MEMORY), level=3)
    blocks: list[Block] = [summary(memory)]
    if memory.samples:
        chart = charts.memory_timeline(
            memory, f"Memory over time: {run.name}", ctx.chart_path(run, charts.MEMORY_CHART)
        )
        blocks.append(ctx.links.image(f"memory timeline {run.name}", chart))
    else:
        blocks.append("Memory timeline: memory.json holds no samples, so no chart was drawn.")
    blocks += [allocations_table(memory), gc_lines(memory), frames_table(memory)]
    return Section(run.name, tuple(blocks), level=3)


def section(ctx: ReportContext) -> list[Section]:
    return [Section(TITLE, ()), *(run_section(ctx, r) for r in ctx.runs)]
