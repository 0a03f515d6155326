"""Engine speed side by side: rustybt against zipline-reloaded, backtrader and a bare Python loop.

``nox -s bench -- peers`` (or ``python -m benchmarks peers``) runs it; ``nox -s bench`` runs it
with the others. It takes about 3-5 minutes on 2 cores (most of it zipline and backtrader on
minute bars: ~10 s a round each), plus a few minutes the first time to create the two venvs.

What it does:

1. Ingests the ``daily`` (SMA 10/30, 500 sessions x 50 assets) and ``minute`` (20-bar z-score,
   22 sessions x 390 minutes x 10 assets) scenario bundles (``rbprofile ingest``'s bundles,
   under ``$RBPROFILE_HOME``) and exports them to CSV in zipline's csvdir layout
   (``benchmarks/peers/csv_layout.py``) under ``.nox/peer-data/`` (once per bundle content).
2. Creates ``.nox/peer-zipline`` (zipline-reloaded 3.2.1) and ``.nox/peer-backtrader``
   (backtrader 1.9.78.123 + pandas) from PyPI the first time (``benchmarks/peers/venvs.py``).
   zipline ingests the CSV files as a csvdir bundle into a ZIPLINE_ROOT inside the export
   directory, never ``~/.zipline``.
3. Per scenario, starts one worker process per engine (the standalone programs in
   ``benchmarks/peers/``: ``zipline_sma.py``/``zipline_zscore.py``, ``backtrader_sma.py``/
   ``backtrader_zscore.py``, ``rustybt_runner.py`` in decimal and float mode, ``bare_loop.py``),
   each of which prepares its data and does one warm-up round, then runs ROUNDS timed rounds
   interleaved round by round (the first engine rotates each round). Only the backtest call is
   timed, in the worker; medians are reported, wall clock and CPU seconds.

Each engine runs with its own defaults except what the same fill model needs (stated in the
``settings`` table): next-bar market fills, at most 2.5% of a bar's volume, commission 0.005 per
share with a 1.00 minimum, capital 100,000. zipline fills at the next bar's close (it has no
open-price setting); backtrader has no volume-share price impact and applies the commission
minimum per execution. Final value and fills are reported so the trading can be compared: on
daily bars backtrader and the bare loop end exactly where rustybt does.

Targets (issue 11, after the optimization round): zipline / rustybt decimal >= 12x daily and
>= 8x minute; rustybt decimal / bare loop <= 4x; rustybt decimal / float <= 1.15x. The machine
is shared: one run is one sample, and the CPU-second ratios are shown beside the wall ones.

Re-run one engine by hand, e.g. ``.nox/peer-zipline/bin/python benchmarks/peers/zipline_sma.py
--data .nox/peer-data/daily-<hash> --rounds 5`` (each program's docstring says how).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from benchmarks.__main__ import OUT
from benchmarks.peers import summary
from benchmarks.peers.export import export_bundle
from benchmarks.peers.venvs import ensure_venv
from benchmarks.peers.workers import run_workers
from rbprofile.ingest import ingest_scenarios
from rustybt.data.bundles import default_bundle_root, load_bundle

ROUNDS = 5
SCENARIOS = {"daily": ("sma", "daily"), "minute": ("zscore", "minute")}  # strategy, frequency
PEERS_DIR = Path(__file__).resolve().parent / "peers"
CACHE = Path(__file__).resolve().parents[1] / ".nox"
DATA_CACHE = CACHE / "peer-data"
LOGS = OUT / "peers-logs"


def worker_argvs(
    scenario: str, data: Path, bundle_root: Path, pythons: dict[str, Path]
) -> dict[str, list[str]]:
    """The command line of each engine's worker for ``scenario`` (keys: summary.ENGINES)."""
    strategy, _ = SCENARIOS[scenario]

    def program(python: Path | str, script: str, *args: str) -> list[str]:
        return [str(python), str(PEERS_DIR / script), *args]

    here = sys.executable
    rustybt = ("rustybt_runner.py", "--data", str(bundle_root), "--scenario", scenario)
    return {
        "zipline": program(pythons["zipline"], f"zipline_{strategy}.py", "--data", str(data)),
        "backtrader": program(
            pythons["backtrader"], f"backtrader_{strategy}.py", "--data", str(data)
        ),
        "rustybt-decimal": program(here, *rustybt, "--numeric", "decimal"),
        "rustybt-float": program(here, *rustybt, "--numeric", "float"),
        "bare-loop": program(here, "bare_loop.py", "--data", str(data), "--strategy", strategy),
    }


def main() -> list[dict[str, Any]]:
    root = default_bundle_root()
    ingest_scenarios(list(SCENARIOS), root=root)
    pythons = {name: ensure_venv(name, CACHE) for name in ("zipline", "backtrader")}
    rows: list[dict[str, Any]] = []
    for scenario in SCENARIOS:
        data = export_bundle(load_bundle(scenario, root), DATA_CACHE)
        print(f"  peers {scenario}: warming up 5 workers on {data}", file=sys.stderr, flush=True)
        argvs = worker_argvs(scenario, data, root, pythons)
        ready, rounds = run_workers(argvs, LOGS / scenario, ROUNDS)
        rows.extend(summary.scenario_rows(scenario, rounds, ready))
    return sorted(rows, key=lambda r: summary.TABLES.index(r["table"]))


if __name__ == "__main__":
    for row in main():
        print(row)
