"""One held position: share count, average cost and the last price it was marked at."""

from __future__ import annotations

from dataclasses import dataclass

from rustybt.numeric import Money, NumericMode, money_mul, money_sub


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

    def apply(self, amount: int, price: Money, numeric: NumericMode) -> Money:
        """Add a fill of ``amount`` shares at ``price``; return the realized PnL it closes.

        The arithmetic is ``numeric``'s explicit-context add/sub/mul/div."""
        add, sub, mul = numeric.add, numeric.sub, numeric.mul
        old = self.amount
        new = old + amount
        realized = sub(price, price)  # a zero of the money type
        if old == 0 or (old > 0) == (amount > 0):
            # opening or adding in the same direction: average the cost
            cost = add(mul(self.cost_basis, old), mul(price, amount))
            self.cost_basis = numeric.div(cost, new)
        else:
            closed = min(abs(amount), abs(old))
            direction = 1 if old > 0 else -1
            realized = mul(sub(price, self.cost_basis), closed * direction)
            if new == 0:
                self.cost_basis = sub(price, price)
            elif (new > 0) != (old > 0):
                self.cost_basis = price  # flipped: the remainder was opened at this price
        self.amount = new
        self.last_sale_price = price
        return realized
