"""Allocation tables of a run, for `rbprofile analyze --by memory` and the report's Memory
section.

    allocation_tables(run, top) -> list[Table]   memray's (exact), else tracemalloc's
    memray_lines(allocations) -> list[str]       the run's memray totals, as sentences

memray (memray.parquet) is exact and sees native frames: "total" is every byte the function
allocated during the measured call, "at peak" what it still held at the high-water mark. Runs
recorded without memray fall back to memory.json's tracemalloc table, a lower bound (only
blocks alive when a snapshot was taken are seen), labelled as such.
"""

from __future__ import annotations

import polars as pl

from rbprofile.profilers.memray_table import NATIVE_ROWS
from rbprofile.render import Table
from rbprofile.rundir.allocations import MIB, Allocations
from rbprofile.rundir.memory import Memory
from rbprofile.rundir.run import Run

TOP = 10
MIB_FORMAT = "{:.2f}"
MMAP_NOTE = (
    "peak_mmap_mib: the part mapped with mmap by arena allocators (pyarrow's mimalloc, "
    "Polars' jemalloc), which reserve address space up front; it need not be resident, so "
    "the resident-memory timeline can stay far below memray's peak."
)
NATIVE_NOTE = (
    "native: the native function the Python code called into that held the most bytes at "
    "the peak (e.g. ctx_create_decimal: Decimal objects); empty when the interpreter itself "
    "allocated Python objects, when the function held nothing at the peak, and below the top "
    f"{NATIVE_ROWS} functions by each measure (not resolved)."
)


def _mib(bytes_: int | None) -> str:
    return "not recorded" if bytes_ is None else f"{bytes_ / MIB:,.1f} MiB"


def memray_lines(a: Allocations) -> list[str]:
    native = "with native frames" if a.native_traces else "Python frames only"
    count = f"{a.allocations:,}" if a.allocations is not None else "an unrecorded number of"
    mmap = ""
    if a.peak_mmap_bytes and a.peak_bytes is not None:
        mmap = (
            f" ({_mib(a.peak_mmap_bytes)} of it mapped with mmap by arena allocators, "
            f"{_mib(a.peak_bytes - a.peak_mmap_bytes)} without)"
        )
    return [
        f"Peak allocated (memray, exact, {native}): {_mib(a.peak_bytes)}{mmap}",
        f"Allocated during the run (memray): {_mib(a.total_bytes)} in {count} allocations",
    ]


def _share(column: str, total: int | None) -> pl.Expr:
    return (pl.col(column) / total if total else pl.lit(None, pl.Float64)).alias(
        column.replace("_bytes", "_share")
    )


def _memray_tables(a: Allocations, top: int) -> list[Table]:
    t, mib = a.table, lambda c: (pl.col(c) / MIB).alias(c.replace("_bytes", "_mib"))
    by_total = (
        t.sort("total_bytes", descending=True)
        .head(top)
        .select(
            "function", "module", "line", "native", mib("total_bytes"),
            _share("total_bytes", a.total_bytes), pl.col("total_count").alias("allocations"),
            mib("peak_bytes"),
        )
    )  # fmt: skip
    by_peak = t.head(top).select(
        "function", "module", "native", mib("peak_bytes"), _share("peak_bytes", a.peak_bytes),
        mib("peak_mmap_bytes"), "peak_count", mib("total_bytes"),
    )  # fmt: skip
    fmt = {c: MIB_FORMAT for c in ("total_mib", "peak_mib", "peak_mmap_mib")}
    fmt |= {"total_share": "{:.1%}", "peak_share": "{:.1%}"}
    native = "with native frames" if a.native_traces else "Python frames only"
    return [
        Table(
            "allocations",
            f"Top {top} allocating functions, total allocated (memray, exact, {native})",
            by_total,
            (
                "Every allocation of the measured call, charged to the innermost Python "
                "function on its stack (native allocations to the Python call that made them); "
                "line: the function's line that allocated the most.",
                NATIVE_NOTE,
            ),
            fmt,
        ),
        Table(
            "allocations_at_peak",
            f"Top {top} functions by memory held at the peak (memray, exact)",
            by_peak,
            ("Bytes still allocated at the run's high-water mark.", MMAP_NOTE),
            fmt,
        ),
    ]


def tracemalloc_table(memory: Memory, top: int) -> Table:
    rows = [
        {"function": a.function, "file": a.file, "line": a.line, "size_mib": a.size_mib,
         "count": a.count}
        for a in memory.top_by_peak[:top]
    ]  # fmt: skip
    schema = {"function": pl.String, "file": pl.String, "line": pl.Int64,
              "size_mib": pl.Float64, "count": pl.Int64}  # fmt: skip
    flagged = memory.flagged
    notes = (
        "tracemalloc lower bound: snapshots see only the blocks alive when they are taken; "
        "record the run with `--profiler memray` for exact totals with native frames.",
        *((f"Flagged (>= 100 MB): {', '.join(flagged)}",) if flagged else ()),
    )
    return Table(
        "allocations",
        f"Top allocating functions at peak (tracemalloc, lower bound, top {top})",
        pl.DataFrame(rows, schema=schema),
        notes=notes,
        formats={"size_mib": MIB_FORMAT},
    )


def allocation_tables(run: Run, top: int = TOP) -> list[Table]:
    """memray's tables when the run has them, else tracemalloc's, else none."""
    if run.allocations is not None:
        return _memray_tables(run.allocations, top)
    if run.memory is not None:
        return [tracemalloc_table(run.memory, top)]
    return []
