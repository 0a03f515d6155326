"""Measured evidence for categories: the shared row shape and py-spy "own sample" counting.

    EVIDENCE_SCHEMA   key, category, kind, share, detail -- one row per (function, kind);
                      `share` is the fraction of the function's self time the evidence
                      supports; a category is decided by evidence when share > 0.5.
                      Static evidence (kinds starting "static:", read from the source with
                      `ast` when nothing was sampled) measures no share: null, and it decides
                      with a lower priority than measured evidence (STATIC_PRIORITY).
    substantial(functions) -> pl.DataFrame
        the Python functions (a source file, not a C built-in) whose self time is at least
        STATIC_MIN_SHARE of the profile's and STATIC_MIN_S: the ones static evidence looks at.
    own_samples(samples) -> pl.DataFrame
        stack, count, key, function, file, line, below -- every non-idle py-spy stack charged
        to its deepest Python frame (the frame cProfile would charge operator and C-slot time
        to); `below` lists the modules of the native frames under it, root first.

The producers are rbprofile.analysis.loops (hot lines inside for/while bodies; static loop
candidates), rbprofile.analysis.decimal_cost (decimal-vs-float self time, `_decimal`/libmpdec
native frames, cProfile `decimal.Decimal` entries) and rbprofile.analysis.decimal_ast (static
Decimal arithmetic candidates).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from rbprofile.analysis.samples import BELOW_PYTHON_LEAF

if TYPE_CHECKING:
    from rbprofile.analysis.samples import Samples

EVIDENCE_SCHEMA = pl.Schema(
    {
        "key": pl.String,
        "category": pl.String,
        "kind": pl.String,
        "share": pl.Float64,
        "detail": pl.String,
    }
)
DECIDING_SHARE = 0.5  # evidence decides a category when it covers more than half the self time

# evidence kinds (the `kind` column), as shown by `categorize --explain`
LOOP_LINES = "py-spy line samples in for/while bodies"
DECIMAL_VS_FLOAT = "self time decimal minus float run"
DECIMAL_NATIVE = "py-spy native _decimal/libmpdec frames"
DECIMAL_METHOD = "decimal module entry (decimal.Decimal method)"
LOOP_STATIC = "static: loop in the function's own body (ast; not sampled, lower confidence)"
DECIMAL_STATIC = "static: Decimal arithmetic in the source (ast; not sampled, lower confidence)"
STATIC_KINDS = (LOOP_STATIC, DECIMAL_STATIC)
STATIC_PRIORITY = 20  # beats only the python-code fallback rule (see default_rules.toml)
STATIC_MIN_SHARE = 0.005  # static evidence looks at functions with >= 0.5% of the self time
STATIC_MIN_S = 5e-4  # ... and at least 0.5 ms of it


def substantial(functions: pl.DataFrame) -> pl.DataFrame:
    """Python functions with enough self time for static evidence to name them."""
    total = float(functions["self_s"].sum()) or 1.0
    python = ~pl.col("file").is_in(["~", ""]) & ~pl.col("file").str.starts_with("<")
    enough = (pl.col("self_s") >= STATIC_MIN_SHARE * total) & (pl.col("self_s") >= STATIC_MIN_S)
    return functions.filter(python & enough & pl.col("file").is_not_null())


def _own_samples(samples: Samples) -> pl.DataFrame:
    frames = samples.frames.filter(~pl.col("idle"))
    below = (
        frames.filter(BELOW_PYTHON_LEAF)
        .group_by("stack")
        .agg(pl.col("module").sort_by("depth").alias("below"))
    )
    return (
        frames.filter(pl.col("python_leaf"))
        .select("stack", "count", "key", "function", "file", "line")
        .join(below, on="stack", how="left", maintain_order="left")
        .with_columns(pl.col("below").fill_null([]))
    )


def own_samples(samples: Samples) -> pl.DataFrame:
    """Non-idle stacks charged to their deepest Python frame; all-native stacks are skipped."""
    return samples.cached(("own_samples",), _own_samples)


def evidence_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=EVIDENCE_SCHEMA, orient="row")
