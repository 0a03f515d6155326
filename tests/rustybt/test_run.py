"""run_algorithm end to end: a hand-computed backtest, the accounting identity, numeric modes,
no lookahead, results frame and strategy loading."""

from __future__ import annotations

from decimal import Decimal as D  # noqa: N817  (reads like the hand computation)
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from handmade import SESSIONS, write_handmade
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rustybt.api import order, order_target, set_slippage, symbol
from rustybt.data.bundles import Bundle
from rustybt.errors import RustyBTError, StrategyError
from rustybt.finance.decimal.transaction import DecimalTransaction
from rustybt.finance.order import Order
from rustybt.finance.pricing import MoneyBar
from rustybt.finance.slippage import VolumeShareSlippage
from rustybt.run import BacktestResult, load_algorithm_file, run_algorithm


@pytest.fixture(scope="module")
def handmade(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    return write_handmade(tmp_path_factory.mktemp("handmade"))


def _scripted(context: Any, data: Any) -> None:
    """Day 1: buy 1000 AAA at market, bid 49.75 for 100 BBB. Day 2: sell 400 AAA.
    Day 3: buy 3000 AAA (more than 2.5% of a bar's volume: fills over two bars).
    Day 4: target 0 BBB."""
    day = context.day = getattr(context, "day", 0) + 1
    aaa, bbb = symbol("AAA"), symbol("BBB")
    if day == 1:
        order(aaa, 1000)
        order(bbb, 100, limit_price="49.75")
    elif day == 2:
        order(aaa, -400)
    elif day == 3:
        order(aaa, 3000)
    elif day == 4:
        order_target(bbb, 0)


def _run_scripted(bundle: Bundle, numeric: str = "decimal") -> BacktestResult:
    return run_algorithm(
        bundle=bundle,
        initialize=lambda context: None,
        handle_data=_scripted,
        numeric=numeric,  # type: ignore[arg-type]
    )


def _txn(t: DecimalTransaction) -> tuple[int, int, str, D, D]:
    return (t.sid, t.amount, str(t.dt.date()), t.price, t.commission)


def test_hand_computed_backtest_every_fill_and_balance(handmade: Bundle) -> None:
    result = _run_scripted(handmade)
    # price = open -/+ 0.1 * (shares / volume)^2 * open; commission max(0.005/share, 1)/order
    assert [_txn(t) for t in result.transactions] == [
        (0, 1000, "2026-10-27", D("10.400104"), D("5.000")),  # market, day-2 open 10.40
        (1, 100, "2026-10-28", D("49.75"), D("1")),  # limit: low 49.50 reached, capped
        (0, -400, "2026-10-28", D("10.4999832"), D("2.000")),  # market sell, open 10.50
        (0, 2500, "2026-10-29", D("10.000625"), D("12.500")),  # 2.5% of 100,000 volume
        (0, 500, "2026-10-30", D("9.90002475"), D("2.500")),  # rest; order min already met
        (1, -100, "2026-10-30", D("48.9998775"), D("1")),
    ]
    values = result.sessions
    assert [v.session.date() for v in values] == SESSIONS
    assert [v.cash for v in values] == [
        D("100000"),
        D("89594.896"),
        D("88816.88928"),
        D("63802.82678"),
        D("63749.302155"),
    ]
    assert [v.positions for v in values] == [
        {},
        {0: (1000, D("10.6"))},
        {0: (600, D("10.1")), 1: (100, D("50.0"))},
        {0: (3100, D("9.8")), 1: (100, D("49.0"))},
        {0: (3600, D("10.25"))},
    ]
    assert [v.portfolio_value for v in values] == [
        D("100000"),
        D("100194.896"),
        D("99876.88928"),
        D("99082.82678"),
        D("100649.302155"),
    ]
    assert result.summary["final_portfolio_value"] == D("100649.302155")
    assert result.summary["commissions"] == D("24.000")
    assert result.perf["orders"].to_list() == [2, 1, 1, 1, 0]
    assert result.perf["transactions"].to_list() == [0, 1, 2, 1, 2]


def test_float_mode_matches_the_hand_computed_values(handmade: Bundle) -> None:
    result = _run_scripted(handmade, "float")
    assert [type(v.cash) for v in result.sessions] == [float] * 5
    assert result.sessions[-1].cash == pytest.approx(63749.302155, rel=1e-12)
    assert result.summary["final_portfolio_value"] == pytest.approx(100649.302155, rel=1e-12)


def test_returns_and_perf_columns(handmade: Bundle) -> None:
    perf = _run_scripted(handmade).perf
    assert perf.columns[:7] == [
        "session", "portfolio_value", "cash", "positions_value", "returns", "orders",
        "transactions",
    ]  # fmt: skip
    assert perf["session"].dtype == pl.Date
    assert perf["returns"][1] == pytest.approx(100194.896 / 100000 - 1, rel=1e-12)
    assert perf["returns"][4] == pytest.approx(100649.302155 / 99082.82678 - 1, rel=1e-12)


def test_accounting_identity_every_session_decimal(minute_bundle: Bundle) -> None:
    """portfolio_value == cash + sum(amount * last close), exactly, with closes read from the
    bundle's Parquet independently of the engine."""
    ns = load_algorithm_file(Path("rustybt/examples/mean_reversion.py").resolve())
    result = run_algorithm(bundle=minute_bundle, namespace=ns)
    assert result.summary["transactions"]
    bars = minute_bundle.bars()
    checked = 0
    for values in result.sessions:
        assert type(values.cash) is D
        close_of_session = minute_bundle.calendar.session_close(values.session.tz_localize(None))
        total = values.cash
        for sid, (amount, price) in values.positions.items():
            last = bars.filter((pl.col("sid") == sid) & (pl.col("dt") < close_of_session))
            assert price == D(repr(last["close"][-1]))
            total += amount * price
            checked += 1
        assert values.portfolio_value == total
    assert checked > 0


def test_no_lookahead_minute_orders_fill_on_the_next_bar(minute_bundle: Bundle) -> None:
    placed: list[Any] = []

    def handle_data(context: Any, data: Any) -> None:
        if len(placed) < 3:
            asset = symbol(minute_bundle.assets[0].symbol)
            placed.append(data.current(asset, "close"))
            order(asset, 1)

    result = run_algorithm(bundle=minute_bundle, initialize=lambda c: None, handle_data=handle_data)
    times = minute_bundle.calendar.session_minutes(minute_bundle.sessions()[0])
    assert [t.dt for t in result.transactions[:3]] == list(times[1:4])
    bars = minute_bundle.bars().filter(pl.col("sid") == minute_bundle.assets[0].sid)
    opens = bars["open"].to_list()
    # a 1-share order has a negligible impact: fill price rounds to the next bar's open
    assert [round(float(t.price), 6) for t in result.transactions[:3]] == opens[1:4]


def test_strategy_error_names_hook_and_bar(handmade: Bundle) -> None:
    def handle_data(context: Any, data: Any) -> None:
        if data.current(symbol("AAA"), "close") < 10.2:
            raise ZeroDivisionError("boom")

    with pytest.raises(StrategyError, match=r"handle_data raised ZeroDivisionError: boom") as info:
        run_algorithm(bundle=handmade, initialize=lambda c: None, handle_data=handle_data)
    assert "2026-10-28 00:00:00+00:00" in str(info.value)
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_order_in_initialize_is_a_clear_error(handmade: Bundle) -> None:
    with pytest.raises(StrategyError, match="move this call into handle_data"):
        run_algorithm(bundle=handmade, initialize=lambda c: order(symbol("AAA"), 1))


def test_start_end_window_and_bad_inputs(handmade: Bundle) -> None:
    result = run_algorithm(
        bundle=handmade, initialize=lambda c: None, start="2026-10-27", end="2026-10-29"
    )
    assert result.perf["session"].to_list() == SESSIONS[1:4]
    with pytest.raises(RustyBTError, match="numeric"):
        run_algorithm(bundle=handmade, initialize=lambda c: None, numeric="fixed")  # type: ignore[arg-type]
    with pytest.raises(RustyBTError, match="capital_base"):
        run_algorithm(bundle=handmade, initialize=lambda c: None, capital_base="lots")
    with pytest.raises(RustyBTError, match="initialize"):
        run_algorithm(bundle=handmade)
    with pytest.raises(RustyBTError, match="holds daily bars, not minute"):
        run_algorithm(bundle=handmade, initialize=lambda c: None, data_frequency="minute")
    assert run_algorithm(bundle=handmade, initialize=lambda c: None, data_frequency="daily")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": "notadate"}, "start 'notadate' is not a date; use YYYY-MM-DD"),
        ({"end": ""}, "end '' is not a date; use YYYY-MM-DD"),
        ({"start": "2026-10-30", "end": "2026-10-26"},
         "start 2026-10-30 is after end 2026-10-26; swap them"),
        ({"capital_base": "inf"}, "capital_base: 'inf' is not a finite number"),
        ({"capital_base": "sNaN"}, "capital_base: 'sNaN' is not a finite number"),
        ({"capital_base": D("sNaN")}, "capital_base: Decimal('sNaN') is not a number"),
        ({"capital_base": D("NaN")}, "capital_base: Decimal('NaN') is not a finite number"),
        ({"capital_base": float("nan")}, "capital_base: nan is not a finite number"),
        ({"capital_base": "nan", "numeric": "float"}, "capital_base: 'nan' is not a finite number"),
        ({"capital_base": 0}, "capital_base must be above 0, got 0; pass the cash to start with"),
    ],
)  # fmt: skip
def test_bad_dates_and_capital_raise_rustybt_errors(
    handmade: Bundle, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(RustyBTError) as info:
        run_algorithm(bundle=handmade, initialize=lambda c: None, **kwargs)
    assert str(info.value) == message


class FloatSlippage(VolumeShareSlippage):
    """A user model that forgets the numeric mode and returns float prices."""

    def fill(self, order: Order, bar: MoneyBar, volume_used: int) -> tuple[Any, int] | None:
        filled = super().fill(order, bar, volume_used)
        return None if filled is None else (float(filled[0]), filled[1])


def test_float_reaching_decimal_ledger_through_a_model_is_a_type_error(handmade: Bundle) -> None:
    def initialize(context: Any) -> None:
        set_slippage(FloatSlippage())

    with pytest.raises(TypeError, match=r"transaction price for sid 0 .*FloatSlippage.*float"):
        run_algorithm(bundle=handmade, initialize=initialize, handle_data=_scripted)


def test_load_algorithm_file_errors(tmp_path: Path) -> None:
    with pytest.raises(RustyBTError, match="not found"):
        load_algorithm_file(tmp_path / "missing.py")
    bad = tmp_path / "bad.py"
    bad.write_text("def initialize(context)\n    pass\n")
    with pytest.raises(StrategyError, match=r"bad.py:1: syntax error"):
        load_algorithm_file(bad)
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    with pytest.raises(RustyBTError, match="defines no initialize"):
        load_algorithm_file(empty)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    plan=st.lists(
        st.tuples(st.integers(0, 1), st.integers(-3000, 3000), st.sampled_from([None, "10.3"])),
        max_size=8,
    )
)
def test_cash_equals_capital_minus_fills_for_any_order_plan(
    handmade: Bundle, plan: list[tuple[int, int, str | None]]
) -> None:
    """Any order plan: cash == capital - sum(amount * price) - commissions, exactly, and the
    identity holds at every session end."""

    def handle_data(context: Any, data: Any) -> None:
        day = context.day = getattr(context, "day", -1) + 1
        for sid, amount, limit in plan[day * 2 : day * 2 + 2]:
            order(symbol(("AAA", "BBB")[sid]), amount, limit_price=limit)

    result = run_algorithm(bundle=handmade, initialize=lambda c: None, handle_data=handle_data)
    spent = sum((t.price * t.amount + t.commission for t in result.transactions), D(0))
    assert result.sessions[-1].cash == D("100000") - spent
    for v in result.sessions:
        assert v.portfolio_value == v.cash + sum((a * p for a, p in v.positions.values()), D(0))
    held: dict[int, int] = {}
    for t in result.transactions:
        held[t.sid] = held.get(t.sid, 0) + t.amount
    assert {s: a for s, a in held.items() if a} == {
        s: a for s, (a, _) in result.sessions[-1].positions.items()
    }
