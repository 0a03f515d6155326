"""Frozen, user-facing views of the ledger: what ``context.portfolio`` returns.

The ledger is domain state; these are snapshots the strategy can read but not change.
``Portfolio.positions[asset]`` gives a zero position for an asset not held (as in zipline).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from rustybt.assets import Asset
from rustybt.numeric import Money, money_mul, money_sub


@dataclass(frozen=True, slots=True)
class Position:
    asset: Asset
    amount: int
    cost_basis: Money
    last_sale_price: Money

    @property
    def market_value(self) -> Money:
        return money_mul(self.last_sale_price, self.amount)


class Positions(Mapping[Asset, Position]):
    """Held positions by asset; missing assets read as a zero position."""

    __slots__ = ("_held", "_zero")

    def __init__(self, held: dict[Asset, Position], zero: Money) -> None:
        self._held = held
        self._zero = zero

    def __getitem__(self, asset: Asset) -> Position:
        position = self._held.get(asset)
        if position is None:
            return Position(asset, 0, self._zero, self._zero)
        return position

    def __contains__(self, asset: object) -> bool:
        return asset in self._held

    def __iter__(self) -> Iterator[Asset]:
        return iter(self._held)

    def __len__(self) -> int:
        return len(self._held)

    def __repr__(self) -> str:
        return f"Positions({self._held!r})"


@dataclass(frozen=True, slots=True)
class Portfolio:
    starting_cash: Money
    cash: Money
    positions_value: Money
    portfolio_value: Money
    pnl: Money
    returns: Money
    positions: Positions

    @property
    def capital_used(self) -> Money:
        return money_sub(self.starting_cash, self.cash)
