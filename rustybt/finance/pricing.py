"""The conversion boundary: float prices from the data portal become the run's money type here,
and nowhere else."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, Protocol

from rustybt.numeric import Money, NumericMode


class PriceSource(Protocol):
    def price(self, sid: int) -> float: ...
    def bar(self, sid: int) -> tuple[float, float, float, float, int] | None: ...
    def price_row(self) -> tuple[list[float], dict[int, int]]: ...


class MoneyBar(NamedTuple):
    open: Money
    high: Money
    low: Money
    close: Money
    volume: int


class MoneyPrices:
    """``price(sid)`` and ``bar(sid)`` of a portal, converted to money."""

    __slots__ = ("_convert", "_source")

    def __init__(self, source: PriceSource, numeric: NumericMode) -> None:
        self._source = source
        self._convert = numeric.price_converter()

    def price(self, sid: int) -> Money:
        """Last close at or before the current bar."""
        return self._convert(self._source.price(sid))

    def prices_now(self) -> Callable[[int], Money]:
        """``price`` for any sid at the current bar, from one read of the bar's last closes
        (for valuing many positions at once)."""
        values, column, convert = self.row_now()
        return lambda sid: convert(values[column[sid]])

    def row_now(self) -> tuple[list[float], dict[int, int], Callable[[float], Money]]:
        """The bar's last closes by column, sid -> column, and the float -> money conversion:
        ``prices_now`` without a call per sid (the ledger's mark reads them inline)."""
        values, column = self._source.price_row()
        return values, column, self._convert

    def bar(self, sid: int) -> MoneyBar | None:
        """The current bar of ``sid``, or None when it has no bar now."""
        raw = self._source.bar(sid)
        if raw is None:
            return None
        o, h, low, c, v = raw
        if v <= 0:
            return None
        convert = self._convert
        return MoneyBar(convert(o), convert(h), convert(low), convert(c), int(v))
