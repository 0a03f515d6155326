"""Momentum on 60-minute bars: hold the top K assets by N-bar return, equally weighted.

Each bar, one ``history`` call fetches the last N + 1 = 21 hourly closes of all assets. The
assets are ranked by their 20-bar return (last close / close 20 bars earlier - 1); the top
K = 5 (or fewer, if the bundle has fewer assets) are targeted at 1 / K of the portfolio value
each and every other asset at zero, rebalancing every bar with ``order_target_percent``
(assets that cannot trade on the bar are skipped). Nothing is traded until 21 bars exist.
Records the best asset's return as ``top_return``.
"""

from typing import Any

import numpy as np

from rustybt.api import all_assets, order_target_percent, record
from rustybt.indicators import returns

LOOKBACK = 20
TOP_K = 5


def initialize(context: Any) -> None:
    context.assets = all_assets()
    context.top_k = min(TOP_K, len(context.assets))


def handle_data(context: Any, data: Any) -> None:
    closes = data.history(context.assets, "close", LOOKBACK + 1, "1h")
    if len(closes) < LOOKBACK + 1:
        return
    momentum = np.nan_to_num(returns(closes, LOOKBACK), nan=-np.inf)
    ranked = np.argsort(-momentum, kind="stable")
    top = set(ranked[: context.top_k].tolist())
    weight = 1.0 / context.top_k
    for i, asset in enumerate(context.assets):
        if data.can_trade(asset):
            order_target_percent(asset, weight if i in top else 0.0)
    record(top_return=float(momentum[ranked[0]]))
