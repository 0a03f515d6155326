"""Reference results of the scenario backtests, for the "results stay identical" guard.

For each scenario (daily, hourly, minute) and numeric mode (decimal, float) the golden files
under ``tests/rustybt/golden/`` hold, exactly as text:

- ``<scenario>-<mode>-fills.parquet``: every fill in order (dt as int ns UTC, sid, amount,
  price, commission, order_id); money as ``str(Decimal)`` in decimal mode, ``repr(float)``
  in float mode (both round-trip exactly);
- ``<scenario>-<mode>-sessions.parquet``: per session, cash, positions value and portfolio
  value, as text the same way;
- ``summary.json``: per (scenario, mode) the final portfolio value, final cash and commissions
  (text), the fill count, the sha256 of the bundle's bars.parquet the results came from, and
  the rustybt commit that generated them.

Regenerate (only when a change is MEANT to change results, and say so in the commit)::

    python tests/rustybt/golden_results.py <commit-of-the-engine-used>

The bundles are the scenarios' own (same spec and seed as ``rbprofile ingest``), written
fresh into a temporary directory, so the files depend on nothing but the code.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import polars as pl

from rbprofile.scenarios import SCENARIOS
from rustybt.data.bundles import BARS_FILE, BundleSpec, load_bundle, write_bundle
from rustybt.run import BacktestResult, load_algorithm_file, run_algorithm

GOLDEN_DIR = Path(__file__).parent / "golden"
SUMMARY_FILE = GOLDEN_DIR / "summary.json"
SCENARIO_NAMES = ("daily", "hourly", "minute")
MODES = ("decimal", "float")
FILL_SCHEMA = {
    "dt_ns": pl.Int64,
    "sid": pl.Int64,
    "amount": pl.Int64,
    "price": pl.String,
    "commission": pl.String,
    "order_id": pl.Int64,
}
SESSION_SCHEMA = {
    "session_ns": pl.Int64,
    "cash": pl.String,
    "positions_value": pl.String,
    "portfolio_value": pl.String,
}


def text(value: object) -> str:
    """Exact text of a money value: str(Decimal) or repr(float)."""
    return repr(value) if type(value) is float else str(value)


def write_scenario_bundles(root: Path) -> None:
    for name in SCENARIO_NAMES:
        s = SCENARIOS[name]
        write_bundle(BundleSpec(s.bundle, s.frequency, s.assets, s.start, s.end, s.seed), root)


def run(root: Path, scenario: str, mode: str) -> BacktestResult:
    namespace = load_algorithm_file(SCENARIOS[scenario].strategy_file)
    bundle = load_bundle(scenario, root)
    return run_algorithm(bundle=bundle, namespace=namespace, numeric=mode)  # type: ignore[arg-type]


def fills(result: BacktestResult) -> pl.DataFrame:
    rows = [
        (t.dt.value, t.sid, t.amount, text(t.price), text(t.commission), t.order_id)
        for t in result.transactions
    ]
    return pl.DataFrame(rows, schema=FILL_SCHEMA, orient="row")


def sessions(result: BacktestResult) -> pl.DataFrame:
    rows = [
        (v.session.value, text(v.cash), text(v.positions_value), text(v.portfolio_value))
        for v in result.sessions
    ]
    return pl.DataFrame(rows, schema=SESSION_SCHEMA, orient="row")


def summary(result: BacktestResult, root: Path, scenario: str) -> dict[str, Any]:
    s = result.summary
    return {
        "final_portfolio_value": text(s["final_portfolio_value"]),
        "final_cash": text(s["final_cash"]),
        "commissions": text(s["commissions"]),
        "transactions": s["transactions"],
        "bars_sha256": load_bundle(scenario, root).metadata.files[BARS_FILE],
    }


def fills_path(scenario: str, mode: str) -> Path:
    return GOLDEN_DIR / f"{scenario}-{mode}-fills.parquet"


def sessions_path(scenario: str, mode: str) -> Path:
    return GOLDEN_DIR / f"{scenario}-{mode}-sessions.parquet"


def generate(commit: str) -> None:
    GOLDEN_DIR.mkdir(exist_ok=True)
    results: dict[str, Any] = {"generated_by_commit": commit, "runs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_scenario_bundles(root)
        for scenario in SCENARIO_NAMES:
            for mode in MODES:
                result = run(root, scenario, mode)
                fills(result).write_parquet(fills_path(scenario, mode), compression="zstd")
                sessions(result).write_parquet(sessions_path(scenario, mode), compression="zstd")
                results["runs"][f"{scenario}-{mode}"] = summary(result, root, scenario)
    SUMMARY_FILE.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/rustybt/golden_results.py <engine commit>")
    generate(sys.argv[1])
