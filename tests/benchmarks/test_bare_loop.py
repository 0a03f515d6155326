"""The bare loop is the same strategy and fill model as rustybt: its book ends where rustybt's
float mode does, fill for fill."""

from __future__ import annotations

from pathlib import Path

import bare_loop
import numpy as np
import pytest

from rbprofile.scenarios import SCENARIOS
from rustybt.indicators import zscore as rustybt_zscore
from rustybt.numeric import whole_shares as rustybt_whole_shares
from rustybt.run import load_algorithm_file, run_algorithm


def rustybt_float(bundle: str, root: Path, scenario: str) -> tuple[float, int]:
    namespace = load_algorithm_file(SCENARIOS[scenario].strategy_file)
    result = run_algorithm(bundle=bundle, namespace=namespace, numeric="float", bundle_root=root)
    return float(result.summary["final_portfolio_value"]), int(result.summary["transactions"])


def test_sma_matches_rustybt_float_exactly(
    peer_bundles: Path, peer_exports: dict[str, Path]
) -> None:
    value, fills = rustybt_float("peers-daily", peer_bundles, "daily")
    got = bare_loop.run_backtest("sma", bare_loop.Prices.read(peer_exports["daily"], "daily"))
    assert fills > 10  # the strategy traded: the comparison means something
    assert got.fills == fills
    assert got.final_value == pytest.approx(value, rel=1e-12)


def test_zscore_with_rustybts_zscore_matches_rustybt_float_exactly(
    peer_bundles: Path, peer_exports: dict[str, Path]
) -> None:
    value, fills = rustybt_float("peers-minute", peer_bundles, "minute")
    prices = bare_loop.Prices.read(peer_exports["minute"], "minute")
    got = bare_loop.run_zscore(prices, z_of=lambda window: float(rustybt_zscore(window)))
    assert fills > 50  # shorts, longs and partial fills (2.5% of a minute's volume)
    assert got.fills == fills
    assert got.final_value == pytest.approx(value, rel=1e-12)


def test_the_python_zscore_agrees_with_rustybts_within_rounding() -> None:
    rng = np.random.default_rng(3)
    windows = np.round(rng.uniform(20, 300, size=(200, 20)), 2)
    for window in windows:
        assert bare_loop.zscore(list(window)) == pytest.approx(rustybt_zscore(window), abs=1e-9)
    flat = [12.5] * 20
    assert np.isnan(bare_loop.zscore(flat)) and np.isnan(rustybt_zscore(np.array(flat)))


@pytest.mark.parametrize("value", [2.99995, 3.00004, -2.99995, 7.4, -7.4, 0.00009, -0.5])
def test_whole_shares_matches_rustybt(value: float) -> None:
    assert bare_loop.whole_shares(value) == rustybt_whole_shares(value)


def test_orders_fill_next_bar_within_the_volume_limit_with_commission_minimum() -> None:
    prices = bare_loop.Prices(open=[[10.0, 20.0, 21.0]], close=[[10.0, 20.0, 21.0]],
                              volume=[[1000, 2000, 100_000]])  # fmt: skip
    book = bare_loop.Book(1)
    book.order_target_percent(0, 0.01, 100_000.0, 10.0)  # 100 shares, placed on bar 0
    book.fill(prices, 1)  # 2.5% of 2000 = 50 shares at 20 + 0.1 * 0.025**2 * 20
    assert book.positions == [50] and book.pending == [50] and book.fills == 1
    assert book.cash == pytest.approx(100_000 - 50 * 20.00125 - 1.0)  # minimum commission
    book.fill(prices, 2)  # the other 50 at bar 2: 100 shares * 0.005 = 0.50 < 1.00 paid: 0 more
    share = 50 / 100_000
    assert book.positions == [100] and book.pending == [0] and book.orders == []
    assert book.cash == pytest.approx(
        100_000 - 50 * 20.00125 - 1.0 - 50 * 21 * (1 + 0.1 * share**2)
    )
