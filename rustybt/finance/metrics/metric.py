"""Metrics: small objects with optional hooks, called by ``MetricsTracker``'s explicit loops.

Hooks (all optional): ``start_of_session(ledger, session)``, ``end_of_bar(ledger, dt)``,
``end_of_session(packet, ledger, session)`` (add columns to this session's row) and
``end_of_simulation(summary)`` (add entries to the run summary).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pandas as pd

from rustybt.finance.decimal.ledger import DecimalLedger
from rustybt.finance.metrics import stats
from rustybt.numeric import Money


class SessionValues(NamedTuple):
    """Exact end-of-session values in the run's money type (Decimal in decimal mode)."""

    session: pd.Timestamp
    cash: Money
    positions_value: Money
    portfolio_value: Money
    positions: dict[int, tuple[int, Money]]  # sid -> (amount, last price)


class PortfolioValues:
    """Cash, positions value and portfolio value per session (floats in the row; the exact
    money values in ``history``)."""

    def __init__(self) -> None:
        self.history: list[SessionValues] = []

    def end_of_session(
        self, packet: dict[str, Any], ledger: DecimalLedger, session: pd.Timestamp
    ) -> None:
        cash, positions_value = ledger.cash, ledger.positions_value
        value = ledger.numeric.add(cash, positions_value)
        held = {sid: (p.amount, p.last_sale_price) for sid, p in ledger.positions.items()}
        self.history.append(SessionValues(session, cash, positions_value, value, held))
        packet["portfolio_value"] = float(value)
        packet["cash"] = float(cash)
        packet["positions_value"] = float(positions_value)

    def end_of_simulation(self, summary: dict[str, Any]) -> None:
        last = self.history[-1] if self.history else None
        summary["final_portfolio_value"] = last.portfolio_value if last else None
        summary["final_cash"] = last.cash if last else None


class Returns:
    """Session return: portfolio value at the close over the value at the previous close."""

    def __init__(self) -> None:
        self.returns: list[float] = []
        self._start: Money | None = None

    def start_of_session(self, ledger: DecimalLedger, session: pd.Timestamp) -> None:
        self._start = ledger.portfolio_value

    def end_of_session(
        self, packet: dict[str, Any], ledger: DecimalLedger, session: pd.Timestamp
    ) -> None:
        start = self._start
        numeric = ledger.numeric
        ret = float(numeric.sub(numeric.div(ledger.portfolio_value, start), 1)) if start else 0.0
        self.returns.append(ret)
        packet["returns"] = ret

    def end_of_simulation(self, summary: dict[str, Any]) -> None:
        cumulative = stats.cumulative_returns(self.returns)
        summary["total_return"] = float(cumulative[-1]) if len(cumulative) else 0.0


class CumulativeReturns:
    """Compounded return since the start, per session."""

    def __init__(self) -> None:
        self._growth = 1.0

    def end_of_session(
        self, packet: dict[str, Any], ledger: DecimalLedger, session: pd.Timestamp
    ) -> None:
        self._growth *= 1.0 + packet["returns"]
        packet["cumulative_returns"] = self._growth - 1.0


class RiskStats:
    """Annual volatility, Sharpe, Sortino and max drawdown over the session returns."""

    def __init__(self, returns: Returns) -> None:
        self._returns = returns

    def end_of_simulation(self, summary: dict[str, Any]) -> None:
        r = self._returns.returns
        summary["volatility"] = stats.annual_volatility(r)
        summary["sharpe"] = stats.sharpe_ratio(r)
        summary["sortino"] = stats.sortino_ratio(r)
        summary["max_drawdown"] = stats.max_drawdown(r)


class Drawdown:
    """Running drawdown of the portfolio value from its high-water mark, per session."""

    def __init__(self) -> None:
        self._peak = float("-inf")

    def end_of_session(
        self, packet: dict[str, Any], ledger: DecimalLedger, session: pd.Timestamp
    ) -> None:
        value = packet["portfolio_value"]
        self._peak = max(self._peak, value)
        packet["drawdown"] = value / self._peak - 1.0 if self._peak > 0 else 0.0


def default_metrics() -> list[object]:
    """The named default set, in the order their hooks run."""
    returns = Returns()
    return [PortfolioValues(), returns, CumulativeReturns(), Drawdown(), RiskStats(returns)]
