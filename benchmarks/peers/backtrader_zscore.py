"""20-bar z-score mean reversion on backtrader, as ``rustybt/examples/mean_reversion.py``.

``python benchmarks/peers/backtrader_zscore.py --data DIR [--rounds N]`` in a venv with
backtrader 1.9.78.123 and pandas; ``DIR/minute`` holds the exported CSV files (``csv_layout``).
Each asset has backtrader's SMA(20) and StdDev(20) (population) on its close; in ``next``,
z = (close - mean) / std (NaN when the window is flat). Flat and z < -2: target +1 / number of
assets of the portfolio value; flat and z > +2: -1 / number of assets; a position is closed
(target 0 shares) once z reverts through zero. ``next`` runs once every feed has 20 bars. The
timed call is ``run_backtest``; settings are in ``backtrader_setup``.
"""

from __future__ import annotations

import math

import backtrader as bt
import backtrader_setup
import peer_worker

WINDOW = 20
ENTRY_Z = 2.0


class ZScoreReversion(backtrader_setup.PeerStrategy):
    def __init__(self) -> None:
        super().__init__()
        self.mean = {d: bt.indicators.SMA(d.close, period=WINDOW) for d in self.datas}
        self.std = {d: bt.indicators.StdDev(d.close, period=WINDOW) for d in self.datas}
        self.side = {d: 0 for d in self.datas}  # +1 long, -1 short, 0 flat

    def next(self) -> None:
        for d in self.datas:
            std = self.std[d][0]
            z = (d.close[0] - self.mean[d][0]) / std if std > 0 else math.nan
            side = self.side[d]
            enter = side == 0 and abs(z) > ENTRY_Z  # NaN (a flat window) never enters
            reverted = (side > 0 and z >= 0) or (side < 0 and z <= 0)
            if not (enter or reverted):
                continue
            if enter:
                side = -1 if z > 0 else 1
                self.order_target_percent(data=d, target=side * self.weight)
            else:
                side = 0
                self.order_target_size(data=d, target=0)
            self.side[d] = side


def run_backtest(setup: backtrader_setup.Setup) -> peer_worker.Outcome:
    """The timed call: one Cerebro run over the minute feeds."""
    return backtrader_setup.run(setup, ZScoreReversion)


if __name__ == "__main__":
    raise SystemExit(backtrader_setup.main(__doc__, "minute", run_backtest))
