"""rustybt in the peer benchmark: ``run_algorithm`` on a scenario's bundle and example strategy.

``python benchmarks/peers/rustybt_runner.py --data BUNDLE_ROOT --scenario daily|minute
--numeric decimal|float [--rounds N]`` (runs in the project's venv; ``--data`` is the bundle
root, e.g. ``$RBPROFILE_HOME/bundles``). The strategy is the scenario's own
(``rustybt/examples/sma_crossover.py`` for daily, ``mean_reversion.py`` for minute), loaded
before the rounds; the timed call is one ``run_algorithm`` (bundle load, calendar, simulation,
metrics and the results frame), with every engine default.
"""

from __future__ import annotations

import argparse

import peer_worker

import rustybt
from rbprofile.scenarios import SCENARIOS
from rustybt.data.bundles import load_bundle
from rustybt.run import BacktestResult, load_algorithm_file, run_algorithm

SETTINGS = {
    "fill": "next bar's open; VolumeShareSlippage: at most 2.5% of bar volume, impact 0.1 "
    "(engine default)",
    "commission": "PerShare 0.005/share, 1.00 minimum per order (engine default)",
    "capital": "100,000 (engine default)",
    "data": "the scenario's rustybt bundle (Parquet), loaded by each run_algorithm call",
}
PEER_SCENARIOS = ("daily", "minute")


def run_backtest(args: argparse.Namespace, namespace: dict) -> BacktestResult:
    """The timed call: one run_algorithm over the whole bundle."""
    return run_algorithm(
        bundle=args.scenario, namespace=namespace, numeric=args.numeric, bundle_root=args.data
    )


def _outcome(result: BacktestResult) -> peer_worker.Outcome:
    summary = result.summary
    return peer_worker.Outcome(
        float(summary["final_portfolio_value"]),  # type: ignore[arg-type]
        int(summary["transactions"]),  # type: ignore[call-overload]
    )


def build(args: argparse.Namespace) -> peer_worker.Backtest:
    load_bundle(args.scenario, args.data)  # fails early, with the fix, when it is missing
    strategy = SCENARIOS[args.scenario].strategy_file
    namespace = load_algorithm_file(strategy)
    settings = {**SETTINGS, "money": args.numeric, "strategy": f"rustybt/examples/{strategy.name}"}
    return peer_worker.Backtest(
        f"rustybt {args.numeric}",
        rustybt.__version__,
        settings,
        lambda: _outcome(run_backtest(args, namespace)),
    )


if __name__ == "__main__":
    parser = peer_worker.parser(__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=PEER_SCENARIOS, required=True)
    parser.add_argument("--numeric", choices=("decimal", "float"), default="decimal")
    raise SystemExit(peer_worker.main(build, parser))
