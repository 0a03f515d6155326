"""The ledger: cash, positions, realized PnL and commissions in the run's money type.

Every value that enters is checked against the numeric mode, so a float reaching a Decimal
ledger raises ``NumericModeError`` naming its source instead of silently mixing types. All
arithmetic uses the mode's explicit context: its methods (``NumericMode.add/sub/mul/div``) on
the per-fill and per-bar paths, a ``context()`` block elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rustybt.finance.decimal.position import DecimalPosition
from rustybt.finance.decimal.transaction import DecimalTransaction
from rustybt.numeric import Money, NumericMode


class DecimalLedger:
    """Cash and positions. ``mark(price_of)`` revalues held positions only."""

    def __init__(self, capital_base: Money, numeric: NumericMode) -> None:
        numeric.check(capital_base, "DecimalLedger capital_base")
        self.numeric = numeric
        self.starting_cash: Money = capital_base
        self.cash: Money = capital_base
        self.positions: dict[int, DecimalPosition] = {}
        self.realized_pnl: Money = numeric.zero
        self.commissions: Money = numeric.zero
        self.version = 0  # bumps on every change, so views can cache
        self._positions_value: tuple[int, Money] = (-1, self.numeric.zero)

    def process_transaction(self, txn: DecimalTransaction, source: str = "blotter") -> None:
        """Apply one fill: cash moves by -(amount * price) - commission."""
        check = self.numeric.check
        check(txn.price, f"transaction price for sid {txn.sid} (from {source})")
        check(txn.commission, f"transaction commission for sid {txn.sid} (from {source})")
        numeric = self.numeric
        add, sub = numeric.add, numeric.sub
        price, commission = txn.price, txn.commission
        self.cash = sub(sub(self.cash, numeric.mul(price, txn.amount)), commission)
        self.commissions = add(self.commissions, commission)
        position = self.positions.get(txn.sid)
        if position is None:
            position = DecimalPosition(txn.sid, 0, numeric.zero, price)
            self.positions[txn.sid] = position
        self.realized_pnl = add(self.realized_pnl, position.apply(txn.amount, price, numeric))
        if position.amount == 0:
            del self.positions[txn.sid]
        self.version += 1

    def process_transactions(self, txns: Iterable[DecimalTransaction]) -> None:
        for txn in txns:
            self.process_transaction(txn)

    def mark(self, price_of: Callable[[int], Money], source: str = "data portal") -> None:
        """Revalue every held position at ``price_of(sid)`` (money, already converted)."""
        money_type = self.numeric.money_type
        for sid, position in self.positions.items():
            price = price_of(sid)
            if type(price) is not money_type:
                self.numeric.check(price, f"mark-to-market price for sid {sid} (from {source})")
            position.last_sale_price = price
        self.version += 1

    def mark_row(
        self,
        values: list[float],
        column: dict[int, int],
        convert: Callable[[float], Money],
        source: str = "data portal",
    ) -> None:
        """``mark`` at ``convert(values[column[sid]])`` (``MoneyPrices.row_now()``), inline."""
        money_type = self.numeric.money_type
        for sid, position in self.positions.items():
            price = convert(values[column[sid]])
            if type(price) is not money_type:
                self.numeric.check(price, f"mark-to-market price for sid {sid} (from {source})")
            position.last_sale_price = price
        self.version += 1

    def amount(self, sid: int) -> int:
        position = self.positions.get(sid)
        return 0 if position is None else position.amount

    @property
    def positions_value(self) -> Money:
        """Sum of amount x last price over held positions (cached until the next change)."""
        version, total = self._positions_value
        if version == self.version:
            return total
        add, mul = self.numeric.add, self.numeric.mul
        total = self.numeric.zero
        for position in self.positions.values():
            total = add(total, mul(position.last_sale_price, position.amount))
        self._positions_value = (self.version, total)
        return total

    @property
    def portfolio_value(self) -> Money:
        return self.numeric.add(self.cash, self.positions_value)

    @property
    def unrealized_pnl(self) -> Money:
        with self.numeric.context():
            total = self.numeric.zero
            for position in self.positions.values():
                total = total + position.unrealized_pnl
            return total
