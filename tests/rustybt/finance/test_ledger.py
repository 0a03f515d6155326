"""DecimalLedger / DecimalPosition: cash, cost basis, realized and unrealized PnL, type guard."""

from __future__ import annotations

from decimal import Decimal as D  # noqa: N817  (reads like the hand computation)

import pandas as pd
import pytest

from rustybt.errors import NumericModeError
from rustybt.finance.decimal import DecimalLedger, DecimalPosition, DecimalTransaction
from rustybt.numeric import numeric_mode

DT = pd.Timestamp("2026-10-27", tz="UTC")
DEC = numeric_mode("decimal")


def txn(sid: int, amount: int, price: object, commission: object = D("1")) -> DecimalTransaction:
    return DecimalTransaction(sid, amount, DT, price, commission, order_id=1)


def test_buy_add_sell_and_flip_cost_basis_and_realized_pnl() -> None:
    ledger = DecimalLedger(D("10000"), DEC)
    ledger.process_transaction(txn(7, 100, D("10.00")))
    ledger.process_transaction(txn(7, 100, D("11.00")))
    pos = ledger.positions[7]
    assert (pos.amount, pos.cost_basis) == (200, D("10.5"))
    assert ledger.cash == D("10000") - D("1000") - D("1100") - D("2")
    ledger.process_transaction(txn(7, -50, D("12.00")))
    assert ledger.realized_pnl == D("75")  # (12 - 10.5) * 50
    assert (pos.amount, pos.cost_basis) == (150, D("10.5"))
    ledger.process_transaction(txn(7, -200, D("9.00")))  # close 150, open short 50 at 9
    assert ledger.realized_pnl == D("75") + D("-225")  # (9 - 10.5) * 150
    assert (pos.amount, pos.cost_basis) == (-50, D("9.00"))
    ledger.process_transaction(txn(7, 50, D("8.00")))  # cover the short at a profit
    assert ledger.realized_pnl == D("-150") + D("50")
    assert 7 not in ledger.positions
    assert ledger.commissions == D("5")
    assert ledger.cash == D("10000") - 2100 + 600 + 1800 - 400 - 5


def test_mark_and_portfolio_value_identity() -> None:
    ledger = DecimalLedger(D("1000"), DEC)
    ledger.process_transaction(txn(1, 10, D("20"), D("0")))
    ledger.process_transaction(txn(2, -5, D("30"), D("0")))
    ledger.mark({1: D("21.5"), 2: D("29")}.__getitem__)
    assert ledger.positions_value == D("215") - D("145")
    assert ledger.portfolio_value == ledger.cash + D("70") == D("1000") - 200 + 150 + 70
    assert ledger.unrealized_pnl == D("15") + D("5")
    # mark_row: the same marks from a bar's float row through the mode's conversion
    ledger.mark_row([29.0, 21.5], {1: 1, 2: 0}, DEC.price_converter())
    assert ledger.positions_value == D("215") - D("145")
    assert str(ledger.positions[1].last_sale_price) == "21.5"


def test_float_price_raises_type_error_naming_its_source() -> None:
    ledger = DecimalLedger(D("1000"), DEC)
    with pytest.raises(TypeError, match=r"transaction price for sid 3 \(from my model\).*float"):
        ledger.process_transaction(txn(3, 1, 10.5), source="my model")
    with pytest.raises(NumericModeError, match="commission"):
        ledger.process_transaction(txn(3, 1, D("10.5"), 1.0))
    ledger.process_transaction(txn(3, 1, D("10.5")))
    with pytest.raises(NumericModeError, match=r"mark-to-market price for sid 3 \(from feed\)"):
        ledger.mark(lambda sid: 10.0, source="feed")
    with pytest.raises(NumericModeError, match=r"mark-to-market price for sid 3 \(from feed\)"):
        ledger.mark_row([10.0], {3: 0}, float, source="feed")
    with pytest.raises(NumericModeError, match="capital_base"):
        DecimalLedger(1000.0, DEC)
    assert ledger.cash == D("1000") - D("10.5") - D("1")  # the rejected fills left no trace


def test_float_ledger_rejects_decimal() -> None:
    ledger = DecimalLedger(1000.0, numeric_mode("float"))
    with pytest.raises(NumericModeError, match="numeric='float'"):
        ledger.process_transaction(txn(1, 1, D("1"), D("0")))


def test_position_values() -> None:
    pos = DecimalPosition(1, -10, D("5"), D("4"))
    assert pos.market_value == D("-40")
    assert pos.unrealized_pnl == D("10")


def test_values_ignore_a_changed_thread_context() -> None:
    import decimal

    ledger = DecimalLedger(D("100000"), DEC)
    ledger.process_transaction(txn(1, 1234, D("98.7654321"), D("0")))
    with decimal.localcontext() as ctx:
        ctx.prec = 3
        pos = ledger.positions[1]
        assert pos.market_value == D("121876.5432114")
        assert pos.unrealized_pnl == D("0")
        assert ledger.portfolio_value == D("100000")
        assert ledger.cash == D("-21876.5432114")  # (the test itself runs at prec 3)
        assert txn(1, 3, D("1.23456")).value == D("3.70368")


def test_positions_value_follows_every_change() -> None:
    """Cached per ledger version: a fill or a mark gives the new value, reads in between agree."""
    ledger = DecimalLedger(D("10000"), DEC)
    assert ledger.positions_value == 0
    ledger.process_transaction(txn(1, 10, D("2.5")))
    assert ledger.positions_value == D("25.0") == ledger.positions_value
    ledger.mark({1: D("3")}.__getitem__)
    assert ledger.positions_value == D("30")
    ledger.process_transaction(txn(2, -4, D("1.25")))
    assert ledger.positions_value == D("30") - D("5.00")
    assert ledger.portfolio_value == ledger.cash + D("25")
    ledger.process_transaction(txn(1, -10, D("3")))
    assert ledger.positions_value == D("-5.00")


def test_bookkeeping_uses_the_explicit_context_whatever_is_active() -> None:
    """Fills, averaging and valuation run on DECIMAL_CONTEXT's methods: a 3-digit active
    context (say, set by a strategy) changes no digit of the ledger."""
    import decimal

    def book() -> tuple[str, ...]:
        ledger = DecimalLedger(D("100000"), DEC)
        ledger.process_transaction(txn(1, 3, D("101.37"), D("1.00")))
        ledger.process_transaction(txn(1, 4, D("99.14"), D("1.00")))
        ledger.process_transaction(txn(1, -5, D("102.01"), D("1.00")))
        ledger.mark({1: D("100.5")}.__getitem__)
        pos = ledger.positions[1]
        return tuple(
            str(v)
            for v in (ledger.cash, pos.cost_basis, ledger.realized_pnl, ledger.portfolio_value)
        )

    want = book()
    assert want[1] == "100.0957142857142857142857143"  # 700.67 / 7 to 28 digits
    with decimal.localcontext(decimal.Context(prec=3)):
        assert book() == want
