"""TradingAlgorithm and rustybt.api: lookups, orders, portfolio view, hooks, errors."""

from __future__ import annotations

import dataclasses
from decimal import Decimal as D  # noqa: N817  (reads like the hand computation)
from typing import Any

import pandas as pd
import pytest
from handmade import SESSIONS, write_handmade

from rustybt import api
from rustybt.data.bundles import Bundle
from rustybt.errors import RustyBTError, StrategyError
from rustybt.run import run_algorithm


@pytest.fixture(scope="module")
def handmade(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    return write_handmade(tmp_path_factory.mktemp("handmade-algo"))


def run(bundle: Bundle, handle_data: Any = None, **kwargs: Any) -> Any:
    return run_algorithm(
        bundle=bundle,
        initialize=kwargs.pop("initialize", lambda context: None),
        handle_data=handle_data,
        **kwargs,
    )


def test_api_outside_a_run_is_a_clear_error() -> None:
    with pytest.raises(RustyBTError, match="only inside a running strategy"):
        api.symbol("AAA")


def test_lookups(handmade: Bundle) -> None:
    seen: dict[str, Any] = {}

    def initialize(context: Any) -> None:
        seen["symbols"] = api.symbols("AAA", "BBB")
        seen["sid"] = api.sid(1)
        seen["all"] = api.all_assets()
        for bad in (lambda: api.symbol("ZZZ"), lambda: api.sid(9)):
            with pytest.raises(RustyBTError) as info:
                bad()
            seen.setdefault("errors", []).append(str(info.value))

    run(handmade, initialize=initialize)
    assert [a.symbol for a in seen["symbols"]] == ["AAA", "BBB"]
    assert seen["sid"].symbol == "BBB" and seen["all"] == seen["symbols"]
    assert seen["errors"] == [
        "unknown symbol 'ZZZ'; this bundle trades 2 assets (AAA, BBB)",
        "unknown sid 9; this bundle's sids are 0..1",
    ]


def test_portfolio_view_is_frozen_and_marked_to_the_current_bar(handmade: Bundle) -> None:
    views: list[Any] = []

    def handle_data(context: Any, data: Any) -> None:
        aaa = api.symbol("AAA")
        if api.get_datetime().date() == SESSIONS[0]:
            api.order(aaa, 100)
        views.append((context.portfolio, context.portfolio.positions[aaa]))

    run(handmade, handle_data, capital_base="1000")
    first, first_pos = views[0]
    assert first.cash == D("1000") and first.portfolio_value == D("1000")
    assert first_pos.amount == 0 and aaa_not_held(first)
    second, second_pos = views[1]
    assert second_pos.amount == 100 and second_pos.last_sale_price == D("10.6")  # day-2 close
    assert second.portfolio_value == second.cash + D("1060")
    assert second.pnl == second.portfolio_value - D("1000")
    with pytest.raises(dataclasses.FrozenInstanceError):
        second.cash = D("0")


def aaa_not_held(portfolio: Any) -> bool:
    return len(portfolio.positions) == 0 and list(portfolio.positions) == []


def test_order_target_percent_counts_open_orders(handmade: Bundle) -> None:
    ids: list[Any] = []

    def handle_data(context: Any, data: Any) -> None:
        if api.get_datetime().date() == SESSIONS[0]:
            aaa = api.symbol("AAA")
            ids.append(api.order_target_percent(aaa, 0.5))  # 50,000 / 10.20 -> 4901 shares
            ids.append(api.order_target_percent(aaa, 0.5))  # already on order: nothing more
            ids.append(api.order_target_value(aaa, "1020"))  # down to 100 shares: sell 4801
            ids.append(api.get_open_orders(aaa))

    result = run(handmade, handle_data)
    assert ids[1] is None and ids[3] == [ids[0], ids[2]]
    assert next(t.amount for t in result.transactions if t.order_id == ids[0]) == 2500
    first_day_orders = result.perf["orders"][0]
    assert first_day_orders == 2


@pytest.mark.parametrize("numeric", ["decimal", "float"])
def test_order_target_percent_zero_flattens_and_bad_targets_still_fail(
    handmade: Bundle, numeric: str
) -> None:
    """0.0 and -0.0 close the position without any conversion; a repeated fraction orders
    what the first did; NaN and infinity are refused every time, memo or not."""
    seen: list[Any] = []

    def handle_data(context: Any, data: Any) -> None:
        aaa = api.symbol("AAA")
        day = api.get_datetime().date()
        if day == SESSIONS[0]:
            seen.append(api.order_target_percent(aaa, 0.25))
        elif day == SESSIONS[1]:
            seen.append(api.order_target_percent(aaa, -0.0))  # flat: sells what is held
            seen.append(api.order_target_percent(aaa, 0.0))  # already flat with the sell open
            for bad in (float("nan"), float("inf"), float("nan")):
                with pytest.raises(RustyBTError, match="not a finite number"):
                    api.order_target_percent(aaa, bad)
        elif day == SESSIONS[2]:
            seen.append(api.order_target_percent(aaa, 0.25))  # the same fraction again
            seen.append(api.order_target_percent(aaa, 0.25))  # on order already: nothing

    result = run(handmade, handle_data, numeric=numeric)
    assert seen[2] is None and seen[4] is None
    fills = {t.order_id: t.amount for t in result.transactions}
    assert fills[seen[0]] == 2450  # 0.25 x 100,000 / 10.20
    assert fills[seen[1]] == -2450
    assert fills[seen[3]] > 0


def test_record_becomes_columns_and_before_trading_start_sees_only_past_bars(
    handmade: Bundle,
) -> None:
    def before_trading_start(context: Any, data: Any) -> None:
        closes = data.history(api.symbol("AAA"), "close", 2, "1d")
        api.record(bts_last=float(closes.iloc[-1]) if len(closes) else None)

    def handle_data(context: Any, data: Any) -> None:
        api.record(close=data.current(api.symbol("AAA"), "close"))

    perf = run(handmade, handle_data, before_trading_start=before_trading_start).perf
    assert perf["close"].to_list() == [10.2, 10.6, 10.1, 9.8, 10.25]
    assert perf["bts_last"].to_list() == [None, 10.2, 10.6, 10.1, 9.8]


def test_errors_in_hooks_wrap_with_timestamp_and_cause(handmade: Bundle) -> None:
    def before_trading_start(context: Any, data: Any) -> None:
        if api.get_datetime().date() == SESSIONS[2]:
            context.lookup = {"present": 1}
            context.lookup["missing"]

    with pytest.raises(StrategyError) as info:
        run(handmade, before_trading_start=before_trading_start)
    assert str(info.value).startswith(
        "before_trading_start raised KeyError: 'missing' (at 2026-10-28 00:00:00+00:00)"
    )
    assert isinstance(info.value.__cause__, KeyError)

    def initialize(context: Any) -> None:
        raise ValueError("bad setup")

    with pytest.raises(StrategyError, match=r"initialize raised ValueError: bad setup \(before"):
        run(handmade, initialize=initialize)


def test_set_slippage_only_in_initialize(handmade: Bundle) -> None:
    def handle_data(context: Any, data: Any) -> None:
        api.set_commission(api.PerShare(cost=0))

    with pytest.raises(StrategyError, match="set_commission works only in initialize"):
        run(handmade, handle_data)


def test_commission_model_from_initialize_applies(handmade: Bundle) -> None:
    def initialize(context: Any) -> None:
        api.set_commission(api.PerShare(cost="0.01", min_trade_cost=0))
        api.set_slippage(api.VolumeShareSlippage(volume_limit=1.0, price_impact=0))

    def handle_data(context: Any, data: Any) -> None:
        if api.get_datetime() == pd.Timestamp(SESSIONS[0], tz="UTC"):
            api.order(api.symbol("AAA"), 5000)

    result = run(handmade, handle_data, initialize=initialize)
    (txn,) = result.transactions
    assert (txn.amount, txn.price, txn.commission) == (5000, D("10.4"), D("50"))


def test_order_from_before_trading_start_fills_on_that_sessions_bar(handmade: Bundle) -> None:
    def before_trading_start(context: Any, data: Any) -> None:
        if api.get_datetime().date() == SESSIONS[1]:
            api.order(api.symbol("AAA"), 10)

    result = run(handmade, before_trading_start=before_trading_start)
    (txn,) = result.transactions
    assert txn.dt.date() == SESSIONS[1]
    assert txn.price == D("10.40") + D("0.1") * (D(10) / D(100_000)) ** 2 * D("10.40")


def test_record_may_not_shadow_result_columns(handmade: Bundle) -> None:
    with pytest.raises(StrategyError, match=r"record\(\) names \['cash'\] are results columns"):
        run(handmade, lambda context, data: api.record(cash=1, mine=2))
