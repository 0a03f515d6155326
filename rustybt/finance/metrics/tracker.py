"""Calls each metric's hooks in an explicit loop (hooks are looked up once, not per call)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from rustybt.finance.decimal.ledger import DecimalLedger


def _hooks(metrics: Sequence[object], name: str) -> list[Callable[..., None]]:
    return [getattr(m, name) for m in metrics if callable(getattr(m, name, None))]


class MetricsTracker:
    def __init__(self, metrics: Sequence[object]) -> None:
        self.metrics = list(metrics)
        self._start_of_session = _hooks(metrics, "start_of_session")
        self._end_of_bar = _hooks(metrics, "end_of_bar")
        self._end_of_session = _hooks(metrics, "end_of_session")
        self._end_of_simulation = _hooks(metrics, "end_of_simulation")

    @property
    def wants_bars(self) -> bool:
        return bool(self._end_of_bar)

    def start_of_session(self, ledger: DecimalLedger, session: pd.Timestamp) -> None:
        for hook in self._start_of_session:
            hook(ledger, session)

    def end_of_bar(self, ledger: DecimalLedger, dt: pd.Timestamp) -> None:
        for hook in self._end_of_bar:
            hook(ledger, dt)

    def end_of_session(
        self, packet: dict[str, Any], ledger: DecimalLedger, session: pd.Timestamp
    ) -> None:
        for hook in self._end_of_session:
            hook(packet, ledger, session)

    def end_of_simulation(self) -> dict[str, Any]:
        summary: dict[str, Any] = {}
        for hook in self._end_of_simulation:
            hook(summary)
        return summary
