"""zipline-reloaded in the peer benchmark: the csvdir bundle, the settings and the timed call.

Used by ``zipline_sma.py`` and ``zipline_zscore.py`` (run in a venv with zipline-reloaded
3.2.1). ``prepare`` registers ``rbprofile-peers-<frequency>`` as a csvdir bundle over the
exported CSV files and ingests it once into ``--zipline-root`` (default ``<data>/.zipline``;
never ``~/.zipline``); each ``run`` is one ``zipline.run_algorithm`` call, which loads that
bundle, builds the algorithm and simulates, as rustybt's ``run_algorithm`` does.

Settings: zipline's defaults except the two the same fill model needs, set in ``initialize``:
slippage ``VolumeShareSlippage(volume_limit=0.025, price_impact=0.1)`` (zipline's equity
default is ``FixedBasisPointsSlippage``, 5 bps, 10% of volume) and commission
``PerShare(cost=0.005, min_trade_cost=1.0)`` (default 0.001/share, no minimum). zipline fills
a market order at the *close* of the next bar (rustybt and backtrader: the open); it has no
setting for the open. The benchmark is zero returns (what ``--no-benchmark`` uses).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import csv_layout
import numpy as np
import pandas as pd
import peer_worker
import zipline
from zipline import run_algorithm
from zipline.api import set_commission, set_slippage, symbols
from zipline.data.bundles import ingest, ingestions_for_bundle, register
from zipline.data.bundles.csvdir import csvdir_equities
from zipline.finance import commission, slippage

CAPITAL = 100_000
BUNDLE_PREFIX = "rbprofile-peers"
SETTINGS = {
    "fill": "next bar's close (zipline's fill price); VolumeShareSlippage(volume_limit=0.025, "
    "price_impact=0.1), set to match rustybt (default: FixedBasisPointsSlippage)",
    "commission": "PerShare(cost=0.005, min_trade_cost=1.0), set to match rustybt "
    "(default: 0.001/share, no minimum)",
    "capital": "100,000",
    "benchmark": "zero returns (as --no-benchmark)",
    "orders": "order_target* do not count open orders (zipline's semantics)",
}


@dataclass(frozen=True)
class Setup:
    bundle: str
    frequency: str
    symbols: tuple[str, ...]
    start: pd.Timestamp
    end: pd.Timestamp
    environ: dict[str, str]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--zipline-root", type=Path, default=None, help="ZIPLINE_ROOT (default <data>/.zipline)"
    )


def start(context: Any, names: tuple[str, ...]) -> None:
    """The common part of initialize: the fill model settings, ``context.assets`` (the
    exported symbols), ``context.weight`` (1 / number of assets) and a bar counter."""
    set_slippage(slippage.VolumeShareSlippage(volume_limit=0.025, price_impact=0.1))
    set_commission(commission.PerShare(cost=0.005, min_trade_cost=1.0))
    context.assets = list(symbols(*names))
    context.weight = 1.0 / len(context.assets)
    context.bars = 0


def too_few_bars(context: Any, needed: int) -> bool:
    """Count this bar; True until ``needed`` bars exist (zipline's history would pad with NaN
    or refuse a window reaching before the data, rustybt's returns the bars there are)."""
    context.bars += 1
    return context.bars < needed


def prepare(args: argparse.Namespace, frequency: str) -> Setup:
    """Register the csvdir bundle over ``args.data`` and ingest it unless already ingested."""
    folder = csv_layout.frequency_dir(args.data, frequency)
    symbols = tuple(csv_layout.symbols(folder))
    dates = csv_layout.read_symbol(folder / f"{symbols[0]}.csv")["date"]
    start, end = (pd.Timestamp(pd.Timestamp(d).date()) for d in (dates[0], dates[-1]))
    root = args.zipline_root or Path(args.data) / ".zipline"
    environ = {**os.environ, "ZIPLINE_ROOT": str(root.resolve())}
    name = f"{BUNDLE_PREFIX}-{frequency}"
    ingest_fn = csvdir_equities([frequency], str(Path(args.data).resolve()))
    register(name, ingest_fn, calendar_name="XNYS", start_session=start, end_session=end)
    if not _ingested(name, environ):
        ingest(name, environ, show_progress=False)
    return Setup(name, frequency, symbols, start, end, environ)


def _ingested(name: str, environ: dict[str, str]) -> bool:
    try:
        return bool(ingestions_for_bundle(name, environ))
    except FileNotFoundError:  # no ingestion directory yet
        return False


def run(setup: Setup, initialize: Any, handle_data: Any) -> peer_worker.Outcome:
    """One zipline.run_algorithm call over the whole bundle (the timed call)."""
    perf = run_algorithm(
        start=setup.start,
        end=setup.end,
        initialize=partial(initialize, symbols=setup.symbols),
        handle_data=handle_data,
        capital_base=CAPITAL,
        data_frequency=setup.frequency,
        bundle=setup.bundle,
        benchmark_returns=pd.Series(0.0, index=pd.date_range(setup.start, setup.end, tz="UTC")),
        environ=setup.environ,
    )
    fills = sum(len(day) for day in perf["transactions"])
    return peer_worker.Outcome(float(perf["portfolio_value"].iloc[-1]), fills)


def backtest(setup: Setup, call: Any) -> peer_worker.Backtest:
    root = setup.environ["ZIPLINE_ROOT"]
    data = f"csvdir bundle {setup.bundle} (ZIPLINE_ROOT {root}), loaded by each run_algorithm"
    libraries = f"pandas {pd.__version__}, numpy {np.__version__}"
    settings = {**SETTINGS, "data": data, "libraries": libraries}
    return peer_worker.Backtest("zipline-reloaded", zipline.__version__, settings, call)


def main(doc: str, frequency: str, run_backtest: Any) -> int:
    """A zipline runner program: ``run_backtest(setup)`` is its timed call."""
    parser = peer_worker.parser(doc.splitlines()[0])
    add_arguments(parser)

    def build(args: argparse.Namespace) -> peer_worker.Backtest:
        setup = prepare(args, frequency)
        return backtest(setup, lambda: run_backtest(setup))

    return peer_worker.main(build, parser)
