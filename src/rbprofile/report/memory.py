"""Memory Profiling Results per run: resident memory (peak, baseline, timeline chart) from
memory_profiler's memory.json; peak allocated and the top allocating functions from memray's
memray.parquet (exact, native frames), or from memory.json's tracemalloc lower bound for runs
recorded without memray; GC pressure and Polars frame sizes from memory.json."""

from __future__ import annotations

import polars as pl

from rbprofile.render import Table
from rbprofile.report import charts
from rbprofile.report.model import Block, ReportContext, Section, bullets, missing
from rbprofile.rundir import files
from rbprofile.rundir.memory import Memory
from rbprofile.rundir.run import Run
from rbprofile.views.memory import allocation_tables, memray_lines

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


def _rss_blocks(ctx: ReportContext, run: Run, memory: Memory) -> list[Block]:
    blocks: list[Block] = [summary(memory)]
    if memory.samples:
        chart = charts.memory_timeline(
            memory, f"Memory over time: {run.name}", ctx.chart_path(run, charts.MEMORY_CHART)
        )
        blocks.append(ctx.links.image(f"memory timeline {run.name}", chart))
    else:
        blocks.append("Memory timeline: memory.json holds no samples, so no chart was drawn.")
    return blocks


def run_section(ctx: ReportContext, run: Run) -> Section:
    memory, allocations = run.memory, run.allocations
    if memory is None and allocations is None:
        return missing(run.name, run.why_missing(files.MEMORY), level=3)
    blocks: list[Block] = []
    if memory is not None:
        blocks += _rss_blocks(ctx, run, memory)
    else:
        blocks.append(f"Resident memory: {run.why_missing(files.MEMORY)}.")
    if allocations is not None:
        blocks.append(bullets(memray_lines(allocations)))
    blocks += allocation_tables(run, TOP)
    if memory is not None:
        blocks += [gc_lines(memory), frames_table(memory)]
    return Section(run.name, tuple(blocks), level=3)


def section(ctx: ReportContext) -> list[Section]:
    return [Section(TITLE, ()), *(run_section(ctx, r) for r in ctx.runs)]
