"""Project fitted power laws to a size the user names, or refuse to.

    project(fits, at={"assets": 2000, "sessions": 5000}, rules=None) -> Projection
    Projection.table    PROJECTION_SCHEMA: the run total first, then one row per fitted
                        (function, time measure)
    Projection.above(measure="cum_s") -> keys whose projected share reaches the threshold
    Projection.message  one line saying what was refused and what to do; None if nothing was

Prediction: the fit's covariance carried to the new point gives a `level` prediction interval
on log y there (`rbprofile.scale.regression.PowerLaw.predict`), then exp; the point value is
the median prediction. A sum of power laws is not a power law, so the run total is not taken
from its own fit (that would under-predict the fastest-growing part): it is the sum of the
projected self times of the parts that partition the run, the fitted functions and
`OTHER_KEY` (a part with no usable law, e.g. zero time, is held at its time at the largest
measured size). Its interval sums the parts' bounds (as if the parts moved together: wide,
not narrow). A share is a function's projection over the projected total; its interval is
the function's interval over that total, without the total's own uncertainty. `above` is the
point share at or over the threshold; `uncertain` marks a share interval crossing it.

Refusal (status; the prediction is left null), checked in this order:
    `fit unusable`   the fit's status is not ok (too few points, poor fit, zero time)
    `too far`        the target lies more than `max_extrapolation` measured ranges outside the
                     measured sizes of some variable, in log terms:
                     max(log(x/x_max), log(x_min/x), 0) / log(x_max/x_min); the interval only
                     holds if the power law still holds there, and far out that is a guess
    `too uncertain`  the prediction interval spans more than `max_interval_ratio` (high/low)
The total follows the last two rules; when it is refused no share is given.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from rbprofile.errors import RbprofileError
from rbprofile.scale.fit import TOTAL_KEY, FitStatus, ScalingFits
from rbprofile.scale.measurements import TIME_MEASURES
from rbprofile.scale.regression import Prediction


@dataclass(frozen=True)
class ProjectionRules:
    max_extrapolation: float = 4.0  # measured ranges (log terms) outside the measured sizes
    max_interval_ratio: float = 10.0  # refuse a prediction interval wider than this factor
    threshold: float = 0.05  # share of the run that counts as "above"


class ProjectionStatus(enum.StrEnum):
    ok = "ok"
    fit_unusable = "fit unusable"
    too_far = "too far"
    too_uncertain = "too uncertain"


PROJECTION_SCHEMA = pl.Schema(
    {
        "key": pl.String,
        "measure": pl.String,
        "predicted_s": pl.Float64,
        "pi_low_s": pl.Float64,
        "pi_high_s": pl.Float64,
        "share": pl.Float64,
        "share_low": pl.Float64,
        "share_high": pl.Float64,
        "above": pl.Boolean,
        "uncertain": pl.Boolean,
        "status": pl.String,
        "reason": pl.String,
    }
)


@dataclass(frozen=True)
class Projection:
    at: dict[str, float]
    distance: dict[str, float]  # measured ranges outside the measured sizes, per variable
    rules: ProjectionRules
    table: pl.DataFrame  # PROJECTION_SCHEMA
    message: str | None

    def above(self, measure: str = "cum_s") -> list[str]:
        rows = self.table.filter(
            (pl.col("measure") == measure) & pl.col("above") & (pl.col("key") != TOTAL_KEY)
        )
        return rows["key"].to_list()


def extrapolation(value: float, low: float, high: float) -> float:
    """How many measured ranges (in log terms) `value` lies outside [low, high]; 0 inside."""
    outside = max(math.log(value / high), math.log(low / value), 0.0)
    if outside == 0.0:
        return 0.0
    return outside / math.log(high / low) if high > low else math.inf


@dataclass(frozen=True)
class _Target:
    fits: ScalingFits
    rules: ProjectionRules
    log_at: np.ndarray
    too_far: str  # why the target is too far out; empty when it is not


@dataclass(frozen=True)
class _Outcome:
    status: ProjectionStatus
    reason: str | None = None
    prediction: Prediction | None = None


def _checked_target(fits: ScalingFits, at: Mapping[str, float]) -> dict[str, float]:
    if set(at) != set(fits.variables) or any(not float(x) > 0 for x in at.values()):
        expected = ", ".join(f"{v}=N" for v in fits.variables)
        got = ", ".join(f"{k}={x}" for k, x in at.items()) or "nothing"
        raise RbprofileError(
            f"--at needs a positive size for every variable ({expected}); got {got}."
        )
    return {v: float(at[v]) for v in fits.variables}


def _too_far(fits: ScalingFits, distance: Mapping[str, float], limit: float) -> str:
    return "; ".join(
        f"{v} is {d:.1f} measured ranges outside {fits.ranges[v][0]:g}..{fits.ranges[v][1]:g} "
        f"(limit {limit:g})"
        for v, d in distance.items()
        if d > limit
    )


def _judged(prediction: Prediction, where: _Target, reason: str | None = None) -> _Outcome:
    if where.too_far:
        return _Outcome(ProjectionStatus.too_far, where.too_far)
    ratio = prediction.high / prediction.low if prediction.low > 0 else math.inf
    limit = where.rules.max_interval_ratio
    if ratio > limit:
        why = f"interval spans a factor of {ratio:.3g} (limit {limit:g})"
        return _Outcome(ProjectionStatus.too_uncertain, why)
    return _Outcome(ProjectionStatus.ok, reason, prediction)


def _function(key: str, measure: str, where: _Target) -> _Outcome:
    status = where.fits.status(key, measure)
    law = where.fits.models.get((key, measure))
    if status is not FitStatus.ok or law is None:
        return _Outcome(ProjectionStatus.fit_unusable, f"fit status: {status}")
    return _judged(law.predict(where.log_at, where.fits.level), where)


def _part(key: str, where: _Target) -> Prediction | None:
    """A part's projected self time; None (held at its measured time) without a law."""
    law = where.fits.models.get((key, "self_s"))
    return law.predict(where.log_at, where.fits.level) if law is not None else None


def _total(where: _Target) -> _Outcome:
    parts = [k for k in where.fits.keys if k != TOTAL_KEY]
    total = [0.0, 0.0, 0.0]
    held = 0
    for key in parts:
        p = _part(key, where)
        if p is None:
            held += 1
            measured = where.fits.row(key, "self_s")["value_largest"]
            value = measured if isinstance(measured, float) else 0.0
            p = Prediction(value, value, value)
        total = [total[0] + p.value, total[1] + p.low, total[2] + p.high]
    reason = f"sum of {len(parts)} parts, {held} held at their measured time" if held else None
    return _judged(Prediction(*total), where, reason)


def _row(
    key: str, measure: str, out: _Outcome, total: Prediction | None, threshold: float
) -> dict[str, object]:
    row: dict[str, object] = {
        "key": key,
        "measure": measure,
        "status": out.status,
        "reason": out.reason,
    }
    p = out.prediction
    if p is None:
        return row
    row |= {"predicted_s": p.value, "pi_low_s": p.low, "pi_high_s": p.high}
    if total is None:
        return row
    low, high = p.low / total.value, p.high / total.value
    return row | {
        "share": p.value / total.value,
        "share_low": low,
        "share_high": high,
        "above": p.value / total.value >= threshold,
        "uncertain": low < threshold <= high,
    }


def _message(table: pl.DataFrame, total: _Outcome, at: Mapping[str, float]) -> str | None:
    refused = table.filter(pl.col("status") != ProjectionStatus.ok)
    if not refused.height:
        return None
    kinds = ", ".join(f"{s}: {n}" for s, n in refused["status"].value_counts(sort=True).iter_rows())
    target = ", ".join(f"{v}={x:g}" for v, x in at.items())
    lead = "" if total.prediction else f"the run total is refused ({total.status}), so no shares; "
    return (
        f"Refused {refused.height} of {table.height} projections to {target} ({kinds}); {lead}"
        "measure sizes closer to the target, or more repeats, to narrow the fits."
    )


def project(
    fits: ScalingFits, at: Mapping[str, float], rules: ProjectionRules | None = None
) -> Projection:
    """Every fitted function's time and share at `at` (see the module docstring)."""
    rules = rules or ProjectionRules()
    target = _checked_target(fits, at)
    distance = {v: extrapolation(x, *fits.ranges[v]) for v, x in target.items()}
    log_at = np.log(np.array([target[v] for v in fits.variables]))
    where = _Target(fits, rules, log_at, _too_far(fits, distance, rules.max_extrapolation))
    total = _total(where)
    pairs = fits.table.filter(pl.col("measure").is_in(TIME_MEASURES) & (pl.col("key") != TOTAL_KEY))
    outcomes = {(TOTAL_KEY, "self_s"): total}
    for key, measure in pairs.select("key", "measure").unique(maintain_order=True).iter_rows():
        outcomes[(key, measure)] = _function(key, measure, where)
    rows = [_row(k, m, out, total.prediction, rules.threshold) for (k, m), out in outcomes.items()]
    table = pl.DataFrame(rows, schema=PROJECTION_SCHEMA)
    return Projection(target, distance, rules, table, _message(table, total, target))
