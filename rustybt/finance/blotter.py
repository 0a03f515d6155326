"""The blotter: open orders and their fills against later bars.

``fill(dt, ...)`` announces a new bar and fills against it only the orders placed before
that bar arrived (each order is stamped with the blotter's bar count when placed), so an
order placed while handling bar t fills at t+1 at the earliest, and one placed in
before_trading_start can fill on the session's first bar.
Orders stay open (good till cancelled) until fully filled.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from rustybt.errors import RustyBTError
from rustybt.finance.commission import PerShare
from rustybt.finance.decimal.transaction import DecimalTransaction
from rustybt.finance.order import Order, OrderStatus
from rustybt.finance.pricing import Bar
from rustybt.finance.slippage import VolumeShareSlippage
from rustybt.numeric import Money, NumericMode


class Blotter:
    """Places, cancels and fills orders. ``slippage`` and ``commission`` are swappable models."""

    slippage: VolumeShareSlippage
    commission: PerShare

    def __init__(
        self,
        numeric: NumericMode,
        slippage: VolumeShareSlippage | None = None,
        commission: PerShare | None = None,
    ) -> None:
        self.numeric = numeric
        self.set_slippage(slippage or VolumeShareSlippage())
        self.set_commission(commission or PerShare())
        self.open_orders: dict[int, Order] = {}
        self.orders: dict[int, Order] = {}
        self._open_by_sid: dict[int, int] = {}  # sid -> signed shares still to fill
        self._next_id = 1
        self.bar_count = 0  # bars announced through fill()

    def set_slippage(self, model: VolumeShareSlippage) -> None:
        model.bind(self.numeric)
        self.slippage = model

    def set_commission(self, model: PerShare) -> None:
        model.bind(self.numeric)
        self.commission = model

    @property
    def source(self) -> str:
        """Where this blotter's fills come from, for error messages."""
        return (
            f"blotter fill priced by {type(self.slippage).__name__}, "
            f"commission by {type(self.commission).__name__}"
        )

    def order(self, sid: int, amount: int, dt: pd.Timestamp, limit: Money | None = None) -> int:
        """Queue an order; returns its id. ``amount`` is signed whole shares (non-zero)."""
        if type(amount) is not int or amount == 0:
            raise RustyBTError(f"order amount must be a non-zero whole number, got {amount!r}")
        if limit is not None:
            self.numeric.check(limit, f"limit price of order for sid {sid}")
        order = Order(self._next_id, sid, amount, dt, self.bar_count, limit)
        self._next_id += 1
        self.open_orders[order.id] = order
        self.orders[order.id] = order
        self._open_by_sid[sid] = self._open_by_sid.get(sid, 0) + amount
        return order.id

    def cancel(self, order_id: int) -> None:
        order = self.open_orders.pop(order_id, None)
        if order is not None:
            order.status = OrderStatus.CANCELLED
            self._open_by_sid[order.sid] -= order.open_amount

    def open_amount(self, sid: int) -> int:
        """Signed shares still to fill across the open orders for ``sid``."""
        return self._open_by_sid.get(sid, 0)

    def fill(
        self, dt: pd.Timestamp, bar_of: Callable[[int], Bar | None]
    ) -> list[DecimalTransaction]:
        """A new bar ``dt`` arrived: fill the orders placed before it; returns the fills."""
        self.bar_count += 1
        txns: list[DecimalTransaction] = []
        if not self.open_orders:
            return txns
        with self.numeric.context():
            self._fill_into(txns, dt, bar_of)
        return txns

    def _fill_into(
        self,
        txns: list[DecimalTransaction],
        dt: pd.Timestamp,
        bar_of: Callable[[int], Bar | None],
    ) -> None:
        volume_used: dict[int, int] = {}
        bars: dict[int, Bar | None] = {}
        for order in list(self.open_orders.values()):
            if order.bar >= self.bar_count:
                continue
            sid = order.sid
            bar = bars[sid] if sid in bars else bars.setdefault(sid, bar_of(sid))
            if bar is None:
                continue
            filled = self.slippage.fill(order, bar, volume_used.get(sid, 0))
            if filled is None:
                continue
            price, amount = filled
            txns.append(self._execute(order, dt, price, amount))
            volume_used[sid] = volume_used.get(sid, 0) + abs(amount)

    def _execute(
        self, order: Order, dt: pd.Timestamp, price: Money, amount: int
    ) -> DecimalTransaction:
        commission = self.commission.calculate(order, amount)
        order.filled += amount
        self._open_by_sid[order.sid] -= amount
        order.commission = commission if order.commission is None else order.commission + commission
        if order.filled == order.amount:
            order.status = OrderStatus.FILLED
            del self.open_orders[order.id]
        return DecimalTransaction(order.sid, amount, dt, price, commission, order.id)
