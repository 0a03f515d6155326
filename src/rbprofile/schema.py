"""Table schemas shared by `run`, `analyze`, `categorize`, `compare` and `report`.

Declared once, validated at the boundary (see `validate`).
"""

from __future__ import annotations

import polars as pl

# One row per profiled function (functions.parquet, and what the pstats loader returns).
# key = f"{module}:{qualname}" -- stable across line moves; used to match functions in compare.
# category / decided_by / owner are filled at record time (rbprofile.analysis.annotate).
# A run records K cProfile repeats (`run --cprofile-repeat K`): self_s / cum_s are the medians
# over the repeats, self_s_repeats / cum_s_repeats every repeat's value in repeat order (0.0 in
# a repeat that never called the function), ncalls / primcalls those of the repeat kept as
# cprofile.pstats (rbprofile.analysis.cprofile_repeats). A single pstats is one repeat.
FUNCTIONS_SCHEMA = pl.Schema(
    {  # instances, not classes: the List column makes the dict one of DataType
        "key": pl.String(),
        "module": pl.String(),
        "qualname": pl.String(),
        "file": pl.String(),
        "line": pl.Int64(),
        "ncalls": pl.Int64(),
        "primcalls": pl.Int64(),
        "self_s": pl.Float64(),
        "cum_s": pl.Float64(),
        "category": pl.String(),
        "decided_by": pl.String(),
        "owner": pl.String(),
        "self_s_repeats": pl.List(pl.Float64),
        "cum_s_repeats": pl.List(pl.Float64),
    }
)
# Columns a table written by an older rbprofile may lack (read as null; a null repeats list
# means one repeat, the row's own self_s / cum_s).
FUNCTIONS_OPTIONAL = frozenset({"decided_by", "self_s_repeats", "cum_s_repeats"})


def validate(
    frame: pl.DataFrame,
    schema: pl.Schema,
    what: str,
    optional: frozenset[str] = FUNCTIONS_OPTIONAL,
) -> pl.DataFrame:
    """`frame` with exactly `schema`'s columns and types; ValueError naming `what` otherwise."""
    missing = [c for c in schema.names() if c not in frame.columns and c not in optional]
    if missing:
        raise ValueError(f"{what}: missing columns {missing}")
    return frame.select(
        pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype).alias(name)
        for name, dtype in schema.items()
    )


# One row per allocating function (memray.parquet; rbprofile.profilers.memray_table): bytes
# live at the run's high-water mark (peak_*; peak_mmap_bytes: the part mapped with mmap by
# arena allocators) and allocated over the whole run (total_*). `native`: the native function
# the Python code called into that held the most bytes at the peak (null: Python objects).
MEMRAY_SCHEMA = pl.Schema(
    {
        "function": pl.String,
        "module": pl.String,
        "file": pl.String,
        "line": pl.Int64,
        "native": pl.String,
        "peak_bytes": pl.Int64,
        "peak_count": pl.Int64,
        "peak_mmap_bytes": pl.Int64,
        "total_bytes": pl.Int64,
        "total_count": pl.Int64,
    }
)
