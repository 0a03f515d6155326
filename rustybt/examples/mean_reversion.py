"""Mean reversion on minute bars: trade each asset's 20-bar z-score.

Each bar, one ``history`` call fetches the last 20 minute closes of all assets and computes
each asset's z-score (last close minus the 20-bar mean, over the 20-bar standard deviation).
Entry: z below -2 buys (target +1 / number of assets of the portfolio value), z above +2
sells short (target -1 / number of assets). Exit: a position is closed (target 0 shares) once
its z-score reverts through zero. Assets that cannot trade on the bar are skipped; nothing is
traded until 20 bars exist. Records how many assets are long and short as ``longs`` and
``shorts``.
"""

from typing import Any

from rustybt.api import all_assets, order_target, order_target_percent, record
from rustybt.indicators import zscore

WINDOW = 20
ENTRY_Z = 2.0


def initialize(context: Any) -> None:
    context.assets = all_assets()
    context.weight = 1.0 / len(context.assets)
    context.side = {asset: 0 for asset in context.assets}  # +1 long, -1 short, 0 flat


def handle_data(context: Any, data: Any) -> None:
    closes = data.history(context.assets, "close", WINDOW, "1m")
    if len(closes) < WINDOW:
        return
    for asset, z in zip(context.assets, zscore(closes), strict=True):
        side = context.side[asset]
        enter = side == 0 and abs(z) > ENTRY_Z  # NaN (a flat window) never enters
        reverted = (side > 0 and z >= 0) or (side < 0 and z <= 0)
        if not (enter or reverted) or not data.can_trade(asset):
            continue
        if enter:
            side = -1 if z > 0 else 1
            order_target_percent(asset, side * context.weight)
        else:
            side = 0
            order_target(asset, 0)
        context.side[asset] = side
    sides = list(context.side.values())
    record(longs=sides.count(1), shorts=sides.count(-1))
