"""SMA crossover (fast 10 / slow 30) on backtrader, as ``rustybt/examples/sma_crossover.py``.

``python benchmarks/peers/backtrader_sma.py --data DIR [--rounds N]`` in a venv with backtrader
1.9.78.123 and pandas; ``DIR/daily`` holds the exported CSV files (``csv_layout``). Each asset
has backtrader's own SMA(10) and SMA(30) indicators on its close; an asset whose fast average
is above its slow one is held long with 1 / number of assets of the portfolio value, otherwise
flat; orders only when the signal changes. ``next`` runs once every feed has 30 bars (the
indicators' minimum period), as the rustybt strategy waits for 30 bars. The timed call is
``run_backtest``; settings are in ``backtrader_setup``.
"""

from __future__ import annotations

import backtrader as bt
import backtrader_setup
import peer_worker

FAST = 10
SLOW = 30


class SmaCross(backtrader_setup.PeerStrategy):
    def __init__(self) -> None:
        super().__init__()
        self.fast = {d: bt.indicators.SMA(d.close, period=FAST) for d in self.datas}
        self.slow = {d: bt.indicators.SMA(d.close, period=SLOW) for d in self.datas}
        self.long = {d: False for d in self.datas}

    def next(self) -> None:
        for d in self.datas:
            want_long = self.fast[d][0] > self.slow[d][0]
            if want_long != self.long[d]:
                self.order_target_percent(data=d, target=self.weight if want_long else 0.0)
                self.long[d] = want_long


def run_backtest(setup: backtrader_setup.Setup) -> peer_worker.Outcome:
    """The timed call: one Cerebro run over the daily feeds."""
    return backtrader_setup.run(setup, SmaCross)


if __name__ == "__main__":
    raise SystemExit(backtrader_setup.main(__doc__, "daily", run_backtest))
