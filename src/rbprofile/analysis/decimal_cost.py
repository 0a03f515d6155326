"""Decimal arithmetic, measured: operator arithmetic on `Decimal` is charged to the calling
Python line, so names cannot find it. Three kinds of evidence (EVIDENCE_SCHEMA rows,
category "Decimal arithmetic"):

    decimal_vs_float(decimal_fns, float_fns, float_label) -> pl.DataFrame
        the same scenario run in both numeric modes: each function's self time difference
        (decimal - float, floored at 0) is its Decimal cost; share = cost / decimal self.
        A function absent from the float run costs all its self time. The float times are
        first scaled by the runs' machine drift: the median decimal/float self-time ratio
        over functions with >= 1 ms in both runs (when there are at least 3), so a run that
        was merely slower overall (a busy machine) does not look like Decimal cost. A cost
        under NOISE_FLOOR_S (1 ms) of a function the float run also has is not counted: at
        tens of microseconds, run-to-run jitter is as large as the difference.
    decimal_native(samples) -> pl.DataFrame
        py-spy --native: share of a function's own samples with `_decimal`/libmpdec frames
        below it (`nm_mpd_qmul (.../_decimal/_decimal.c:4193)`).
    decimal_methods(functions) -> pl.DataFrame
        cProfile entries of the decimal module itself (`<method 'quantize' of
        'decimal.Decimal' objects>`): share 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from rbprofile.analysis.evidence import (
    DECIMAL_METHOD,
    DECIMAL_NATIVE,
    DECIMAL_VS_FLOAT,
    EVIDENCE_SCHEMA,
    evidence_frame,
    own_samples,
)
from rbprofile.analysis.rules import DECIMAL

if TYPE_CHECKING:
    from rbprofile.analysis.pyspy_source import Samples

DECIMAL_MODULES = ("decimal", "_decimal", "_pydecimal")
DRIFT_MIN_S = 1e-3  # functions this slow in both runs calibrate the machine drift
DRIFT_MIN_FUNCTIONS = 3
NOISE_FLOOR_S = 1e-3  # a smaller decimal - float difference is indistinguishable from jitter


def _is_decimal_module(module: pl.Expr) -> pl.Expr:
    return module.str.split(".").list.first().is_in(DECIMAL_MODULES)


def machine_drift(joined: pl.DataFrame) -> float:
    """Median decimal/float self-time ratio of functions slow enough in both runs (else 1)."""
    both = joined.filter((pl.col("self_s") >= DRIFT_MIN_S) & (pl.col("float_s") >= DRIFT_MIN_S))
    if both.height < DRIFT_MIN_FUNCTIONS:
        return 1.0
    ratio = both.select((pl.col("self_s") / pl.col("float_s")).median()).item()
    return float(ratio)


def decimal_vs_float(
    decimal_fns: pl.DataFrame, float_fns: pl.DataFrame, float_label: str
) -> pl.DataFrame:
    """Per function with self time: (decimal self - drift x float self) / decimal self."""
    floats = float_fns.group_by("key").agg(pl.col("self_s").sum().alias("float_s"))
    joined = (
        decimal_fns.filter(pl.col("self_s") > 0)
        .group_by("key")
        .agg(pl.col("self_s").sum())
        .join(floats, on="key", how="left")
        .with_columns(
            pl.col("float_s").is_not_null().alias("in_float"), pl.col("float_s").fill_null(0.0)
        )
        .sort("key")
    )
    drift = machine_drift(joined)
    raw_cost = (pl.col("self_s") - drift * pl.col("float_s")).clip(lower_bound=0)
    noise = pl.col("in_float") & (raw_cost < NOISE_FLOOR_S)
    costs = joined.with_columns(
        raw_cost.alias("raw_s"), pl.when(noise).then(0.0).otherwise(raw_cost).alias("cost_s")
    )
    rows = [
        {
            "key": r["key"],
            "category": DECIMAL,
            "kind": DECIMAL_VS_FLOAT,
            "share": r["cost_s"] / r["self_s"],
            "detail": (
                f"self {r['self_s']:.4f} s decimal vs {r['float_s']:.4f} s float "
                f"({float_label}, x{drift:.2f} machine drift): Decimal cost {r['cost_s']:.4f} s"
                + (
                    f" ({r['raw_s'] * 1e3:.2f} ms difference is under the "
                    f"{NOISE_FLOOR_S * 1e3:g} ms noise floor)"
                    if 0 < r["raw_s"] < NOISE_FLOOR_S and r["cost_s"] == 0
                    else ""
                )
            ),
        }
        for r in costs.iter_rows(named=True)
    ]
    return evidence_frame(rows)


def decimal_native(samples: Samples) -> pl.DataFrame:
    """Per function: own samples with a decimal native frame below / own samples."""
    in_decimal = pl.col("below").list.eval(_is_decimal_module(pl.element())).list.any()
    counts = (
        own_samples(samples)
        .group_by("key")
        .agg(pl.col("count").sum().alias("own"), pl.col("count").filter(in_decimal).sum())
        .filter(pl.col("count") > 0)
        .sort("key")
    )
    return counts.select(
        "key",
        pl.lit(DECIMAL).alias("category"),
        pl.lit(DECIMAL_NATIVE).alias("kind"),
        (pl.col("count") / pl.col("own")).alias("share"),
        pl.format("{}/{} own samples in _decimal/libmpdec", "count", "own").alias("detail"),
    ).cast(dict(EVIDENCE_SCHEMA))  # type: ignore[arg-type]


def decimal_methods(functions: pl.DataFrame) -> pl.DataFrame:
    """cProfile entries that are the decimal module's own functions and methods."""
    hits = functions.filter(_is_decimal_module(pl.col("module")))
    return (
        hits.select(
            "key",
            pl.lit(DECIMAL).alias("category"),
            pl.lit(DECIMAL_METHOD).alias("kind"),
            pl.lit(1.0).alias("share"),
            pl.format("{} in module {}", pl.col("qualname"), pl.col("module")).alias("detail"),
        )
        .unique("key", keep="first", maintain_order=True)
        .cast(dict(EVIDENCE_SCHEMA))  # type: ignore[arg-type]
    )


EMPTY_EVIDENCE = pl.DataFrame(schema=EVIDENCE_SCHEMA)
