"""TradingAlgorithm: the user's hooks plus the order/record/portfolio API they call.

The algorithm owns the blotter (orders) and the ledger (money); the simulation loop in
``rustybt.gens.simulation`` drives it. Exceptions raised by user hooks become
``StrategyError`` naming the hook and the bar timestamp, with the original as ``__cause__``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import pandas as pd

from rustybt.assets import Asset
from rustybt.errors import RustyBTError, StrategyError
from rustybt.finance.blotter import Blotter
from rustybt.finance.commission import PerShare
from rustybt.finance.decimal.ledger import DecimalLedger
from rustybt.finance.pricing import MoneyPrices, PriceSource
from rustybt.finance.slippage import VolumeShareSlippage
from rustybt.numeric import Money, NumericMode, memoized, whole_shares
from rustybt.protocol import Portfolio, Position, Positions

Hook = Callable[..., Any]
# columns the engine writes per session; record() may not shadow them
RESULT_COLUMNS = frozenset(
    ("session", "portfolio_value", "cash", "positions_value", "returns", "orders",
     "transactions", "cumulative_returns", "drawdown")
)  # fmt: skip


class AlgorithmContext:
    """The ``context`` object user hooks receive: free for user state, plus ``portfolio``."""

    def __init__(self, algo: TradingAlgorithm) -> None:
        self._algo = algo

    @property
    def portfolio(self) -> Portfolio:
        return self._algo.portfolio

    def get_datetime(self) -> pd.Timestamp:
        return self._algo.get_datetime()


class TradingAlgorithm:
    """One backtest's strategy state. Build with the hooks, a data portal and money settings."""

    def __init__(
        self,
        *,
        initialize: Hook,
        handle_data: Hook | None,
        before_trading_start: Hook | None,
        data: PriceSource,
        assets: Sequence[Asset],
        numeric: NumericMode,
        capital_base: Money,
        blotter: Blotter | None = None,
    ) -> None:
        self._initialize = initialize
        self._handle_data = handle_data
        self._before_trading_start = before_trading_start
        self.data = data
        self.numeric = numeric
        self.prices = MoneyPrices(data, numeric)
        self.ledger = DecimalLedger(capital_base, numeric)
        self.blotter = blotter or Blotter(numeric)
        self.assets = list(assets)
        self._by_sid = {a.sid: a for a in self.assets}
        self._by_symbol = {a.symbol: a for a in self.assets}
        self.context = AlgorithmContext(self)
        self.recorded: dict[str, Any] = {}
        self.datetime: pd.Timestamp | None = None
        self._marked = False  # held positions valued at the current bar's prices
        self._view: tuple[int, Portfolio] | None = None
        # order_target_percent's float targets as money (a strategy passes the same few)
        self._fraction = memoized(partial(numeric.money, source="order_target_percent target"))
        self._value: tuple[int, Money] | None = None

    # -- hooks, called by the simulation -------------------------------------------------

    def initialize(self) -> None:
        self._call("initialize", self._initialize, self.context)

    def before_trading_start(self, dt: pd.Timestamp) -> None:
        self.datetime = dt
        self._marked = False
        if self._before_trading_start is not None:
            self._call("before_trading_start", self._before_trading_start, self.context, self.data)

    def handle_data(self, dt: pd.Timestamp) -> None:
        self.datetime = dt
        self._marked = False  # a new bar: prices moved
        if self._handle_data is not None:
            self._call("handle_data", self._handle_data, self.context, self.data)

    def _call(self, name: str, hook: Hook, *args: object) -> None:
        try:
            hook(*args)
        except Exception as exc:
            when = "before the first bar" if self.datetime is None else f"at {self.datetime}"
            raise StrategyError(
                f"{name} raised {type(exc).__name__}: {exc} ({when}); fix the strategy code "
                f"shown in the traceback"
            ) from exc

    # -- asset lookup ---------------------------------------------------------------------

    def symbol(self, symbol: str) -> Asset:
        try:
            return self._by_symbol[symbol]
        except KeyError:
            known = ", ".join(list(self._by_symbol)[:10])
            raise RustyBTError(
                f"unknown symbol {symbol!r}; this bundle trades {len(self._by_symbol)} assets "
                f"({known}{', ...' if len(self._by_symbol) > 10 else ''})"
            ) from None

    def symbols(self, *symbols: str) -> list[Asset]:
        return [self.symbol(s) for s in symbols]

    def sid(self, sid: int) -> Asset:
        try:
            return self._by_sid[sid]
        except KeyError:
            raise RustyBTError(
                f"unknown sid {sid!r}; this bundle's sids are {min(self._by_sid)}.."
                f"{max(self._by_sid)}"
            ) from None

    def all_assets(self) -> list[Asset]:
        return list(self.assets)

    # -- orders ---------------------------------------------------------------------------

    def order(self, asset: Asset, amount: float, limit_price: object = None) -> int | None:
        """Order ``amount`` shares (negative sells); fills on a later bar. None if 0 shares."""
        shares = amount if type(amount) is int else whole_shares(amount)
        return self._place(self._sid_of(asset), shares, limit_price)

    def order_value(self, asset: Asset, value: object, limit_price: object = None) -> int | None:
        """Order ``value`` of money worth of ``asset`` at its last price."""
        sid = self._sid_of(asset)
        shares = self._shares_for(self.numeric.money(value, "order_value value"), sid)
        return self._place(sid, shares, limit_price)

    def order_target(self, asset: Asset, target: float, limit_price: object = None) -> int | None:
        """Order the shares needed to hold ``target``, counting open orders already placed."""
        sid = self._sid_of(asset)
        shares = target if type(target) is int else whole_shares(target)
        return self._place(sid, shares - self._held(sid), limit_price)

    def order_target_value(
        self, asset: Asset, target: object, limit_price: object = None
    ) -> int | None:
        """Hold ``target`` money worth of ``asset`` (open orders included)."""
        sid = self._sid_of(asset)
        shares = self._shares_for(self.numeric.money(target, "order_target_value target"), sid)
        return self._place(sid, shares - self._held(sid), limit_price)

    def order_target_percent(
        self, asset: Asset, target: object, limit_price: object = None
    ) -> int | None:
        """Hold ``target`` (a fraction) of current portfolio value in ``asset``."""
        sid = self._sid_of(asset)
        if type(target) is float:  # 0.0 is flat: no conversion needed
            fraction = self._fraction(target) if target else target
        else:
            fraction = self.numeric.money(target, "order_target_percent target")
        if not fraction:  # flat: no price or portfolio value needed
            return self._place(sid, -self._held(sid), limit_price)
        value = self.numeric.mul(self.portfolio_value(), fraction)
        return self._place(sid, self._shares_for(value, sid) - self._held(sid), limit_price)

    def _shares_for(self, value: Money, sid: int) -> int:
        return whole_shares(self.numeric.div(value, self.prices.price(sid)))

    def _held(self, sid: int) -> int:
        return self.ledger.amount(sid) + self.blotter.open_amount(sid)

    def _place(self, sid: int, shares: int, limit_price: object) -> int | None:
        if shares == 0:
            return None
        limit = None
        if limit_price is not None:
            limit = self.numeric.money(limit_price, f"limit_price for sid {sid}")
        return self.blotter.order(sid, shares, self._now(), limit)

    def cancel_order(self, order_id: int) -> None:
        self.blotter.cancel(order_id)

    def get_open_orders(self, asset: Asset | None = None) -> list[int]:
        sid = None if asset is None else self._sid_of(asset)
        return [o.id for o in self.blotter.open_orders.values() if sid is None or o.sid == sid]

    def set_slippage(self, model: VolumeShareSlippage) -> None:
        """Use ``model`` for fills (call from initialize)."""
        self._before_trading("set_slippage")
        self.blotter.set_slippage(model)

    def set_commission(self, model: PerShare) -> None:
        """Use ``model`` for commissions (call from initialize)."""
        self._before_trading("set_commission")
        self.blotter.set_commission(model)

    def _before_trading(self, what: str) -> None:
        if self.datetime is not None:
            raise RustyBTError(f"{what} works only in initialize; move the call there")

    # -- state ----------------------------------------------------------------------------

    def record(self, **values: Any) -> None:
        if not RESULT_COLUMNS.isdisjoint(values):
            taken = sorted(RESULT_COLUMNS.intersection(values))
            raise RustyBTError(f"record() names {taken} are results columns; pick other names")
        self.recorded.update(values)

    def get_datetime(self) -> pd.Timestamp:
        return self._now()

    @property
    def portfolio(self) -> Portfolio:
        """A frozen snapshot, marked to the current bar's prices (cached until a change)."""
        self._ensure_marked()
        view = self._view
        if view is None or view[0] != self.ledger.version:
            view = (self.ledger.version, self._snapshot())
            self._view = view
        return view[1]

    def portfolio_value(self) -> Money:
        """Cash plus held positions at the current bar's prices (cached until a change)."""
        self._ensure_marked()
        cached = self._value
        if cached is None or cached[0] != self.ledger.version:
            cached = (self.ledger.version, self.ledger.portfolio_value)
            self._value = cached
        return cached[1]

    def _ensure_marked(self) -> None:
        if not self._marked and self.ledger.positions:
            self.ledger.mark_row(*self.prices.row_now())
            self._marked = True

    def mark_to_market(self) -> None:
        """Revalue held positions at the current bar's last prices (engine use). A no-op when
        they were already marked at this bar (no fill can come between: fills precede
        handle_data, which starts every bar unmarked)."""
        if self._marked:
            return
        self.ledger.mark_row(*self.prices.row_now())
        self._marked = True

    def _snapshot(self) -> Portfolio:
        ledger = self.ledger
        by_sid = self._by_sid
        held = {
            by_sid[sid]: Position(by_sid[sid], p.amount, p.cost_basis, p.last_sale_price)
            for sid, p in ledger.positions.items()
        }
        with self.numeric.context():
            positions_value = ledger.positions_value
            value = ledger.cash + positions_value
            pnl = value - ledger.starting_cash
            returns = pnl / ledger.starting_cash if ledger.starting_cash else pnl - pnl
        return Portfolio(
            ledger.starting_cash,
            ledger.cash,
            positions_value,
            value,
            pnl,
            returns,
            Positions(held, self.numeric.zero),
        )

    def _now(self) -> pd.Timestamp:
        if self.datetime is None:
            raise RustyBTError(
                "orders and the clock are available from before_trading_start/handle_data, "
                "not initialize; move this call into handle_data"
            )
        return self.datetime

    def _sid_of(self, asset: Asset | int) -> int:
        if isinstance(asset, Asset):
            return asset.sid
        raise RustyBTError(f"expected an Asset (from symbol(), symbols() or sid()), got {asset!r}")
