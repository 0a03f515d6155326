"""Power-law fits on hand-built tables with known answers."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scale_tables import lognormal_noise, power, table
from scipy import stats

from rbprofile.scale.fit import (
    MAX_RSE,
    OTHER_KEY,
    TOTAL_KEY,
    FitStatus,
    ScalingFits,
    fit_scaling,
)

SIZES = {"n": [1000.0, 2000.0, 4000.0, 8000.0]}


def _row(fits: ScalingFits, key: str, measure: str = "self_s", variable: str = "n") -> dict:
    rows = fits.table.filter(
        (pl.col("key") == key) & (pl.col("measure") == measure) & (pl.col("variable") == variable)
    )
    assert rows.height == 1
    return rows.row(0, named=True)


def test_an_exact_square_law_has_exponent_two_and_r2_one() -> None:
    fits = fit_scaling(table({"sq": power(3.0, 2.0)}, SIZES))
    row = _row(fits, "sq")
    assert row["exponent"] == pytest.approx(2.0, abs=1e-9)
    assert row["ci_low"] == pytest.approx(2.0, abs=1e-9)
    assert row["ci_high"] == pytest.approx(2.0, abs=1e-9)
    assert (row["r2"], row["rse"], row["n"], row["n_zero"]) == (1.0, 0.0, 4, 0)
    assert row["superlinear"] is True
    assert row["status"] == FitStatus.ok
    assert row["value_largest"] == pytest.approx(3.0 * 8000.0**2)


def test_a_function_called_n_times_has_call_exponent_exactly_one_and_is_not_superlinear() -> None:
    fits = fit_scaling(table({"f": lambda p: (1e-6 * p["n"], 2e-6 * p["n"], int(p["n"]))}, SIZES))
    row = _row(fits, "f", "ncalls")
    assert row["exponent"] == pytest.approx(1.0, abs=1e-12)
    assert row["ci_low"] == pytest.approx(1.0, abs=1e-12)
    assert row["superlinear"] is False
    assert row["share_largest"] is None  # a share is a time measure's


@pytest.mark.parametrize(("min_excess", "flagged"), [(0.1, False), (0.0, True)])
def test_superlinear_needs_an_exponent_clearly_above_one(min_excess: float, flagged: bool) -> None:
    fits = fit_scaling(table({"f": power(1e-6, 1.05)}, SIZES), min_excess=min_excess)
    row = _row(fits, "f")
    assert row["ci_low"] == pytest.approx(1.05, abs=1e-9)  # exact: the interval is above 1
    assert row["superlinear"] is flagged
    assert _row(fit_scaling(table({"f": power(1e-6, 1.1)}, SIZES)), "f")["superlinear"] is True


def test_a_noisy_linear_law_matches_linregress_and_its_interval_covers_one() -> None:
    frame = table({"lin": power(2e-6, 1.0)}, SIZES, repeats=5, noise=lognormal_noise(7, 0.1))
    row = _row(fit_scaling(frame), "lin")
    ref = stats.linregress(np.log(frame["n"].to_numpy()), np.log(frame["self_s"].to_numpy()))
    half = stats.t.ppf(0.975, 20 - 2) * ref.stderr
    assert row["exponent"] == pytest.approx(ref.slope, rel=1e-12)
    assert row["stderr"] == pytest.approx(ref.stderr, rel=1e-9)
    assert row["r2"] == pytest.approx(ref.rvalue**2, rel=1e-9)
    assert row["ci_low"] == pytest.approx(ref.slope - half, rel=1e-9)
    assert row["ci_high"] == pytest.approx(ref.slope + half, rel=1e-9)
    assert row["ci_low"] < 1.0 < row["ci_high"]
    assert row["superlinear"] is False
    assert row["n"] == 20
    assert row["status"] == FitStatus.ok


def test_a_two_variable_grid_recovers_both_exponents() -> None:
    grid = {"assets": [25.0, 50.0, 100.0], "sessions": [250.0, 500.0]}
    laws = {
        "ledger": lambda p: (2e-6 * p["assets"] * p["sessions"] ** 0.5,) * 2 + (1,),
        "history": lambda p: (1e-7 * p["assets"] ** 2,) * 2 + (int(p["sessions"]),),
    }
    fits = fit_scaling(table(laws, grid, repeats=2))
    assert fits.variables == ("assets", "sessions")
    expected = {
        ("ledger", "self_s", "assets"): 1.0,
        ("ledger", "self_s", "sessions"): 0.5,
        ("history", "cum_s", "assets"): 2.0,
        ("history", "cum_s", "sessions"): 0.0,
        ("history", "ncalls", "assets"): 0.0,
        ("history", "ncalls", "sessions"): 1.0,
    }
    for (key, measure, variable), exponent in expected.items():
        row = _row(fits, key, measure, variable)
        assert row["exponent"] == pytest.approx(exponent, abs=1e-9), (key, measure, variable)
        assert row["n"] == 12
    assert fits.largest == {"assets": 100.0, "sessions": 500.0}
    assert fits.ranges == {"assets": (25.0, 100.0), "sessions": (250.0, 500.0)}


def test_two_sizes_and_one_repeat_are_too_few_points() -> None:
    fits = fit_scaling(table({"f": power(1.0, 1.0)}, {"n": [10.0, 20.0]}))
    row = _row(fits, "f")
    assert row["status"] == FitStatus.too_few_points
    assert (row["exponent"], row["ci_low"], row["superlinear"], row["n"]) == (None, None, False, 2)
    assert ("f", "self_s") not in fits.models


def test_variables_moving_together_are_too_few_points() -> None:
    frame = pl.DataFrame(
        {
            "assets": [10.0, 20.0, 40.0, 80.0],
            "sessions": [100.0, 200.0, 400.0, 800.0],
            "repeat": [0] * 4,
            "key": ["f"] * 4,
            "self_s": [1.0, 2.0, 4.0, 8.0],
            "cum_s": [1.0, 2.0, 4.0, 8.0],
            "ncalls": [1] * 4,
        }
    )
    row = _row(fit_scaling(frame), "f", variable="sessions")
    assert row["status"] == FitStatus.too_few_points


def test_zero_time_everywhere_is_a_status_not_a_crash() -> None:
    laws = {"main": power(1.0, 1.0), "idle": lambda p: (0.0, 0.5 * p["n"], 1)}
    fits = fit_scaling(table(laws, SIZES), min_share=0.0)
    assert _row(fits, "idle")["status"] == FitStatus.zero_time
    assert _row(fits, "idle")["n_zero"] == 4
    assert _row(fits, "idle", "cum_s")["exponent"] == pytest.approx(1.0, abs=1e-9)


def test_a_function_missing_from_a_run_counts_as_zero_and_is_left_out() -> None:
    frame = table({"main": power(1.0, 1.0), "late": power(0.5, 2.0)}, SIZES)
    frame = frame.filter(~((pl.col("key") == "late") & (pl.col("n") == 1000.0)))
    fits = fit_scaling(frame)
    row = _row(fits, "late")
    assert (row["n"], row["n_zero"]) == (3, 1)
    assert row["exponent"] == pytest.approx(2.0, abs=1e-9)
    assert _row(fits, "late", "ncalls")["n_zero"] == 1


def test_scatter_beyond_max_rse_is_a_poor_fit_with_its_values_kept() -> None:
    jumpy = {1000.0: 1.0, 2000.0: 10.0, 4000.0: 1.0, 8000.0: 10.0}
    fits = fit_scaling(table({"f": lambda p: (jumpy[p["n"]],) * 2 + (1,)}, SIZES))
    row = _row(fits, "f")
    assert row["rse"] > MAX_RSE
    assert row["status"] == FitStatus.poor_fit
    assert row["exponent"] is not None
    assert ("f", "self_s") in fits.models


def _shares_table() -> pl.DataFrame:
    laws = {
        "big": power(9e-3, 1.0),  # 90% at n = 8000
        "mid": power(9e-4, 1.0),  # 9%
        "tiny": power(1e-4, 1.0),  # 1%
        "dust": power(1e-6, 1.0),  # 0.01%
    }
    return table(laws, SIZES)


def test_functions_under_min_share_go_into_other_functions() -> None:
    fits = fit_scaling(_shares_table(), min_share=0.05)
    assert fits.keys == [TOTAL_KEY, OTHER_KEY, "big", "mid"]
    assert _row(fits, OTHER_KEY)["value_largest"] == pytest.approx((1e-4 + 1e-6) * 8000.0)
    assert _row(fits, TOTAL_KEY)["value_largest"] == pytest.approx(0.010001 * 8000.0)
    assert _row(fits, "big")["share_largest"] == pytest.approx(0.9 / 1.0001, rel=1e-9)
    assert _row(fits, OTHER_KEY)["exponent"] == pytest.approx(1.0, abs=1e-9)


def test_top_keeps_the_largest_functions() -> None:
    fits = fit_scaling(_shares_table(), min_share=0.0, top=1)
    assert fits.keys == [TOTAL_KEY, OTHER_KEY, "big"]


def test_other_functions_are_left_out_when_every_function_is_selected() -> None:
    fits = fit_scaling(_shares_table(), min_share=0.0)
    assert fits.keys == [TOTAL_KEY, "big", "mid", "tiny", "dust"]
    assert fits.table.filter(pl.col("key") == TOTAL_KEY)["measure"].to_list() == [
        "self_s",
        "ncalls",
    ]


def test_the_run_total_of_two_laws_has_an_effective_exponent_between_them() -> None:
    fits = fit_scaling(table({"a": power(1e-3, 1.0), "b": power(1e-9, 2.0)}, SIZES))
    exponent = _row(fits, TOTAL_KEY)["exponent"]
    assert 1.0 < exponent < 2.0
    assert math.isfinite(_row(fits, TOTAL_KEY)["rse"])


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (table({"f": power(1.0, 1.0)}, SIZES).drop("cum_s"), "missing columns"),
        (table({"f": power(1.0, 1.0)}, {"n": [0.0, 1.0, 2.0]}), "must be positive"),
        (pl.concat([table({"f": power(1.0, 1.0)}, SIZES)] * 2), "more than one row"),
        (table({"f": power(1.0, 1.0)}, SIZES).drop("n"), "no size variable"),
    ],
)
def test_bad_tables_are_refused(frame: pl.DataFrame, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fit_scaling(frame)
