"""Power-law growth of every function that matters: exponent, 95% interval, fit quality.

    fit_scaling(measurements, variables=None, *, min_share=0.01, top=None,
                max_rse=MAX_RSE, min_excess=MIN_EXCESS, level=0.95) -> ScalingFits
    ScalingFits.table   FIT_SCHEMA, one row per (key, measure, variable)
    ScalingFits.models  (key, measure) -> PowerLaw, for `project` (rbprofile.scale.project)

For each selected function and each measure y in (self_s, cum_s, ncalls) it fits
log y = a + sum_i b_i log x_i by least squares over every run (each (size point, repeat) is
one observation, so repeats narrow the interval and their spread shows in it). With one size
variable that is a 1-D power law; with several, a multi-variable one (a full grid uses all its
points; every variable needs two distinct values). Two summed pseudo-functions are fitted too
(self_s and ncalls only): `TOTAL_KEY`, the run's total (the sum of all self times, pstats'
total), whose exponent is the run's effective growth over the measured range; and
`OTHER_KEY`, the self time of every function not selected, so that the selected functions
plus OTHER_KEY partition the run (`project` sums them to predict the total); OTHER_KEY is
left out when every function was selected.

Selection: a function is fitted when its self or inclusive time reaches `min_share` of the
run's total at the largest measured size point (median over repeats); `top` then keeps only
the N largest of those. `value_largest` / `share_largest` are that median value (s or calls)
and share of the run (time measures only).

Zeros: log 0 is undefined, so observations with a zero (or missing) value are left out of
that measure's fit and counted in `n_zero`. A zero time means the function was not called at
that size or ran below the clock's resolution; status `zero time` when every value is zero.

Status: `ok`; `too few points` (fewer positive observations than parameters + 1, or a
variable with one distinct value among them: no interval can be formed, exponent left null);
`poor fit` (residual standard error in log space above `max_rse`: the values are given but
the curve is not a power law over the range, or the runs are too noisy); `zero time`.
`superlinear`: the interval's lower bound is above 1 (by more than rounding noise) and the
exponent is at least 1 + `min_excess` (0.1): significant and large enough to matter, as
`compare` asks a change to be both. Without the second rule a call count growing as n^1.02
(a warm-up window: calls ~ n - 30) would be flagged; `min_excess=0` gives the bare rule.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from rbprofile.scale.measurements import (
    MEASURES,
    TIME_MEASURES,
    complete_runs,
    validate_measurements,
)
from rbprofile.scale.regression import PowerLaw, fit_log_linear

TOTAL_KEY = "(run total)"
OTHER_KEY = "(other functions)"
SPECIAL_KEYS = (TOTAL_KEY, OTHER_KEY)
MAX_RSE = 0.3  # log-space residual SD above this (about +-35% scatter) is a poor fit
SUPERLINEAR_MARGIN = 1e-9  # rounding: an exact x^1 fit may give 1.0000000001, x^1.1 1.0999999999
MIN_EXCESS = 0.1  # superlinear also needs an exponent at least this far above 1


def measures_of(key: str) -> tuple[str, ...]:
    """What is fitted for `key`: a summed pseudo-function has no inclusive time of its own."""
    return ("self_s", "ncalls") if key in SPECIAL_KEYS else MEASURES


class FitStatus(enum.StrEnum):
    ok = "ok"
    too_few_points = "too few points"
    poor_fit = "poor fit"
    zero_time = "zero time"


FIT_SCHEMA = pl.Schema(
    {
        "key": pl.String,
        "measure": pl.String,
        "variable": pl.String,
        "exponent": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
        "stderr": pl.Float64,
        "r2": pl.Float64,
        "rse": pl.Float64,
        "n": pl.Int64,
        "n_zero": pl.Int64,
        "value_largest": pl.Float64,
        "share_largest": pl.Float64,
        "superlinear": pl.Boolean,
        "status": pl.String,
    }
)


@dataclass(frozen=True)
class ScalingFits:
    variables: tuple[str, ...]
    ranges: dict[str, tuple[float, float]]  # measured (min, max) of each size variable
    largest: dict[str, float]  # the size point the shares were taken at
    table: pl.DataFrame  # FIT_SCHEMA
    models: dict[tuple[str, str], PowerLaw]  # laws with status ok or poor fit
    level: float
    min_excess: float  # superlinear needs an exponent of at least 1 + this

    @property
    def keys(self) -> list[str]:
        """Every fitted key, TOTAL_KEY and OTHER_KEY first."""
        return self.table["key"].unique(maintain_order=True).to_list()

    def row(self, key: str, measure: str) -> dict[str, object]:
        """The first FIT_SCHEMA row of (key, measure); KeyError if it was not fitted."""
        rows = self.table.filter((pl.col("key") == key) & (pl.col("measure") == measure))
        if not rows.height:
            raise KeyError((key, measure))
        return rows.row(0, named=True)

    def status(self, key: str, measure: str) -> FitStatus:
        return FitStatus(str(self.row(key, measure)["status"]))


def _runs(frame: pl.DataFrame, variables: Sequence[str], key: str) -> pl.DataFrame:
    """One row per run under `key`: the run's summed self time (also as cum_s) and calls."""
    sums = frame.group_by([*variables, "repeat"]).agg(
        pl.lit(key).alias("key"),
        pl.col("self_s").sum(),
        pl.col("self_s").sum().alias("cum_s"),
        pl.col("ncalls").sum(),
    )
    return sums.select(frame.columns)


def _other(frame: pl.DataFrame, variables: Sequence[str], keys: Sequence[str]) -> pl.DataFrame:
    """OTHER_KEY per run: the self time and calls of every function not in `keys`."""
    rest = frame.with_columns(
        pl.when(pl.col("key").is_in(keys)).then(0).otherwise(pl.col(m)).alias(m) for m in MEASURES
    )
    return _runs(rest, variables, OTHER_KEY)


def _largest_point(frame: pl.DataFrame, variables: Sequence[str]) -> dict[str, float]:
    points = frame.select(variables).unique()
    log_size = pl.sum_horizontal(pl.col(v).log() for v in variables)
    return points.sort(log_size, *variables).row(-1, named=True)


def _at_largest(frame: pl.DataFrame, point: dict[str, float]) -> pl.DataFrame:
    """key, then the median over the repeats at `point` of each measure and of its share."""
    at = frame.filter(pl.all_horizontal(pl.col(v) == x for v, x in point.items()))
    total = pl.col("self_s").filter(pl.col("key") == TOTAL_KEY).first().over("repeat")
    shares = [(pl.col(m) / total).alias(f"{m}_share") for m in TIME_MEASURES]
    medians = pl.exclude("key", "repeat", *point).median()
    return at.with_columns(*shares).group_by("key").agg(medians)


def _selected(largest: pl.DataFrame, min_share: float, top: int | None) -> list[str]:
    biggest = pl.max_horizontal(f"{m}_share" for m in TIME_MEASURES)
    chosen = largest.filter((biggest >= min_share) & ~pl.col("key").is_in(SPECIAL_KEYS))
    chosen = chosen.sort(biggest, "key", descending=[True, False])
    return chosen.head(top)["key"].to_list() if top is not None else chosen["key"].to_list()


def _law_status(law: PowerLaw | None, n_positive: int, max_rse: float) -> FitStatus:
    if n_positive == 0:
        return FitStatus.zero_time
    if law is None:
        return FitStatus.too_few_points
    return FitStatus.poor_fit if law.rse > max_rse else FitStatus.ok


@dataclass(frozen=True)
class _Context:
    variables: tuple[str, ...]
    max_rse: float
    min_excess: float
    level: float

    def superlinear(self, exponent: float, low: float) -> bool:
        large = exponent >= 1.0 + self.min_excess - SUPERLINEAR_MARGIN
        return bool(low > 1.0 + SUPERLINEAR_MARGIN and large)


def _fit_one(
    runs: pl.DataFrame, measure: str, largest: dict[str, object], ctx: _Context
) -> tuple[PowerLaw | None, list[dict[str, object]]]:
    """The law (or None) and the FIT_SCHEMA rows, one per variable."""
    positive = runs.filter(pl.col(measure) > 0)
    log_x = np.log(positive.select(ctx.variables).to_numpy().astype(float))
    log_y = np.log(positive[measure].to_numpy().astype(float))
    law = fit_log_linear(log_x, log_y) if positive.height else None
    common = {
        "key": runs["key"][0],
        "measure": measure,
        "n": positive.height,
        "n_zero": runs.height - positive.height,
        "value_largest": largest[measure],
        "share_largest": largest.get(f"{measure}_share"),
        "superlinear": False,
        "status": _law_status(law, positive.height, ctx.max_rse),
    }
    if law is None:
        return None, [{**common, "variable": v} for v in ctx.variables]
    common |= {"r2": law.r2, "rse": law.rse}
    low, high = law.interval(ctx.level)
    exponents = zip(ctx.variables, law.exponents, low, high, law.stderr, strict=True)
    return law, [
        {**common, "variable": v, "exponent": b, "ci_low": lo, "ci_high": hi, "stderr": se,
         "superlinear": ctx.superlinear(b, lo)}
        for v, b, lo, hi, se in exponents
    ]  # fmt: skip


@dataclass(frozen=True)
class _Measured:
    frame: pl.DataFrame  # every run complete, plus TOTAL_KEY rows
    variables: tuple[str, ...]
    largest: dict[str, float]

    def ranges(self) -> dict[str, tuple[float, float]]:
        low = self.frame.select(pl.col(self.variables).min()).row(0)
        high = self.frame.select(pl.col(self.variables).max()).row(0)
        return dict(zip(self.variables, zip(low, high, strict=True), strict=True))


def _measured(measurements: pl.DataFrame, variables: Sequence[str] | None) -> _Measured:
    checked, names = validate_measurements(measurements, variables)
    frame = complete_runs(checked, names)
    frame = pl.concat([_runs(frame, names, TOTAL_KEY), frame])
    return _Measured(frame, names, _largest_point(frame, names))


def fit_scaling(
    measurements: pl.DataFrame,
    variables: Sequence[str] | None = None,
    *,
    min_share: float = 0.01,
    top: int | None = None,
    max_rse: float = MAX_RSE,
    min_excess: float = MIN_EXCESS,
    level: float = 0.95,
) -> ScalingFits:
    """Fit every function that matters in `measurements` (see the module docstring)."""
    m = _measured(measurements, variables)
    keys = _selected(_at_largest(m.frame, m.largest), min_share, top)
    other = _other(m.frame, m.variables, [*keys, TOTAL_KEY])
    left_over = other.filter(pl.col("self_s") > 0).height > 0
    specials = [TOTAL_KEY, OTHER_KEY] if left_over else [TOTAL_KEY]
    frame = pl.concat([m.frame, other])
    largest = {row["key"]: row for row in _at_largest(frame, m.largest).iter_rows(named=True)}
    by_key = frame.partition_by("key", as_dict=True)
    ctx = _Context(m.variables, max_rse, min_excess, level)
    rows: list[dict[str, object]] = []
    models: dict[tuple[str, str], PowerLaw] = {}
    for key in [*specials, *keys]:
        for measure in measures_of(key):
            law, fitted = _fit_one(by_key[(key,)], measure, largest[key], ctx)
            rows.extend(fitted)
            if law is not None:
                models[(key, measure)] = law
    table = pl.DataFrame(rows, schema=FIT_SCHEMA)
    return ScalingFits(m.variables, m.ranges(), m.largest, table, models, level, min_excess)
