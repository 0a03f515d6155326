"""Commission: a cost per share with a minimum per order."""

from __future__ import annotations

from rustybt.finance.order import Order
from rustybt.numeric import Money, NumericMode


class PerShare:
    """``cost`` per share traded, at least ``min_trade_cost`` per order.

    Like zipline, the minimum applies to the whole order: its first fill pays at least the
    minimum, later partial fills pay only what the per-share cost adds beyond what was paid.
    """

    numeric: NumericMode
    cost: Money
    min_trade_cost: Money

    def __init__(self, cost: object = "0.005", min_trade_cost: object = "1") -> None:
        self._params = (cost, min_trade_cost)

    def bind(self, numeric: NumericMode) -> None:
        """Convert the parameters to the run's money type (the blotter calls this)."""
        self.numeric = numeric
        self.cost = numeric.money(self._params[0], "PerShare cost")
        self.min_trade_cost = numeric.money(self._params[1], "PerShare min_trade_cost")

    def calculate(self, order: Order, fill_amount: int) -> Money:
        """Commission for a fill of ``fill_amount`` shares, given what ``order`` already paid."""
        paid = order.commission if order.commission is not None else self.numeric.zero
        total = max(self.cost * (abs(order.filled) + abs(fill_amount)), self.min_trade_cost)
        return total - paid
