"""SMA crossover (fast 10 / slow 30) on daily bars, every asset in the bundle.

Each bar, one ``history`` call fetches the last 30 closes of all assets. An asset whose
10-bar simple moving average is above its 30-bar one is held long with an equal share
(1 / number of assets) of the portfolio value; otherwise its target is zero. Orders are
placed (``order_target_percent``) only when an asset's signal changes, and only for assets
that can trade on the bar. Assets with fewer than 30 bars of history are left alone.
Records the number of assets held long as ``longs``.
"""

from typing import Any

from rustybt.api import all_assets, order_target_percent, record
from rustybt.indicators import sma

FAST = 10
SLOW = 30


def initialize(context: Any) -> None:
    context.assets = all_assets()
    context.weight = 1.0 / len(context.assets)
    context.long = {asset: False for asset in context.assets}


def handle_data(context: Any, data: Any) -> None:
    closes = data.history(context.assets, "close", SLOW, "1d")
    if len(closes) < SLOW:
        return
    fast = sma(closes, FAST)
    slow = sma(closes, SLOW)
    for asset, fast_avg, slow_avg in zip(context.assets, fast, slow, strict=True):
        want_long = bool(fast_avg > slow_avg)
        if want_long != context.long[asset] and data.can_trade(asset):
            order_target_percent(asset, context.weight if want_long else 0.0)
            context.long[asset] = want_long
    record(longs=sum(context.long.values()))
