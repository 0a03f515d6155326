"""The event loop: one generator over the trading clock's ``(timestamp, event)`` pairs.

For each BAR: advance the data portal, fill orders placed on earlier bars (so an order never
fills on the bar it was placed on), apply the fills to the ledger, call ``handle_data``, then
any per-bar metric hooks. BEFORE_TRADING_START sees the bars before its session. At
SESSION_END: mark held positions to the last close, let the metrics fill in the session
row, and yield it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

import pandas as pd

from rustybt.algorithm import TradingAlgorithm
from rustybt.finance.decimal.transaction import DecimalTransaction
from rustybt.finance.metrics.tracker import MetricsTracker
from rustybt.gens.clock import ClockEvent

_JUST_BEFORE = pd.Timedelta(1, "ns")


class Portal(Protocol):
    def set_bar(self, dt: pd.Timestamp) -> None: ...


def simulate(
    algo: TradingAlgorithm,
    clock: Iterable[tuple[pd.Timestamp, ClockEvent]],
    portal: Portal,
    metrics: MetricsTracker,
    transactions: list[DecimalTransaction] | None = None,
) -> Iterator[dict[str, Any]]:
    """Run ``algo`` over ``clock``; yield one row dict per session. Fills are appended to
    ``transactions`` when a list is given."""
    ledger, blotter, bar_of = algo.ledger, algo.blotter, algo.prices.bar
    bar_event, end_event = ClockEvent.BAR, ClockEvent.SESSION_END
    start_event, bts_event = ClockEvent.SESSION_START, ClockEvent.BEFORE_TRADING_START
    per_bar_metrics = metrics.wants_bars
    source = blotter.source
    session = pd.Timestamp(0, tz="UTC")  # set by SESSION_START, which comes first
    orders_before = fills = 0
    for dt, event in clock:
        if event is bar_event:
            portal.set_bar(dt)
            txns = blotter.fill(dt, bar_of)
            if txns:
                for txn in txns:
                    ledger.process_transaction(txn, source)
                fills += len(txns)
                if transactions is not None:
                    transactions.extend(txns)
            algo.handle_data(dt)
            if per_bar_metrics:
                metrics.end_of_bar(ledger, dt)
        elif event is end_event:
            algo.mark_to_market()
            packet: dict[str, Any] = {
                "session": session,
                "orders": len(blotter.orders) - orders_before,
                "transactions": fills,
            }
            metrics.end_of_session(packet, ledger, session)
            packet.update(algo.recorded)
            yield packet
        elif event is start_event:
            session = dt
            orders_before, fills = len(blotter.orders), 0
            metrics.start_of_session(ledger, dt)
        elif event is bts_event:
            # data shows the bars before this session: the label itself is the daily bar
            portal.set_bar(dt - _JUST_BEFORE)
            algo.before_trading_start(dt)
