"""Hotspots and bottlenecks from a cProfile functions table.

hotspots(functions, total_s, top=20, sort="cumulative") -> pl.DataFrame
    rank, function, ncalls, primcalls, self_s, cum_s, self_per_call_s, cum_per_call_s,
    self_share, cum_share (shares of the profile's real total time), self_spread (the range of
    self time over the cProfile repeats / its median; null with one repeat)
bottlenecks(functions, total_s, threshold_pct=5.0) -> pl.DataFrame
    the same columns for every function whose cumulative share is above the threshold
function_samples(samples, top=20) -> pl.DataFrame
    the py-spy view: function, self_samples, self_share, inclusive_samples, inclusive_share
"""

from __future__ import annotations

from typing import Literal

import polars as pl

from rbprofile.analysis.samples import Samples, sample_counts

SortKey = Literal["cumulative", "self"]
SHARE_FORMATS = {
    "self_share": "{:.1%}",
    "cum_share": "{:.1%}",
    "self_s": "{:.4f}",
    "cum_s": "{:.4f}",
    "self_per_call_s": "{:.3g}",
    "cum_per_call_s": "{:.3g}",
    "inclusive_share": "{:.1%}",
    "self_spread": "{:.0%}",
}


def _with_shares(functions: pl.DataFrame, total_s: float) -> pl.DataFrame:
    total = total_s if total_s > 0 else 1.0
    calls = pl.when(pl.col("ncalls") > 0).then(pl.col("ncalls")).otherwise(None)
    return functions.select(
        pl.col("key").alias("function"),
        "ncalls",
        "primcalls",
        "self_s",
        "cum_s",
        (pl.col("self_s") / calls).alias("self_per_call_s"),
        (pl.col("cum_s") / calls).alias("cum_per_call_s"),
        (pl.col("self_s") / total).alias("self_share"),
        (pl.col("cum_s") / total).alias("cum_share"),
        _spread(functions).alias("self_spread"),
    )


def _spread(functions: pl.DataFrame) -> pl.Expr:
    """(max - min) / median of the self time over the repeats; null with one repeat."""
    if "self_s_repeats" not in functions.columns:
        return pl.lit(None, pl.Float64)
    repeats = pl.col("self_s_repeats")
    width = repeats.list.max() - repeats.list.min()
    enough = (repeats.list.len() > 1) & (repeats.list.median() > 0)
    return pl.when(enough).then(width / repeats.list.median()).otherwise(None)


def _ranked(frame: pl.DataFrame, sort: SortKey) -> pl.DataFrame:
    first, second = ("cum_s", "self_s") if sort == "cumulative" else ("self_s", "cum_s")
    ordered = frame.sort([first, second, "function"], descending=[True, True, False])
    return ordered.with_row_index("rank", offset=1).with_columns(pl.col("rank").cast(pl.Int64))


def hotspots(
    functions: pl.DataFrame, total_s: float, top: int = 20, sort: SortKey = "cumulative"
) -> pl.DataFrame:
    """The `top` functions by cumulative or by self time."""
    return _ranked(_with_shares(functions, total_s), sort).head(top)


def bottlenecks(
    functions: pl.DataFrame, total_s: float, threshold_pct: float = 5.0
) -> pl.DataFrame:
    """Every function whose cumulative share of the run is above `threshold_pct` percent."""
    ranked = _ranked(_with_shares(functions, total_s), "cumulative")
    return ranked.filter(pl.col("cum_share") * 100 > threshold_pct)


def function_samples(samples: Samples, top: int = 20) -> pl.DataFrame:
    """Per-function self (leaf Python frame) and inclusive sample counts from py-spy."""
    python = samples.frames.filter(~pl.col("native"))
    total = samples.total or 1
    return (
        sample_counts(python, "key", own=pl.col("python_leaf"))
        .rename({"key": "function"})
        .with_columns(
            (pl.col("self_samples") / total).alias("self_share"),
            (pl.col("inclusive_samples") / total).alias("inclusive_share"),
        )
        .sort(["self_samples", "inclusive_samples", "function"], descending=[True, True, False])
        .head(top)
        .select("function", "self_samples", "self_share", "inclusive_samples", "inclusive_share")
    )
