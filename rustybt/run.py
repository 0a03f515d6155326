"""``run_algorithm``: the one entry point. Load a bundle, run a strategy, return the results.

Timings split the run into *load* (bundle + data portal) and *simulate* (initialize, the
event loop, metrics, the results frame), each as wall and CPU seconds.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import polars as pl

from rustybt import api
from rustybt.algorithm import TradingAlgorithm
from rustybt.data.bundles import Bundle, DateLike, load_bundle
from rustybt.data.polars import PolarsDataPortal
from rustybt.errors import RustyBTError, StrategyError
from rustybt.finance.decimal.transaction import DecimalTransaction
from rustybt.finance.metrics import MetricsTracker, PortfolioValues, SessionValues, default_metrics
from rustybt.gens.clock import Frequency, trading_clock
from rustybt.gens.simulation import simulate
from rustybt.numeric import numeric_mode

Hook = Callable[..., Any]
PERF_COLUMNS = (
    "session", "portfolio_value", "cash", "positions_value", "returns", "orders", "transactions",
)  # fmt: skip


@dataclass
class BacktestResult:
    perf: pl.DataFrame  # one row per session (money columns as Float64)
    summary: dict[str, object]
    timings: dict[str, float]
    portal: PolarsDataPortal
    sessions: list[SessionValues] = field(default_factory=list)  # exact money per session
    transactions: list[DecimalTransaction] = field(default_factory=list)


def run_algorithm(
    *,
    bundle: str | Bundle,
    initialize: Hook | None = None,
    handle_data: Hook | None = None,
    before_trading_start: Hook | None = None,
    start: DateLike | None = None,
    end: DateLike | None = None,
    capital_base: float | str = 100_000,
    numeric: Literal["decimal", "float"] = "decimal",
    bundle_root: Path | None = None,
    namespace: dict[str, Any] | None = None,
    data_frequency: Frequency | None = None,
) -> BacktestResult:
    """Backtest a strategy on ``bundle`` between ``start`` and ``end`` (default: all of it).

    Hooks not passed are taken from ``namespace`` (e.g. ``load_algorithm_file(path)``).
    The bar frequency is the bundle's; ``data_frequency``, when given, must match it.
    """
    ns = namespace or {}
    initialize = initialize or ns.get("initialize")
    if initialize is None:
        raise RustyBTError("no initialize(context) given; pass initialize= or a namespace with one")
    mode = numeric_mode(numeric)
    capital = mode.money(capital_base, "capital_base")
    if capital <= 0:
        raise RustyBTError(
            f"capital_base must be above 0, got {capital_base!r}; pass the cash to start with"
        )

    wall0, cpu0 = time.perf_counter(), time.process_time()
    data, sessions, portal = _load(bundle, bundle_root, data_frequency, start, end)
    wall1, cpu1 = time.perf_counter(), time.process_time()

    algo = TradingAlgorithm(
        initialize=initialize,
        handle_data=handle_data or ns.get("handle_data"),
        before_trading_start=before_trading_start or ns.get("before_trading_start"),
        data=portal,
        assets=data.assets,
        numeric=mode,
        capital_base=capital,
    )
    metrics = default_metrics()
    tracker = MetricsTracker(metrics)
    transactions: list[DecimalTransaction] = []
    clock = trading_clock(data.schedule, sessions, data.frequency)
    with mode.context(), api.running(algo):
        algo.initialize()
        rows = list(simulate(algo, clock, portal, tracker, transactions))
        summary = tracker.end_of_simulation()
    perf = _perf_frame(rows)
    wall2, cpu2 = time.perf_counter(), time.process_time()

    summary.update(_run_facts(algo, rows, transactions))
    timings = {
        "load_wall_s": wall1 - wall0,
        "load_cpu_s": cpu1 - cpu0,
        "simulate_wall_s": wall2 - wall1,
        "simulate_cpu_s": cpu2 - cpu1,
    }
    values = next(m for m in metrics if isinstance(m, PortfolioValues)).history
    return BacktestResult(perf, summary, timings, portal, values, transactions)


def _load(
    bundle: str | Bundle,
    root: Path | None,
    data_frequency: Frequency | None,
    start: DateLike | None,
    end: DateLike | None,
) -> tuple[Bundle, pd.DatetimeIndex, PolarsDataPortal]:
    """The bundle, the run's sessions and a data portal over them (the load phase)."""
    data = load_bundle(bundle, root) if isinstance(bundle, str) else bundle
    if data_frequency is not None and data_frequency != data.frequency:
        raise RustyBTError(
            f"bundle {data.name!r} holds {data.frequency} bars, not {data_frequency}; "
            f"pass data_frequency={data.frequency!r} or ingest a {data_frequency} bundle"
        )
    return data, data.sessions(start, end), PolarsDataPortal(data, start, end)


def _run_facts(
    algo: TradingAlgorithm, rows: list[dict[str, Any]], txns: list[DecimalTransaction]
) -> dict[str, object]:
    return {
        "numeric": algo.numeric.name,
        "capital_base": algo.ledger.starting_cash,
        "sessions": len(rows),
        "first_session": rows[0]["session"].date() if rows else None,
        "last_session": rows[-1]["session"].date() if rows else None,
        "orders": len(algo.blotter.orders),
        "transactions": len(txns),
        "commissions": algo.ledger.commissions,
    }


def _perf_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    if not rows:
        return pl.DataFrame(
            schema={
                "session": pl.Date,
                **dict.fromkeys(PERF_COLUMNS[1:5], pl.Float64),
                **dict.fromkeys(PERF_COLUMNS[5:], pl.Int64),
            }
        )
    dated = [{**row, "session": row["session"].date()} for row in rows]
    frame = pl.DataFrame(dated, infer_schema_length=None)
    rest = [c for c in frame.columns if c not in PERF_COLUMNS]
    return frame.select(*PERF_COLUMNS, *rest)


def load_algorithm_file(path: str | Path) -> dict[str, Any]:
    """Import a strategy file and return its namespace (must define ``initialize``)."""
    path = Path(path)
    if not path.is_file():
        raise RustyBTError(f"strategy file {path} not found; pass the path to a .py file")
    spec = importlib.util.spec_from_file_location(f"rustybt_algo_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise RustyBTError(f"cannot load {path} as Python; pass a .py file")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise StrategyError(f"{path}:{exc.lineno}: syntax error: {exc.msg}") from exc
    except Exception as exc:
        raise StrategyError(
            f"importing {path} raised {type(exc).__name__}: {exc}; fix the strategy file"
        ) from exc
    namespace = vars(module)
    if not callable(namespace.get("initialize")):
        raise RustyBTError(f"{path} defines no initialize(context); add one (see rustybt.api)")
    return namespace
