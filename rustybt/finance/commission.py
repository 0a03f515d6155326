"""Commission: a cost per share with a minimum per order."""

from __future__ import annotations

from rustybt.finance.order import Order
from rustybt.numeric import Money, NumericMode


class PerShare:
    """``cost`` per share traded, at least ``min_trade_cost`` per order.

    Like zipline, the minimum applies to the whole order: its first fill pays at least the
    minimum, later partial fills pay only what the per-share cost adds beyond what was paid.
    """

    def __init__(
        self, numeric: NumericMode, cost: object = "0.005", min_trade_cost: object = "1"
    ) -> None:
        self.numeric = numeric
        self.cost = numeric.money(cost, "PerShare cost")
        self.min_trade_cost = numeric.money(min_trade_cost, "PerShare min_trade_cost")

    def calculate(self, order: Order, fill_amount: int) -> Money:
        """Commission for a fill of ``fill_amount`` shares, given what ``order`` already paid."""
        paid = order.commission if order.commission is not None else self.numeric.zero
        total = max(self.cost * (abs(order.filled) + abs(fill_amount)), self.min_trade_cost)
        return total - paid
