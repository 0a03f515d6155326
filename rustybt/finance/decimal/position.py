"""One held position: share count, average cost and the last price it was marked at."""

from __future__ import annotations

from dataclasses import dataclass

from rustybt.numeric import Money, money_mul, money_sub


@dataclass(slots=True)
class DecimalPosition:
    """Mutable ledger state for one asset. ``cost_basis`` is the average price paid per share
    (commissions excluded; they are tracked by the ledger), signed like the position."""

    sid: int
    amount: int
    cost_basis: Money
    last_sale_price: Money

    @property
    def market_value(self) -> Money:
        return money_mul(self.last_sale_price, self.amount)

    @property
    def unrealized_pnl(self) -> Money:
        return money_mul(money_sub(self.last_sale_price, self.cost_basis), self.amount)

    def apply(self, amount: int, price: Money) -> Money:
        """Add a fill of ``amount`` shares at ``price``; return the realized PnL it closes.

        Called by the ledger inside the numeric mode's context."""
        old = self.amount
        new = old + amount
        realized = price - price  # a zero of the money type
        if old == 0 or (old > 0) == (amount > 0):
            # opening or adding in the same direction: average the cost
            self.cost_basis = (self.cost_basis * old + price * amount) / new
        else:
            closed = min(abs(amount), abs(old))
            direction = 1 if old > 0 else -1
            realized = (price - self.cost_basis) * (closed * direction)
            if new == 0:
                self.cost_basis = price - price
            elif (new > 0) != (old > 0):
                self.cost_basis = price  # flipped: the remainder was opened at this price
        self.amount = new
        self.last_sale_price = price
        return realized
