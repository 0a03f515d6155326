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
    """A bar of money values, all converted (a `Bar`; the engine's own are ConvertingBar)."""

    open: Money
    high: Money
    low: Money
    close: Money
    volume: int


class Bar(Protocol):
    """A bar as the blotter's slippage model reads it: prices in money, volume in shares."""

    @property
    def open(self) -> Money: ...
    @property
    def high(self) -> Money: ...
    @property
    def low(self) -> Money: ...
    @property
    def close(self) -> Money: ...
    @property
    def volume(self) -> int: ...


class ConvertingBar:
    """A portal bar whose open is converted up front and whose high, low and close are
    converted when read: a market order's fill reads only the open and the volume."""

    __slots__ = ("_convert", "_raw", "open", "volume")

    def __init__(
        self, raw: tuple[float, float, float, float, int], convert: Callable[[float], Money]
    ) -> None:
        self._raw = raw
        self._convert = convert
        self.open: Money = convert(raw[0])
        self.volume = int(raw[4])

    @property
    def high(self) -> Money:
        return self._convert(self._raw[1])

    @property
    def low(self) -> Money:
        return self._convert(self._raw[2])

    @property
    def close(self) -> Money:
        return self._convert(self._raw[3])


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

    def bar(self, sid: int) -> ConvertingBar | None:
        """The current bar of ``sid``, or None when it has no bar now."""
        raw = self._source.bar(sid)
        if raw is None or raw[4] <= 0:
            return None
        return ConvertingBar(raw, self._convert)
