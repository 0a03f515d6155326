"""Orders as the blotter tracks them."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import pandas as pd

from rustybt.numeric import Money


class OrderStatus(enum.Enum):
    OPEN = "open"
    FILLED = "filled"
    CANCELLED = "cancelled"


@dataclass(slots=True)
class Order:
    """A market order (``limit is None``) or a limit order for ``amount`` signed shares."""

    id: int
    sid: int
    amount: int
    created: pd.Timestamp
    bar: int  # the blotter's bar count when placed; fills only on a later bar
    limit: Money | None = None
    filled: int = 0
    commission: Money | None = None
    status: OrderStatus = OrderStatus.OPEN

    @property
    def open_amount(self) -> int:
        return self.amount - self.filled

    @property
    def direction(self) -> int:
        return 1 if self.amount > 0 else -1
