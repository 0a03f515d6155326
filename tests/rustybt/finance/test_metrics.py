"""Return statistics with known answers, and the metric hook driver."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from rustybt.finance.metrics import MetricsTracker, default_metrics, stats

R = [0.01, -0.02, 0.03, -0.01]


def test_cumulative_returns() -> None:
    np.testing.assert_allclose(
        stats.cumulative_returns(R),
        [0.01, 1.01 * 0.98 - 1, 1.01 * 0.98 * 1.03 - 1, 1.01 * 0.98 * 1.03 * 0.99 - 1],
        rtol=1e-15,
    )


def test_volatility_sharpe_sortino_by_hand() -> None:
    mean = 0.0025
    var = ((0.0075**2) + (0.0225**2) + (0.0275**2) + (0.0125**2)) / 3
    assert stats.annual_volatility(R) == pytest.approx(math.sqrt(var) * math.sqrt(252), rel=1e-12)
    assert stats.sharpe_ratio(R) == pytest.approx(mean / math.sqrt(var) * math.sqrt(252), rel=1e-12)
    downside = math.sqrt((0.02**2 + 0.01**2) / 4) * math.sqrt(252)
    assert stats.sortino_ratio(R) == pytest.approx(mean * 252 / downside, rel=1e-12)


def test_max_drawdown() -> None:
    # value path 1, 1.1, 0.88, 0.968, 0.7744: worst fall 1.1 -> 0.7744 = -29.6%
    assert stats.max_drawdown([0.1, -0.2, 0.1, -0.2]) == pytest.approx(-0.296, rel=1e-12)
    assert stats.max_drawdown([0.1, -0.2, 0.5]) == pytest.approx(-0.2, rel=1e-12)
    assert stats.max_drawdown([0.01, 0.02]) == 0.0
    assert stats.max_drawdown([-0.5]) == pytest.approx(-0.5)


def test_undefined_statistics_are_nan() -> None:
    assert math.isnan(stats.sharpe_ratio([0.01]))
    assert math.isnan(stats.sharpe_ratio([0.01, 0.01]))
    assert math.isnan(stats.sortino_ratio([0.01, 0.02]))
    assert math.isnan(stats.annual_volatility([]))


class _Ledger:
    """Just enough ledger for the hooks: a portfolio value path."""

    def __init__(self) -> None:
        from rustybt.numeric import numeric_mode

        self.numeric = numeric_mode("float")
        self.cash = 100.0
        self.positions: dict[int, Any] = {}
        self.positions_value = 0.0

    @property
    def portfolio_value(self) -> float:
        return self.cash + self.positions_value


class _Counter:
    def __init__(self) -> None:
        self.bars = 0

    def end_of_bar(self, ledger: Any, dt: pd.Timestamp) -> None:
        self.bars += 1


def test_tracker_calls_only_defined_hooks_and_fills_rows() -> None:
    counter = _Counter()
    tracker = MetricsTracker([*default_metrics(), counter])
    assert tracker.wants_bars
    ledger = _Ledger()
    rows = []
    for day, value in enumerate([110.0, 99.0]):
        session = pd.Timestamp("2026-10-26", tz="UTC") + pd.Timedelta(days=day)
        tracker.start_of_session(ledger, session)  # type: ignore[arg-type]
        tracker.end_of_bar(ledger, session)  # type: ignore[arg-type]
        ledger.cash = value
        packet: dict[str, Any] = {"session": session}
        tracker.end_of_session(packet, ledger, session)  # type: ignore[arg-type]
        rows.append(packet)
    assert counter.bars == 2
    assert [r["returns"] for r in rows] == [pytest.approx(0.1), pytest.approx(-0.1)]
    assert rows[1]["cumulative_returns"] == pytest.approx(-0.01)
    assert rows[1]["drawdown"] == pytest.approx(-0.1)
    summary = tracker.end_of_simulation()
    assert summary["total_return"] == pytest.approx(-0.01)
    assert summary["max_drawdown"] == pytest.approx(-0.1)
    assert summary["final_portfolio_value"] == 99.0
