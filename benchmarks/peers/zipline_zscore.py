"""20-bar z-score mean reversion on zipline-reloaded, as ``rustybt/examples/mean_reversion.py``.

``python benchmarks/peers/zipline_zscore.py --data DIR [--rounds N] [--zipline-root ROOT]`` in
a venv with zipline-reloaded 3.2.1; ``DIR/minute`` holds the exported CSV files (``csv_layout``).
Each bar, one ``history`` call fetches the last 20 minute closes of all assets; z = (last - mean)
/ population std (NaN when flat). Flat and z < -2: target +1 / number of assets of the
portfolio value; flat and z > +2: -1 / number of assets; a position is closed (target 0 shares)
once z reverts through zero. Assets that cannot trade are skipped; nothing until 20 bars exist.
The timed call is ``run_backtest``; settings are in ``zipline_setup``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import peer_worker
import zipline_setup
from zipline.api import order_target, order_target_percent, record

WINDOW = 20
ENTRY_Z = 2.0


def initialize(context: Any, symbols: tuple[str, ...] = ()) -> None:
    zipline_setup.start(context, symbols)
    context.side = {asset: 0 for asset in context.assets}  # +1 long, -1 short, 0 flat


def zscores(closes: np.ndarray) -> np.ndarray:
    mean = closes.sum(axis=0) / len(closes)
    dev = closes - mean
    std = np.sqrt((dev * dev).sum(axis=0) / len(closes))
    out = np.full(std.shape, np.nan)
    np.divide(dev[-1], std, out=out, where=std > 0)
    return out


def handle_data(context: Any, data: Any) -> None:
    if zipline_setup.too_few_bars(context, WINDOW):
        return
    closes = data.history(context.assets, "close", WINDOW, "1m").to_numpy()
    for asset, z in zip(context.assets, zscores(closes), strict=True):
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


def run_backtest(setup: zipline_setup.Setup) -> peer_worker.Outcome:
    """The timed call: one zipline.run_algorithm over the minute bundle."""
    return zipline_setup.run(setup, initialize, handle_data)


if __name__ == "__main__":
    raise SystemExit(zipline_setup.main(__doc__, "minute", run_backtest))
