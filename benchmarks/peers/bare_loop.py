"""The floor of the peer benchmark: the two strategies as a plain Python loop, no engine.

``python benchmarks/peers/bare_loop.py --data DIR --strategy sma|zscore [--rounds N]``
(``sma`` reads ``DIR/daily``, ``zscore`` reads ``DIR/minute``; see ``csv_layout``). Stdlib only.

The bars are read from the CSV files once, before any round; the timed call
(``run_backtest``) is one pass over them as Python lists: the same signals as
``rustybt/examples/sma_crossover.py`` and ``mean_reversion.py`` computed with sums over list
slices, and a float cash/position book that fills like rustybt's defaults: a market order
placed on bar t fills from bar t+1's open, at most 2.5% of a bar's volume per asset (the rest on
later bars), the price moved against the order by 0.1 x volume_share² x open; commission 0.005
per share with 1.00 minimum per order; capital 100,000; shorting and negative cash allowed;
orders count shares still open. Its final value and fills match rustybt's float mode.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import csv_layout
import peer_worker

CAPITAL = 100_000.0
VOLUME_LIMIT = 0.025
PRICE_IMPACT = 0.1
COST_PER_SHARE = 0.005
MIN_TRADE_COST = 1.0
NEAR_INTEGER = 1e-4
FAST, SLOW = 10, 30  # sma_crossover.py
WINDOW, ENTRY_Z = 20, 2.0  # mean_reversion.py
STRATEGY_FREQUENCY = {"sma": "daily", "zscore": "minute"}
SETTINGS = {
    "fill": "next bar's open; at most 2.5% of bar volume; impact 0.1 x share² (as rustybt)",
    "commission": "0.005/share, 1.00 minimum per order (as rustybt)",
    "capital": "100,000",
    "money": "float",
    "data": "the exported CSV files, read into Python lists before the rounds",
}


@dataclass
class Prices:
    """Bars as per-asset lists (all assets share the same bar labels)."""

    open: list[list[float]]
    close: list[list[float]]
    volume: list[list[int]]

    @classmethod
    def read(cls, data: Path, frequency: str) -> Prices:
        bars = csv_layout.read_folder(csv_layout.frequency_dir(data, frequency)).values()
        return cls(
            [b["open"] for b in bars], [b["close"] for b in bars], [b["volume"] for b in bars]
        )

    @property
    def assets(self) -> int:
        return len(self.close)

    @property
    def bars(self) -> int:
        return len(self.close[0])


def whole_shares(value: float) -> int:
    """As rustybt.numeric.whole_shares: snap to an integer within 1e-4, else truncate to zero."""
    nearest = round(value)
    return nearest if abs(value - nearest) < NEAR_INTEGER else int(value)


@dataclass
class Book:
    """Cash, positions and open orders ``[asset, amount, filled, commission paid]``."""

    assets: int
    cash: float = CAPITAL
    fills: int = 0
    positions: list[int] = field(default_factory=list)
    pending: list[int] = field(default_factory=list)  # shares on open orders, per asset
    orders: list[list] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.positions = [0] * self.assets
        self.pending = [0] * self.assets

    def fill(self, prices: Prices, t: int) -> None:
        """Bar t arrived: fill the open orders (all placed on earlier bars) at its open."""
        used = [0] * self.assets
        for order in list(self.orders):
            a, amount, filled, paid = order
            volume = prices.volume[a][t]
            shares = min(int(VOLUME_LIMIT * volume) - used[a], abs(amount - filled))
            if volume <= 0 or shares < 1:
                continue
            share = shares / volume
            base = prices.open[a][t]
            impact = share * share * PRICE_IMPACT * base
            sign = 1 if amount > 0 else -1
            price = base + impact if sign > 0 else base - impact
            commission = max(COST_PER_SHARE * (abs(filled) + shares), MIN_TRADE_COST) - paid
            self.cash = self.cash - price * (sign * shares) - commission
            self.positions[a] += sign * shares
            self.pending[a] -= sign * shares
            used[a] += shares
            order[2], order[3] = filled + sign * shares, paid + commission
            self.fills += 1
            if order[2] == amount:
                self.orders.remove(order)

    def value(self, prices: Prices, t: int) -> float:
        closes = prices.close
        return self.cash + sum(p * closes[a][t] for a, p in enumerate(self.positions) if p)

    def order_target_percent(self, a: int, fraction: float, value: float, price: float) -> None:
        target = whole_shares(value * fraction / price) if fraction else 0
        shares = target - self.positions[a] - self.pending[a]
        if shares:
            self.orders.append([a, shares, 0, 0.0])
            self.pending[a] += shares


Signal = Callable[[int, list[float], int], float | None]  # asset, its closes, bar -> fraction


def simulate(prices: Prices, first_bar: int, signal: Signal) -> peer_worker.Outcome:
    """The event loop: fill, then from ``first_bar`` on ask ``signal`` for each asset; a
    fraction (of portfolio value, 0 = flat) is ordered with order_target_percent, None is not."""
    book = Book(prices.assets)
    for t in range(prices.bars):
        book.fill(prices, t)
        if t < first_bar:
            continue
        value = None
        for a, closes in enumerate(prices.close):
            fraction = signal(a, closes, t)
            if fraction is not None:
                value = book.value(prices, t) if value is None else value
                book.order_target_percent(a, fraction, value, closes[t])
    return peer_worker.Outcome(book.value(prices, prices.bars - 1), book.fills)


def run_sma(prices: Prices) -> peer_worker.Outcome:
    """SMA 10/30 crossover: equal-weight long when fast > slow, orders only on a change."""
    weight, long = 1.0 / prices.assets, [False] * prices.assets

    def signal(a: int, closes: list[float], t: int) -> float | None:
        fast = sum(closes[t - FAST + 1 : t + 1]) / FAST
        slow = sum(closes[t - SLOW + 1 : t + 1]) / SLOW
        want = fast > slow
        if want == long[a]:
            return None
        long[a] = want
        return weight if want else 0.0

    return simulate(prices, SLOW - 1, signal)


def zscore(window: list[float]) -> float:
    """(last - mean) / population std of the window; NaN when the window is flat."""
    n = len(window)
    mean = sum(window) / n
    std = math.sqrt(sum((x - mean) * (x - mean) for x in window) / n)
    return (window[-1] - mean) / std if std > 0 else math.nan


def run_zscore(
    prices: Prices, z_of: Callable[[list[float]], float] = zscore
) -> peer_worker.Outcome:
    """20-bar z-score: enter at |z| > 2 (short above, long below), exit when z crosses 0.

    ``z_of`` computes a window's z-score. With rustybt.indicators.zscore the result is rustybt's
    float mode exactly; with this module's ``zscore`` (Python sums, another summation order) a
    z-score that is exactly 0 for cent prices can come out as +-1e-15 the other way, so a few
    exits land a bar apart.
    """
    weight, side = 1.0 / prices.assets, [0] * prices.assets

    def signal(a: int, closes: list[float], t: int) -> float | None:
        z, s = z_of(closes[t - WINDOW + 1 : t + 1]), side[a]
        enter = s == 0 and abs(z) > ENTRY_Z
        if not (enter or (s > 0 and z >= 0) or (s < 0 and z <= 0)):
            return None
        side[a] = (-1 if z > 0 else 1) if enter else 0
        return side[a] * weight

    return simulate(prices, WINDOW - 1, signal)


STRATEGIES = {"sma": run_sma, "zscore": run_zscore}


def run_backtest(strategy: str, prices: Prices) -> peer_worker.Outcome:
    """The timed call: one pass of ``strategy`` over the bars."""
    return STRATEGIES[strategy](prices)


def build(args: argparse.Namespace) -> peer_worker.Backtest:
    strategy = args.strategy
    prices = Prices.read(args.data, STRATEGY_FREQUENCY[strategy])
    return peer_worker.Backtest(
        "bare Python loop", "-", SETTINGS, lambda: run_backtest(strategy, prices)
    )


if __name__ == "__main__":
    parser = peer_worker.parser(__doc__.splitlines()[0])
    parser.add_argument("--strategy", choices=sorted(STRATEGIES), required=True)
    raise SystemExit(peer_worker.main(build, parser))
