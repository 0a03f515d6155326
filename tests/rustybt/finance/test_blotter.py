"""Blotter, volume-share slippage and per-share commission against hand-written bars."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal as D  # noqa: N817  (reads like the hand computation)

import pandas as pd
import pytest

from rustybt.errors import RustyBTError
from rustybt.finance.blotter import Blotter
from rustybt.finance.commission import PerShare
from rustybt.finance.order import OrderStatus
from rustybt.finance.pricing import Bar, ConvertingBar, MoneyBar
from rustybt.finance.slippage import VolumeShareSlippage
from rustybt.numeric import numeric_mode

T0 = pd.Timestamp("2026-10-27 14:30", tz="UTC")
T1 = pd.Timestamp("2026-10-27 14:31", tz="UTC")
T2 = pd.Timestamp("2026-10-27 14:32", tz="UTC")
DEC = numeric_mode("decimal")
BAR = MoneyBar(D("20"), D("21"), D("19"), D("20.5"), 10_000)


def bars(bar: Bar | None = BAR) -> Callable[[int], Bar | None]:
    return lambda sid: bar


def test_order_fills_on_the_bar_after_it_was_placed() -> None:
    blotter = Blotter(DEC)
    assert blotter.fill(T0, bars()) == []  # bar T0 arrives; the strategy orders while on it
    blotter.order(1, 100, T0)
    assert blotter.orders[1].bar == 1
    (txn,) = blotter.fill(T1, bars())
    assert (txn.dt, txn.amount) == (T1, 100)
    # 100 / 10,000 = 1% of volume: impact 0.1 * 0.01^2 * 20 = 0.0002
    assert txn.price == D("20.0002")
    assert txn.commission == D("1")  # 0.005 * 100 = 0.50, raised to the 1.00 minimum
    assert blotter.open_orders == {}
    assert blotter.orders[1].status is OrderStatus.FILLED
    assert blotter.fill(T2, bars()) == []


def test_volume_limit_splits_an_order_and_shares_the_bar_between_orders() -> None:
    blotter = Blotter(DEC)
    first = blotter.order(1, 300, T0)
    blotter.order(1, 100, T0)
    (txn,) = blotter.fill(T1, bars())  # 2.5% of 10,000 = 250 shares per bar, all to the first
    assert (txn.order_id, txn.amount, txn.price) == (first, 250, D("20.00125"))
    assert txn.commission == D("1.250")
    assert blotter.open_amount(1) == 150
    txns = blotter.fill(T2, bars())
    assert [(t.order_id, t.amount) for t in txns] == [(1, 50), (2, 100)]
    # the first order has paid 1.25 already: 0.005 * 300 = 1.50 in all
    assert txns[0].commission == D("0.250")
    assert blotter.open_amount(1) == 0


def test_sell_price_moves_down_and_no_bar_means_no_fill() -> None:
    blotter = Blotter(DEC)
    blotter.order(1, -200, T0)
    assert blotter.fill(T1, bars(None)) == []
    (txn,) = blotter.fill(T2, bars())
    assert (txn.amount, txn.price) == (-200, D("20") - D("0.1") * D("0.02") ** 2 * 20)


def test_limit_orders_fill_only_when_the_bar_reaches_the_limit() -> None:
    blotter = Blotter(DEC)
    buy = blotter.order(1, 10, T0, limit=D("18.50"))
    sell = blotter.order(2, -10, T0, limit=D("20.80"))
    assert [t.order_id for t in blotter.fill(T1, bars())] == [sell]  # high 21 >= 20.80
    assert blotter.orders[sell].status is OrderStatus.FILLED
    # sell base = max(open 20, limit 20.80); impact would lower it, floored at the limit
    assert blotter.orders[sell].filled == -10
    low = MoneyBar(D("18.60"), D("18.70"), D("18.40"), D("18.45"), 10_000)
    (txn,) = blotter.fill(T2, bars(low))
    assert (txn.order_id, txn.price) == (buy, D("18.50"))  # base min(open, limit), capped


def test_a_portal_bar_converts_what_the_fill_reads() -> None:
    """The engine's bars (ConvertingBar over the portal's floats) fill market and limit
    orders exactly as bars of converted money do; high/low/close convert when read."""
    seen: list[float] = []

    def convert(value: float) -> D:
        seen.append(value)
        return DEC.price(value)

    raw = (18.6, 18.7, 18.4, 18.45, 10_000)
    fills = []
    for bar in (
        ConvertingBar(raw, convert),
        MoneyBar(D("18.6"), D("18.7"), D("18.4"), D("18.45"), 10_000),
    ):
        blotter = Blotter(DEC)
        blotter.order(1, 10, T0)
        blotter.order(2, 10, T0, limit=D("18.50"))
        fills.append([(t.order_id, str(t.price)) for t in blotter.fill(T1, bars(bar))])
        if isinstance(bar, ConvertingBar):
            assert seen == [18.6, 18.4]  # open up front; low for the buy limit only
            assert (str(bar.high), str(bar.close), bar.volume) == ("18.7", "18.45", 10_000)
    assert fills[0] == fills[1] == [(1, "18.60000186"), (2, "18.50")]


def test_gapped_open_through_the_limit_fills_at_the_open() -> None:
    blotter = Blotter(DEC, slippage=VolumeShareSlippage(price_impact=0))
    blotter.order(1, 10, T0, limit=D("19"))
    gap = MoneyBar(D("18"), D("18.5"), D("17.5"), D("18.2"), 10_000)
    (txn,) = blotter.fill(T1, bars(gap))
    assert txn.price == D("18")


def test_cancel_and_bad_amounts() -> None:
    blotter = Blotter(DEC, commission=PerShare(cost="0.01", min_trade_cost=0))
    oid = blotter.order(1, 5, T0)
    blotter.cancel(oid)
    assert blotter.orders[oid].status is OrderStatus.CANCELLED
    assert blotter.open_amount(1) == 0
    assert blotter.fill(T1, bars()) == []
    with pytest.raises(RustyBTError, match="non-zero whole number"):
        blotter.order(1, 0, T0)
    with pytest.raises(RustyBTError, match="non-zero whole number"):
        blotter.order(1, 1.5, T0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="limit price"):
        blotter.order(1, 1, T0, limit=18.5)
    blotter.order(1, 7, T0)
    (txn,) = blotter.fill(T1, bars())
    assert txn.commission == D("0.07")


def test_float_mode_uses_floats_throughout() -> None:
    blotter = Blotter(numeric_mode("float"))
    blotter.order(1, 100, T0)
    (txn,) = blotter.fill(T1, bars(MoneyBar(20.0, 21.0, 19.0, 20.5, 10_000)))
    assert type(txn.price) is float and type(txn.commission) is float
    assert txn.price == pytest.approx(20.0002, rel=1e-15)
