"""Tradable assets. An `Asset` is a frozen value identified by its sid (zipline's convention)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, eq=False, slots=True)
class Asset:
    """One tradable instrument. Equality and hashing use `sid` only, so an Asset can key dicts
    and label DataFrame columns exactly as in zipline."""

    sid: int
    symbol: str
    exchange: str = "XNYS"
    start_date: date | None = None
    end_date: date | None = None

    def __hash__(self) -> int:
        return hash(self.sid)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Asset):
            return self.sid == other.sid
        return NotImplemented

    def __lt__(self, other: Asset) -> bool:
        return self.sid < other.sid

    def __int__(self) -> int:
        return self.sid

    def __index__(self) -> int:
        return self.sid

    def __repr__(self) -> str:
        return f"Asset({self.sid} [{self.symbol}])"

    def is_alive(self, session: date) -> bool:
        """True when `session` lies within the asset's start/end dates (open-ended if unset)."""
        if self.start_date is not None and session < self.start_date:
            return False
        return self.end_date is None or session <= self.end_date
