"""Projection to a named size: exact laws project exactly, intervals match the textbook
formula, and refusals say why."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scale_tables import lognormal_noise, power, table
from scipy import stats

from rbprofile.errors import RbprofileError
from rbprofile.scale.fit import TOTAL_KEY, fit_scaling
from rbprofile.scale.project import (
    Projection,
    ProjectionRules,
    ProjectionStatus,
    extrapolation,
    project,
)

SIZES = {"n": [1000.0, 2000.0, 4000.0, 8000.0]}


def _row(projection: Projection, key: str, measure: str = "self_s") -> dict:
    rows = projection.table.filter((pl.col("key") == key) & (pl.col("measure") == measure))
    assert rows.height == 1
    return rows.row(0, named=True)


def test_an_exact_power_law_projects_exactly() -> None:
    fits = fit_scaling(table({"sq": power(3e-9, 2.0), "lin": power(1e-6, 1.0)}, SIZES))
    projection = project(fits, {"n": 20000})
    sq, lin, total = _row(projection, "sq"), _row(projection, "lin"), _row(projection, TOTAL_KEY)
    assert sq["predicted_s"] == pytest.approx(1.2, rel=1e-9)
    assert (sq["pi_low_s"], sq["pi_high_s"]) == pytest.approx((1.2, 1.2), rel=1e-9)
    assert lin["predicted_s"] == pytest.approx(0.02, rel=1e-9)
    assert total["predicted_s"] == pytest.approx(1.22, rel=1e-9)
    assert sq["share"] == pytest.approx(1.2 / 1.22, rel=1e-9)
    assert lin["share"] == pytest.approx(0.02 / 1.22, rel=1e-9)
    assert (sq["above"], lin["above"], sq["uncertain"]) == (True, False, False)
    assert projection.above("self_s") == ["sq"]
    assert projection.message is None
    assert projection.distance == {"n": pytest.approx(math.log(2.5) / math.log(8.0))}
    assert projection.table["status"].unique().to_list() == [ProjectionStatus.ok]


def test_the_prediction_interval_is_the_textbook_one() -> None:
    frame = table({"f": power(2e-6, 1.3)}, SIZES, repeats=4, noise=lognormal_noise(3, 0.1, ("f",)))
    projection = project(fit_scaling(frame), {"n": 16000})
    x, y = np.log(frame["n"].to_numpy()), np.log(frame["self_s"].to_numpy())
    ref = stats.linregress(x, y)
    n = len(x)
    s = math.sqrt(float(np.sum((y - ref.intercept - ref.slope * x) ** 2)) / (n - 2))
    x0 = math.log(16000.0)
    spread = s * math.sqrt(1 + 1 / n + (x0 - x.mean()) ** 2 / float(np.sum((x - x.mean()) ** 2)))
    centre, half = ref.intercept + ref.slope * x0, stats.t.ppf(0.975, n - 2) * spread
    row = _row(projection, "f")
    assert row["predicted_s"] == pytest.approx(math.exp(centre), rel=1e-9)
    assert row["pi_low_s"] == pytest.approx(math.exp(centre - half), rel=1e-9)
    assert row["pi_high_s"] == pytest.approx(math.exp(centre + half), rel=1e-9)
    assert row["status"] == ProjectionStatus.ok


@pytest.mark.parametrize(
    ("value", "low", "high", "expected"),
    [(3000, 1000, 8000, 0.0), (1600, 25, 100, 2.0), (125, 1000, 8000, 1.0), (5, 2, 2, math.inf)],
)
def test_extrapolation_counts_measured_ranges_in_log_terms(
    value: float, low: float, high: float, expected: float
) -> None:
    assert extrapolation(value, low, high) == pytest.approx(expected)


def test_a_target_too_far_out_is_refused_for_every_function() -> None:
    fits = fit_scaling(table({"sq": power(3e-9, 2.0)}, SIZES))
    projection = project(fits, {"n": 8000 * 8**5})
    assert projection.distance["n"] == pytest.approx(5.0)
    assert set(projection.table["status"]) == {ProjectionStatus.too_far}
    assert (
        _row(projection, "sq")["reason"] == "n is 5.0 measured ranges outside 1000..8000 (limit 4)"
    )
    assert projection.table["predicted_s"].null_count() == projection.table.height
    assert projection.message == (
        "Refused 3 of 3 projections to n=2.62144e+08 (too far: 3); the run total is refused "
        "(too far), so no shares; measure sizes closer to the target, or more repeats, to "
        "narrow the fits."
    )
    assert project(fits, {"n": 8000 * 8**4}).message is None  # 4 ranges out is allowed


def test_a_wide_interval_is_refused_as_too_uncertain() -> None:
    frame = table({"f": power(1e-6, 1.0)}, SIZES, repeats=3, noise=lognormal_noise(5, 0.1, ("f",)))
    projection = project(fit_scaling(frame), {"n": 16000}, ProjectionRules(max_interval_ratio=1.01))
    row = _row(projection, "f")
    assert row["status"] == ProjectionStatus.too_uncertain
    assert row["reason"].startswith("interval spans a factor of ")
    assert row["reason"].endswith("(limit 1.01)")
    assert row["predicted_s"] is None


def test_a_poorly_fitted_small_function_is_refused_and_the_total_still_projects() -> None:
    jumpy = {1000.0: 1e-6, 2000.0: 1e-5, 4000.0: 1e-6, 8000.0: 1e-5}
    laws = {"main": power(1e-4, 1.0), "jumpy": lambda p: (jumpy[p["n"]],) * 2 + (1,)}
    projection = project(fit_scaling(table(laws, SIZES), min_share=0.0), {"n": 16000})
    assert _row(projection, "jumpy")["status"] == ProjectionStatus.fit_unusable
    assert _row(projection, "jumpy")["reason"] == "fit status: poor fit"
    total = _row(projection, TOTAL_KEY)
    assert total["status"] == ProjectionStatus.ok
    assert total["predicted_s"] == pytest.approx(1.6, rel=1e-3)
    assert _row(projection, "main")["share"] == pytest.approx(1.0, rel=1e-3)
    assert projection.message is not None
    assert projection.message.startswith("Refused 2 of 5 projections to n=16000 (fit unusable: 2)")


def test_a_part_without_a_time_law_is_held_at_its_measured_time() -> None:
    laws = {"main": power(1e-4, 1.0), "idle": lambda p: (0.0, 1e-5 * p["n"], 1)}
    projection = project(fit_scaling(table(laws, SIZES), min_share=0.0), {"n": 16000})
    total = _row(projection, TOTAL_KEY)
    assert total["predicted_s"] == pytest.approx(1.6, rel=1e-9)
    assert total["reason"] == "sum of 2 parts, 1 held at their measured time"
    assert _row(projection, "idle", "cum_s")["predicted_s"] == pytest.approx(0.16, rel=1e-9)


def test_a_share_interval_crossing_the_threshold_is_uncertain() -> None:
    laws = {"main": power(0.95e-4, 1.0), "edge": power(0.05e-4, 1.0)}
    frame = table(laws, SIZES, repeats=3, noise=lognormal_noise(11, 0.15, ("edge",)))
    projection = project(fit_scaling(frame), {"n": 16000})
    edge, main = _row(projection, "edge"), _row(projection, "main")
    assert edge["share_low"] < 0.05 < edge["share_high"]
    assert edge["uncertain"] is True
    assert (main["above"], main["uncertain"]) == (True, False)


@pytest.mark.parametrize("at", [{}, {"m": 10}, {"n": 10, "m": 10}, {"n": -5}, {"n": 0}])
def test_a_bad_target_is_a_one_line_error(at: dict[str, float]) -> None:
    fits = fit_scaling(table({"sq": power(3e-9, 2.0)}, SIZES))
    with pytest.raises(
        RbprofileError, match=r"--at needs a positive size for every variable \(n=N\)"
    ):
        project(fits, at)
