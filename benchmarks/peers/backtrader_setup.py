"""backtrader in the peer benchmark: the pandas feeds, the broker settings and the timed call.

Used by ``backtrader_sma.py`` and ``backtrader_zscore.py`` (run in a venv with backtrader
1.9.78.123 and pandas). ``prepare`` reads the exported CSV files into one pandas frame per
asset (datetime index, naive UTC; open/high/low/close/volume) once, before the rounds, as the
data a ``PandasData`` feed takes. Each ``run`` is the backtest call: a ``Cerebro`` with one
``PandasData`` feed per asset, the strategy and the broker settings, then ``cerebro.run()``
(preload and ``runonce`` on, the standard observers on: backtrader's defaults).

Settings: backtrader's defaults (market orders fill at the next bar's open) except what the
same fill model needs: starting cash 100,000 (default 10,000); a volume filler
``FixedBarPerc(perc=2.5)`` (at most 2.5% of a bar's volume per order; the rest stays open for
later bars; default: the whole order at once); commission 0.005 per share with a 1.00 minimum
(default: none; backtrader's commission hook sees each execution, not the order, so the minimum
applies per partial fill); ``checksubmit=False`` (no cash check at submission: like rustybt and
zipline, cash may go negative). backtrader has no volume-share price impact (0.1 x share²: under
0.007% of the price at 2.5% of volume), so none is applied.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

import backtrader as bt
import csv_layout
import numpy as np
import pandas as pd
import peer_worker

CAPITAL = 100_000.0
VOLUME_PERCENT = 2.5
COST_PER_SHARE = 0.005
MIN_TRADE_COST = 1.0
TIMEFRAMES = {"daily": bt.TimeFrame.Days, "minute": bt.TimeFrame.Minutes}
SETTINGS = {
    "fill": "next bar's open (default); volume filler FixedBarPerc(perc=2.5), set to match "
    "rustybt; no price impact (backtrader has no volume-share model)",
    "commission": "0.005/share, 1.00 minimum per execution (a CommInfoBase subclass; default: "
    "none)",
    "capital": "100,000 (default 10,000)",
    "broker": "checksubmit=False: no cash check, as rustybt and zipline",
    "orders": "order_target* do not count open orders (backtrader's semantics)",
}


class PerShareMinimum(bt.CommInfoBase):
    """0.005 per share, at least 1.00 per execution."""

    params = (("stocklike", True), ("commtype", bt.CommInfoBase.COMM_FIXED))

    def _getcommission(self, size: float, price: float, pseudoexec: bool) -> float:
        return max(abs(size) * COST_PER_SHARE, MIN_TRADE_COST)


class PeerStrategy(bt.Strategy):
    """The strategies' base: ``weight`` (1 / number of feeds) and a count of executions (each
    partial or completing fill)."""

    def __init__(self) -> None:
        self.fills = 0
        self.weight = 1.0 / len(self.datas)

    def notify_order(self, order: Any) -> None:
        if order.status in (order.Partial, order.Completed):
            self.fills += 1


@dataclass(frozen=True)
class Setup:
    frequency: str
    frames: dict[str, pd.DataFrame]


def prepare(args: argparse.Namespace, frequency: str) -> Setup:
    """Read the CSV files into pandas frames, one per asset (outside the timed call)."""
    folder = csv_layout.frequency_dir(args.data, frequency)
    frames = {}
    for symbol in csv_layout.symbols(folder):
        frame = pd.read_csv(folder / f"{symbol}.csv", index_col="date")
        index = pd.to_datetime(frame.index, utc=True).tz_convert(None)
        frames[symbol] = frame.drop(columns=["dividend", "split"]).set_axis(index)
    return Setup(frequency, frames)


def run(setup: Setup, strategy: type[PeerStrategy]) -> peer_worker.Outcome:
    """The timed call: build the Cerebro with its feeds and broker settings, then run it."""
    cerebro = bt.Cerebro()
    timeframe = TIMEFRAMES[setup.frequency]
    for symbol, frame in setup.frames.items():
        feed = bt.feeds.PandasData(dataname=frame, openinterest=None, timeframe=timeframe)
        cerebro.adddata(feed, name=symbol)
    cerebro.addstrategy(strategy)
    broker = cerebro.broker
    broker.setcash(CAPITAL)
    broker.set_checksubmit(False)
    broker.set_filler(bt.broker.fillers.FixedBarPerc(perc=VOLUME_PERCENT))
    broker.addcommissioninfo(PerShareMinimum())
    (result,) = cerebro.run()
    return peer_worker.Outcome(broker.getvalue(), result.fills)


def main(doc: str, frequency: str, run_backtest: Any) -> int:
    """A backtrader runner program: ``run_backtest(setup)`` is its timed call."""
    parser = peer_worker.parser(doc.splitlines()[0])

    def build(args: argparse.Namespace) -> peer_worker.Backtest:
        setup = prepare(args, frequency)
        data = f"{args.data}/{frequency}/*.csv read into pandas frames before the rounds; one "
        libraries = f"pandas {pd.__version__}, numpy {np.__version__}"
        data += "PandasData feed per asset, preloaded by each run"
        settings = {**SETTINGS, "data": data, "libraries": libraries}
        return peer_worker.Backtest(
            "backtrader", bt.__version__, settings, lambda: run_backtest(setup)
        )

    return peer_worker.main(build, parser)
