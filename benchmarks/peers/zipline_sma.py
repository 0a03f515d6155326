"""SMA crossover (fast 10 / slow 30) on zipline-reloaded, as ``rustybt/examples/sma_crossover.py``.

``python benchmarks/peers/zipline_sma.py --data DIR [--rounds N] [--zipline-root ROOT]`` in a
venv with zipline-reloaded 3.2.1; ``DIR/daily`` holds the exported CSV files (``csv_layout``).
Each bar, one ``history`` call fetches the last 30 daily closes of all assets; an asset whose
10-bar mean is above its 30-bar mean is held long with 1 / number of assets of the portfolio
value, otherwise flat; orders only when an asset's signal changes and it can trade; nothing
until 30 bars exist. The timed call is ``run_backtest``; settings are in ``zipline_setup``.
"""

from __future__ import annotations

from typing import Any

import peer_worker
import zipline_setup
from zipline.api import order_target_percent, record

FAST = 10
SLOW = 30


def initialize(context: Any, symbols: tuple[str, ...] = ()) -> None:
    zipline_setup.start(context, symbols)
    context.long = {asset: False for asset in context.assets}


def handle_data(context: Any, data: Any) -> None:
    if zipline_setup.too_few_bars(context, SLOW):
        return
    closes = data.history(context.assets, "close", SLOW, "1d").to_numpy()
    fast = closes[-FAST:].sum(axis=0) / FAST
    slow = closes.sum(axis=0) / SLOW
    for asset, fast_avg, slow_avg in zip(context.assets, fast, slow, strict=True):
        want_long = bool(fast_avg > slow_avg)
        if want_long != context.long[asset] and data.can_trade(asset):
            order_target_percent(asset, context.weight if want_long else 0.0)
            context.long[asset] = want_long
    record(longs=sum(context.long.values()))


def run_backtest(setup: zipline_setup.Setup) -> peer_worker.Outcome:
    """The timed call: one zipline.run_algorithm over the daily bundle."""
    return zipline_setup.run(setup, initialize, handle_data)


if __name__ == "__main__":
    raise SystemExit(zipline_setup.main(__doc__, "daily", run_backtest))
