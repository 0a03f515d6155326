"""Numeric modes: the explicit Decimal context, the price boundary, and the type guard."""

from __future__ import annotations

import decimal
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from rustybt.errors import NumericModeError, RustyBTError
from rustybt.numeric import DECIMAL_CONTEXT, numeric_mode, whole_shares


def test_decimal_context_is_28_digits_half_even_and_traps() -> None:
    assert (DECIMAL_CONTEXT.prec, DECIMAL_CONTEXT.rounding) == (28, ROUND_HALF_EVEN)
    mode = numeric_mode("decimal")
    with mode.context():
        ctx = decimal.getcontext()
        assert (ctx.prec, ctx.rounding) == (28, ROUND_HALF_EVEN)
        assert Decimal(1) / Decimal(3) == Decimal("0.3333333333333333333333333333")
        with pytest.raises(decimal.DivisionByZero):
            Decimal(1) / Decimal(0)


def test_engine_context_ignores_a_changed_thread_default() -> None:
    mode = numeric_mode("decimal")
    with decimal.localcontext() as thread_default:
        thread_default.prec = 5
        assert mode.div(Decimal(2), Decimal(3)) == Decimal("0.6666666666666666666666666667")
        with mode.context():
            assert Decimal(2) / Decimal(3) == Decimal("0.6666666666666666666666666667")


def test_price_boundary_uses_the_shortest_repr() -> None:
    mode = numeric_mode("decimal")
    assert mode.price(101.25) == Decimal("101.25")
    assert str(mode.price(0.1)) == "0.1"  # not 0.1000000000000000055511151231257827...
    assert numeric_mode("float").price(0.1) == 0.1
    with pytest.raises(RustyBTError, match="no price"):
        mode.price(float("nan"))


def test_money_conversion_and_check() -> None:
    dec = numeric_mode("decimal")
    assert dec.money("100000", "capital") == Decimal("100000")
    assert dec.money(0.05, "pct") == Decimal("0.05")
    assert dec.money(3, "x") == Decimal(3)
    with pytest.raises(RustyBTError, match="capital_base: 'lots' is not a number"):
        dec.money("lots", "capital_base")
    with pytest.raises(NumericModeError, match="expected a number, got bool"):
        dec.money(True, "pct")
    with pytest.raises(TypeError, match=r"ledger cash: got float 1\.5 in numeric='decimal'"):
        dec.check(1.5, "ledger cash")
    dec.check(Decimal("1.5"), "ledger cash")
    assert numeric_mode("float").money(Decimal("2.5"), "x") == 2.5
    with pytest.raises(RustyBTError, match="unknown numeric mode 'fixed'"):
        numeric_mode("fixed")


@pytest.mark.parametrize("numeric", ["decimal", "float"])
@pytest.mark.parametrize(
    ("value", "what"),
    [("inf", "a finite number"), ("-Infinity", "a finite number"), ("nan", "a finite number"),
     (Decimal("NaN"), "a finite number"), (Decimal("Infinity"), "a finite number"),
     (float("inf"), "a finite number"), ("1e999999999", "a finite number"),
     (Decimal("sNaN"), "a number")],
)  # fmt: skip
def test_money_refuses_values_that_are_not_finite(numeric: str, value: object, what: str) -> None:
    # before: decimal mode returned NaN/Infinity (a backtest of NaNs, or InvalidOperation later)
    with pytest.raises(RustyBTError) as info:
        numeric_mode(numeric).money(value, "capital_base")
    assert str(info.value) == f"capital_base: {value!r} is not {what}"


@pytest.mark.parametrize(
    ("value", "shares"),
    [(Decimal("10.99999"), 11), (Decimal("10.9998"), 10), (Decimal("-3.00003"), -3),
     (Decimal("-3.7"), -3), (2.00009, 2), (0.4, 0)],
)  # fmt: skip
def test_whole_shares_snaps_near_integers_and_truncates(value: object, shares: int) -> None:
    assert whole_shares(value) == shares


def test_price_converter_gives_what_price_gives() -> None:
    dec, flt = numeric_mode("decimal"), numeric_mode("float")
    convert = dec.price_converter()
    for value in (101.25, 0.1 + 0.2, 101.25, 1e-7, 3.0, -0.0, 0.0, -0.0, 0.1 + 0.2):
        got, want = convert(value), dec.price(value)
        assert type(got) is Decimal and str(got) == str(want)  # same digits and exponent
    assert str(convert(-0.0)) == "-0.0" and str(convert(0.0)) == "0.0"  # zero is not memoized
    with pytest.raises(RustyBTError, match="no price available"):
        convert(float("nan"))
    assert flt.price_converter()(101.25) == 101.25
