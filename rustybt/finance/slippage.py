"""Slippage: how much of an order fills on a bar, and at what price."""

from __future__ import annotations

from rustybt.finance.order import Order
from rustybt.finance.pricing import Bar
from rustybt.numeric import Money, NumericMode


class VolumeShareSlippage:
    """Zipline's volume-share model: at most ``volume_limit`` of a bar's volume fills (shared by
    all orders for that asset on that bar), and the price moves against the order by
    ``price_impact * volume_share**2 * base_price``.

    The base price is the bar's open for a market order. A buy limit fills only if the bar's
    low reaches the limit (base = min(open, limit)), a sell limit only if its high does
    (base = max(open, limit)); the impacted price never crosses the limit.
    """

    numeric: NumericMode
    price_impact: Money

    def __init__(self, volume_limit: float = 0.025, price_impact: object = "0.1") -> None:
        self.volume_limit = volume_limit
        self._price_impact = price_impact

    def bind(self, numeric: NumericMode) -> None:
        """Convert the parameters to the run's money type (the blotter calls this)."""
        self.numeric = numeric
        self.price_impact = numeric.money(self._price_impact, "VolumeShareSlippage price_impact")

    def fill(self, order: Order, bar: Bar, volume_used: int) -> tuple[Money, int] | None:
        """``(price, signed amount)`` for this bar, or None when nothing fills."""
        base = self._base_price(order, bar)
        if base is None:
            return None
        remaining = int(self.volume_limit * bar.volume) - volume_used
        if remaining < 1:
            return None
        shares = min(remaining, abs(order.open_amount))
        money = self.numeric.money_type
        share = money(shares) / money(bar.volume)
        impact = share * share * self.price_impact * base
        price = base + impact if order.direction > 0 else base - impact
        if order.limit is not None:
            price = min(price, order.limit) if order.direction > 0 else max(price, order.limit)
        return price, shares * order.direction

    @staticmethod
    def _base_price(order: Order, bar: Bar) -> Money | None:
        limit = order.limit
        if limit is None:
            return bar.open
        if order.direction > 0:
            return min(bar.open, limit) if bar.low <= limit else None
        return max(bar.open, limit) if bar.high >= limit else None
