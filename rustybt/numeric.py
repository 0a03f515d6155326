"""The numeric mode: what type money is in one run, and the one place floats become money.

``numeric="decimal"`` (the default): every money value is a ``Decimal`` under
``DECIMAL_CONTEXT`` (28 significant digits, ROUND_HALF_EVEN, invalid operations and division
by zero trapped). The engine enters that context explicitly (``NumericMode.context()``) at its
boundary; it never relies on whatever the thread's default context happens to be.

``numeric="float"``: the same engine on floats, the baseline for measuring Decimal overhead.

Prices arrive from the data portal as float64. ``NumericMode.price`` is the single conversion:
a float becomes the Decimal of its shortest repr (``101.25`` -> ``Decimal("101.25")``), never the
exact binary expansion. ``NumericMode.check`` guards the ledger: a float reaching a Decimal
ledger raises ``NumericModeError`` (a ``TypeError``) naming where it came from.
"""

from __future__ import annotations

import contextlib
import decimal
import math
import operator
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Literal, TypeAlias

from rustybt.errors import NumericModeError, RustyBTError

Mode = Literal["decimal", "float"]
# Decimal in decimal mode, float in float mode: one type for a whole run, enforced at runtime
# by NumericMode.check (a static union would reject the arithmetic both types support).
Money: TypeAlias = Any

DECIMAL_CONTEXT = decimal.Context(
    prec=28,
    rounding=ROUND_HALF_EVEN,
    Emin=-999999,
    Emax=999999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

_create_decimal = DECIMAL_CONTEXT.create_decimal
# How close to an integer a share count must be to count as that integer (zipline does the
# same): keeps decimal and float runs ordering the same number of shares.
_NEAR_INTEGER = 1e-4
_NO_PRICE = "no price available yet for this asset; wait for its first bar"
# Distinct prices one run memoizes (about 100 bytes each: ~100 MB at most).
_PRICE_MEMO_LIMIT = 1_000_000


class NumericMode(ABC):
    """Money arithmetic helpers for one numeric mode. Build with ``numeric_mode(name)``."""

    name: Mode
    money_type: type
    # explicit-context arithmetic for hot paths outside a ``context()`` block (the ledger's
    # per-fill bookkeeping): the same results as the operators inside it, without entering a
    # local context per call
    add: Callable[[Money, Money], Money] = operator.add
    sub: Callable[[Money, Money], Money] = operator.sub
    mul: Callable[[Money, Money], Money] = operator.mul
    div: Callable[[Money, Money], Money] = operator.truediv

    @abstractmethod
    def price(self, value: float) -> Money:
        """A float price from the data layer as money (the conversion boundary)."""

    def price_converter(self) -> Callable[[float], Money]:
        """``price`` for one run's many calls (the engine's MoneyPrices holds one)."""
        return self.price

    @abstractmethod
    def money(self, value: object, source: str) -> Money:
        """A user-supplied amount (capital base, limit price, percent) as money."""

    def check(self, value: object, source: str) -> None:
        """Raise NumericModeError unless ``value`` is this mode's money type."""
        if type(value) is not self.money_type:
            raise NumericModeError(
                f"{source}: got {type(value).__name__} {value!r} in numeric={self.name!r} mode; "
                f"convert it with NumericMode.price()/money() at the data boundary"
            )

    def context(self) -> contextlib.AbstractContextManager[object]:
        """The arithmetic context to run the engine in."""
        return contextlib.nullcontext()

    def to_float(self, value: Money) -> float:
        return float(value)

    @property
    def zero(self) -> Money:
        return self.money_type(0)


class DecimalMode(NumericMode):
    name: Mode = "decimal"
    money_type = Decimal
    add = staticmethod(DECIMAL_CONTEXT.add)
    sub = staticmethod(DECIMAL_CONTEXT.subtract)
    mul = staticmethod(DECIMAL_CONTEXT.multiply)
    div = staticmethod(DECIMAL_CONTEXT.divide)

    def price(self, value: float) -> Decimal:
        if value != value:  # NaN: no price yet
            raise RustyBTError(_NO_PRICE)
        return DECIMAL_CONTEXT.create_decimal(repr(value))

    def price_converter(self) -> Callable[[float], Decimal]:
        """``price`` memoized per float: the conversion is a pure function of the float, and a
        run converts the same few thousand prices (to the cent) hundreds of thousands of times.
        A miss converts inline (one Python frame, not two: most of a daily run's conversions
        are misses, each bar's closes being new floats)."""
        return _PriceMemo(self.price).__getitem__

    def money(self, value: object, source: str) -> Decimal:
        if type(value) is float and math.isfinite(value):  # the common case, first
            return DECIMAL_CONTEXT.create_decimal(repr(value))
        if isinstance(value, bool):
            raise NumericModeError(f"{source}: expected a number, got bool {value!r}")
        if isinstance(value, float):
            raise RustyBTError(f"{source}: {value!r} is not a finite number")
        if not isinstance(value, Decimal | int | str):
            raise NumericModeError(f"{source}: expected a number, got {type(value).__name__}")
        try:  # a signalling NaN raises here; so does text that is no number
            if isinstance(value, Decimal):
                result = DECIMAL_CONTEXT.plus(value)
            else:
                result = DECIMAL_CONTEXT.create_decimal(value)
        except decimal.InvalidOperation:
            raise RustyBTError(f"{source}: {value!r} is not a number") from None
        except decimal.Overflow:  # beyond Emax
            result = Decimal("Infinity")
        if not result.is_finite():  # NaN, Infinity: every later sum would be NaN or raise
            raise RustyBTError(f"{source}: {value!r} is not a finite number")
        return result

    def context(self) -> contextlib.AbstractContextManager[object]:
        return decimal.localcontext(DECIMAL_CONTEXT)


class FloatMode(NumericMode):
    name: Mode = "float"
    money_type = float

    def price(self, value: float) -> float:
        if value != value:
            raise RustyBTError(_NO_PRICE)
        return float(value)

    def money(self, value: object, source: str) -> float:
        if isinstance(value, bool):
            raise NumericModeError(f"{source}: expected a number, got bool {value!r}")
        if isinstance(value, int | float | Decimal | str):
            try:
                result = float(value)
            except ValueError:
                raise RustyBTError(f"{source}: {value!r} is not a number") from None
            if not math.isfinite(result):
                raise RustyBTError(f"{source}: {value!r} is not a finite number")
            return result
        raise NumericModeError(f"{source}: expected a number, got {type(value).__name__}")


_MODES: dict[str, NumericMode] = {"decimal": DecimalMode(), "float": FloatMode()}


def numeric_mode(name: str) -> NumericMode:
    """The shared helper object for ``"decimal"`` or ``"float"``."""
    try:
        return _MODES[name]
    except KeyError:
        raise RustyBTError(f"unknown numeric mode {name!r}; use 'decimal' or 'float'") from None


def memoized(convert: Callable[[float], Money]) -> Callable[[float], Money]:
    """``convert`` (a pure function of a float) remembering up to _PRICE_MEMO_LIMIT results.
    Zero is not remembered (0.0 == -0.0 as keys, but they convert to different Decimals), nor
    is NaN (never equal to itself) or anything ``convert`` raises for.

    The result is a dict's ``__getitem__``: a remembered value costs one C-level lookup, no
    Python frame; only a miss runs ``_Memo.__missing__``."""
    return _Memo(convert).__getitem__


class _Memo(dict[float, Money]):
    __slots__ = ("_convert",)

    def __init__(self, convert: Callable[[float], Money]) -> None:
        super().__init__()
        self._convert = convert

    def __missing__(self, value: float) -> Money:
        money = self._convert(value)
        if value and len(self) < _PRICE_MEMO_LIMIT:
            self[value] = money
        return money


class _PriceMemo(_Memo):
    """DecimalMode.price memoized, its conversion inlined in ``__missing__``."""

    __slots__ = ()

    def __missing__(self, value: float) -> Money:
        if value != value:  # NaN: no price yet
            raise RustyBTError(_NO_PRICE)
        money = _create_decimal(repr(value))
        if value and len(self) < _PRICE_MEMO_LIMIT:
            self[value] = money
        return money


def whole_shares(value: Money) -> int:
    """Shares from a money ratio: snap to an integer when within 1e-4, else truncate to zero.

    The near-integer test runs on a float copy (context free, ample for a 1e-4 tolerance);
    the truncation ``int(value)`` is exact in both modes.
    """
    approx = float(value)
    nearest = round(approx)
    if abs(approx - nearest) < _NEAR_INTEGER:
        return nearest
    return int(value)


def money_mul(a: Money, b: Money | int) -> Money:
    """``a * b`` under the explicit context when ``a`` is a Decimal (for value properties
    that may be read outside the engine's context, e.g. on results after a run)."""
    return DECIMAL_CONTEXT.multiply(a, b) if type(a) is Decimal else a * b


def money_sub(a: Money, b: Money) -> Money:
    """``a - b`` under the explicit context when ``a`` is a Decimal."""
    return DECIMAL_CONTEXT.subtract(a, b) if type(a) is Decimal else a - b


@contextlib.contextmanager
def decimal_context() -> Iterator[decimal.Context]:
    """``DECIMAL_CONTEXT`` as the active context (for callers outside the engine, e.g. tests)."""
    with decimal.localcontext(DECIMAL_CONTEXT) as ctx:
        yield ctx
