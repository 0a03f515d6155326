"""Memory Profiling Results: peak, timeline chart, top allocating functions, GC pressure and
Polars frame sizes per run, all from memory.json (the chart is drawn from its samples)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from rbprofile.render import Table
from rbprofile.report import charts
from rbprofile.report.model import ReportContext, Section, bullets, missing, table_block
from rbprofile.report.runs import Run

TITLE = "Memory Profiling Results"
TOP = 10


def _fmt(value: object, unit: str, digits: int = 1) -> str:
    return f"{value:.{digits}f} {unit}" if isinstance(value, int | float) else "not recorded"


def summary(memory: dict[str, Any]) -> str:
    peak, base = memory.get("peak_mib"), memory.get("baseline_mib")
    growth = (
        peak - base if isinstance(peak, int | float) and isinstance(base, int | float) else None
    )
    return bullets(
        [
            f"Peak resident memory: {_fmt(peak, 'MiB')}",
            f"Baseline before the bundle loads: {_fmt(base, 'MiB')}",
            f"Growth during the run (peak - baseline): {_fmt(growth, 'MiB')}",
            f"Mean: {_fmt(memory.get('mean_mib'), 'MiB')}, "
            f"{len(memory.get('samples') or [])} samples every {memory.get('interval_s')} s",
        ]
    )


def short_path(path: object) -> object:
    """Drop the machine-specific prefix: `.../site-packages/pandas/x.py` -> `pandas/x.py`,
    a file under the working directory -> its relative path. Others are kept as recorded."""
    if not isinstance(path, str):
        return path
    marker = "site-packages/"
    if marker in path:
        return path.rsplit(marker, 1)[1]
    try:
        return Path(path).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path


def allocations_table(memory: dict[str, Any]) -> Table:
    traced = memory.get("tracemalloc") or {}
    rows = traced.get("top_by_peak") or []
    frame = pl.DataFrame(
        [
            {k: r.get(k) for k in ("function", "line", "size_mib", "count")}
            | {"file": short_path(r.get("file"))}
            for r in rows[:TOP]
        ],
        schema={
            "function": pl.String,
            "file": pl.String,
            "line": pl.Int64,
            "size_mib": pl.Float64,
            "count": pl.Int64,
        },
    )
    flagged = traced.get("flagged") or []
    notes = (f"Flagged (>= 100 MB): {', '.join(map(str, flagged))}",) if flagged else ()
    return Table(
        "allocations",
        f"Top allocating functions at peak (tracemalloc, top {TOP})",
        frame,
        notes=notes,
        formats={"size_mib": "{:.2f}"},
    )


def gc_lines(memory: dict[str, Any]) -> str:
    gc = memory.get("gc")
    if not gc:
        return "GC pressure: not recorded in memory.json."
    counts = gc.get("collections") or {}
    parts = ", ".join(f"gen {g}: {counts.get(g, 0)}" for g in sorted(counts))
    return f"GC pressure: collections {parts}; time in collection {_fmt(gc.get('time_s'), 's', 3)}."


def frames_table(memory: dict[str, Any]) -> Table:
    rows = memory.get("polars_frames") or []
    frame = pl.DataFrame(
        rows,
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
        return missing(run.name, run.why_missing("memory.json", "memory"), level=3)
    blocks = [summary(memory)]
    if memory.get("samples"):
        chart = charts.memory_timeline(
            memory, f"Memory over time: {run.name}", run.path / charts.MEMORY_CHART
        )
        blocks.append(ctx.links.image(f"memory timeline {run.name}", chart))
    else:
        blocks.append("Memory timeline: memory.json holds no samples, so no chart was drawn.")
    blocks += [
        table_block(allocations_table(memory)),
        gc_lines(memory),
        table_block(frames_table(memory)),
    ]
    return Section(run.name, tuple(blocks), level=3)


def section(ctx: ReportContext) -> list[Section]:
    return [Section(TITLE, ()), *(run_section(ctx, r) for r in ctx.runs)]
