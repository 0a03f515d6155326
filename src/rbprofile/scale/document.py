"""`scaling_document(fits, projection=None) -> Document`: the tables `rbprofile scale` renders.

Tables: `exponents` (one row per function, measure and size variable, with the 95%
interval, fit quality and the measured value at the largest size, with its unit) and, when a
projection is given, `projection` (predicted time with its 95% prediction interval, share of
the run, and the refusals with their reasons). `Document.meta` holds the measured ranges, the
size point the shares were taken at and the projection target, for `--format json`.
"""

from __future__ import annotations

import math

import polars as pl

from rbprofile.render import Document, Table
from rbprofile.scale.fit import SPECIAL_KEYS, ScalingFits
from rbprofile.scale.project import Projection

EXPONENTS = "exponents"
PROJECTION = "projection"

_EXPONENT_FORMATS = {
    "exponent": "{:.3f}",
    "ci95_low": "{:.3f}",
    "ci95_high": "{:.3f}",
    "r2": "{:.3f}",
    "rse_log": "{:.3f}",
    "at_largest": "{:.4g}",
    "share_largest": "{:.1%}",
}
_PROJECTION_FORMATS = {
    "predicted_s": "{:.4g}",
    "pi95_low_s": "{:.4g}",
    "pi95_high_s": "{:.4g}",
    "share": "{:.1%}",
    "share95_low": "{:.1%}",
    "share95_high": "{:.1%}",
}
_UNITS = pl.when(pl.col("measure") == "ncalls").then(pl.lit("calls")).otherwise(pl.lit("s"))


def _sizes(point: dict[str, float]) -> str:
    return ", ".join(f"{v}={x:g}" for v, x in point.items())


def _ranges(fits: ScalingFits) -> str:
    return ", ".join(f"{v} {low:g}..{high:g}" for v, (low, high) in fits.ranges.items())


def exponents_table(fits: ScalingFits) -> Table:
    frame = fits.table.select(
        pl.col("key").alias("function"),
        "measure",
        "variable",
        "exponent",
        pl.col("ci_low").alias("ci95_low"),
        pl.col("ci_high").alias("ci95_high"),
        "superlinear",
        "r2",
        pl.col("rse").alias("rse_log"),
        "n",
        pl.col("value_largest").alias("at_largest"),
        _UNITS.alias("unit"),
        "share_largest",
        "status",
    )
    notes = (
        f"Fitted log y = a + sum b_i log(size_i) over every run ({_ranges(fits)}); exponent = "
        "b_i, ci95 = its 95% interval (t, residual dof), superlinear = ci95_low above 1 and "
        f"exponent at least {1 + fits.min_excess:g}. "
        "r2 and rse_log (residual SD of log y) are the fit's quality; n = runs fitted (runs "
        "with a zero value are left out).",
        f"at_largest / share_largest: median over repeats at {_sizes(fits.largest)} (unit: s "
        f"of self or inclusive time, or calls). {' and '.join(SPECIAL_KEYS)} are the whole run "
        "and the functions not listed.",
        "status: ok; too few points (no interval possible: add sizes or repeats); poor fit "
        "(rse_log too large: not a power law here, or too noisy); zero time.",
    )
    title = "Growth exponents (power laws, 95% intervals)"
    return Table(EXPONENTS, title, frame, notes, _EXPONENT_FORMATS)


def projection_table(projection: Projection) -> Table:
    rules = projection.rules
    above = f"above_{rules.threshold:.0%}".replace("%", "pct")
    frame = projection.table.select(
        pl.col("key").alias("function"),
        "measure",
        "predicted_s",
        pl.col("pi_low_s").alias("pi95_low_s"),
        pl.col("pi_high_s").alias("pi95_high_s"),
        "share",
        pl.col("share_low").alias("share95_low"),
        pl.col("share_high").alias("share95_high"),
        pl.col("above").alias(above),
        "uncertain",
        "status",
        "reason",
    )
    notes = (
        "predicted_s: the median prediction (s); pi95: its 95% prediction interval, from the "
        "fit's covariance at the target in log space. The run total is the sum of the "
        "projected parts; share = predicted / total, uncertain = share95 crosses "
        f"{rules.threshold:.0%}.",
        f"Refused: fit unusable (fit status not ok), too far (more than "
        f"{rules.max_extrapolation:g} measured ranges outside the sizes, in log terms), too "
        f"uncertain (interval wider than a factor of {rules.max_interval_ratio:g}).",
    )
    title = f"Projection to {_sizes(projection.at)}"
    return Table(PROJECTION, title, frame, notes, _PROJECTION_FORMATS)


def table_names(projected: bool) -> tuple[str, ...]:
    """The tables `scaling_document` returns, known before the grid runs."""
    return (EXPONENTS, PROJECTION) if projected else (EXPONENTS,)


def scaling_document(fits: ScalingFits, projection: Projection | None = None) -> Document:
    tables = [exponents_table(fits)]
    meta: dict[str, object] = {
        "variables": list(fits.variables),
        "ranges": {v: list(r) for v, r in fits.ranges.items()},
        "largest": fits.largest,
        "level": fits.level,
    }
    notes: tuple[str, ...] = ()
    if projection is not None:
        tables.append(projection_table(projection))
        distance = {v: d if math.isfinite(d) else None for v, d in projection.distance.items()}
        meta |= {"at": projection.at, "distance": distance}
        notes = (projection.message,) if projection.message else ()
    return Document("Scaling", tuple(tables), notes, meta=meta)
