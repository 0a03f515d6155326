"""A fill: what was bought or sold, at what price and commission."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from rustybt.numeric import Money, money_mul


@dataclass(frozen=True, slots=True)
class DecimalTransaction:
    """One fill of an order. ``amount`` is signed (negative sells); money is the run's type."""

    sid: int
    amount: int
    dt: pd.Timestamp
    price: Money
    commission: Money
    order_id: int

    @property
    def value(self) -> Money:
        """Signed cash value of the shares traded (excluding commission)."""
        return money_mul(self.price, self.amount)
