"""Indicators with hand-computed answers, on numpy arrays and pandas frames."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rustybt.indicators import ema, returns, rsi, sma, zscore

PRICES = [10.0, 11.0, 12.0, 11.0, 13.0]


def test_sma() -> None:
    assert sma(PRICES, 3) == pytest.approx(12.0)
    frame = pd.DataFrame({"a": PRICES, "b": [1.0, 2.0, 3.0, 4.0, 5.0]})
    np.testing.assert_allclose(sma(frame, 2), [12.0, 4.5])
    assert math.isnan(sma(PRICES, 6))


def test_ema_matches_the_recursion() -> None:
    alpha = 2 / 4
    e = PRICES[0]
    for x in PRICES[1:]:
        e = alpha * x + (1 - alpha) * e
    assert ema(PRICES, 3) == pytest.approx(e, rel=1e-14)
    # 10 -> 10.5 -> 11.25 -> 11.125 -> 12.0625
    assert ema(pd.Series(PRICES), 3) == pytest.approx(12.0625, rel=1e-14)


def test_rsi_wilder() -> None:
    # changes +1 +1 -1 +2; period 2: seed avg gain 1, loss 0; then
    # gain (1*1 + 0)/2 = 0.5, loss (0 + 1)/2 = 0.5; then gain (0.5 + 2)/2 = 1.25, loss 0.25
    assert rsi(PRICES, 2) == pytest.approx(100 - 100 / (1 + 1.25 / 0.25))
    assert rsi([1.0, 2.0, 3.0], 2) == 100.0
    assert rsi([1.0, 1.0, 1.0], 2) == 50.0
    assert math.isnan(rsi(PRICES, 5))


def test_zscore_population_std() -> None:
    mean = sum(PRICES) / 5
    std = math.sqrt(sum((p - mean) ** 2 for p in PRICES) / 5)
    assert zscore(PRICES) == pytest.approx((13.0 - mean) / std, rel=1e-14)
    window = np.array([PRICES, [5.0] * 5]).T  # second asset flat -> NaN
    z = zscore(window, 5)
    assert z[0] == pytest.approx((13.0 - mean) / std) and math.isnan(z[1])
    assert math.isnan(zscore(PRICES, 6))


def test_returns_and_bad_shape() -> None:
    assert returns(PRICES, 4) == pytest.approx(0.3)
    with pytest.raises(ValueError, match="1-D or 2-D"):
        sma(np.zeros((2, 2, 2)), 1)


def test_sma_has_the_bits_of_ndarray_sum() -> None:
    """sma sums with np.add.reduce: bit for bit what ``ndarray.sum(axis=0) / n`` gives (the
    golden results depend on it), on 1-D and 2-D windows of awkward floats."""
    rng = np.random.default_rng(11)
    for shape in ((30, 50), (30,), (7, 3)):
        window = rng.uniform(1.0, 500.0, shape).round(2) + 0.1
        for n in (1, 3, 7):
            want = window[-n:].sum(axis=0) / n
            got = np.asarray(sma(window, n))
            assert got.tobytes() == np.asarray(want).tobytes()
