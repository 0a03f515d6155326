"""The zipline-compatible strategy API: module functions acting on the running algorithm.

A strategy file imports what it needs (``from rustybt.api import order_target_percent,
record, symbol``). The only module state is a context variable that ``run_algorithm`` sets
for the duration of a run; calling these outside a run raises a clear error.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import pandas as pd

from rustybt.assets import Asset
from rustybt.errors import RustyBTError
from rustybt.finance.commission import PerShare
from rustybt.finance.slippage import VolumeShareSlippage

if TYPE_CHECKING:
    from rustybt.algorithm import TradingAlgorithm

_CURRENT: ContextVar[TradingAlgorithm | None] = ContextVar("rustybt_algorithm", default=None)

__all__ = [
    "PerShare",
    "VolumeShareSlippage",
    "all_assets",
    "cancel_order",
    "get_datetime",
    "get_open_orders",
    "order",
    "order_target",
    "order_target_percent",
    "order_target_value",
    "order_value",
    "record",
    "set_commission",
    "set_slippage",
    "sid",
    "symbol",
    "symbols",
]


@contextlib.contextmanager
def running(algo: TradingAlgorithm) -> Iterator[TradingAlgorithm]:
    """Make ``algo`` the target of the module functions for the duration of the block."""
    token = _CURRENT.set(algo)
    try:
        yield algo
    finally:
        _CURRENT.reset(token)


def _algo() -> TradingAlgorithm:
    algo = _CURRENT.get()
    if algo is None:
        raise RustyBTError(
            "rustybt.api functions work only inside a running strategy; run it with "
            "rustybt.run.run_algorithm(...) or `python -m rustybt run ALGO.py --bundle NAME`"
        )
    return algo


def order(asset: Asset, amount: float, limit_price: object = None) -> int | None:
    """Order ``amount`` shares (negative to sell); it fills on a later bar."""
    return _algo().order(asset, amount, limit_price)


def order_value(asset: Asset, value: object, limit_price: object = None) -> int | None:
    return _algo().order_value(asset, value, limit_price)


def order_target(asset: Asset, target: int, limit_price: object = None) -> int | None:
    return _algo().order_target(asset, target, limit_price)


def order_target_value(asset: Asset, target: object, limit_price: object = None) -> int | None:
    return _algo().order_target_value(asset, target, limit_price)


def order_target_percent(asset: Asset, target: object, limit_price: object = None) -> int | None:
    return _algo().order_target_percent(asset, target, limit_price)


def cancel_order(order_id: int) -> None:
    _algo().cancel_order(order_id)


def get_open_orders(asset: Asset | None = None) -> list[int]:
    return _algo().get_open_orders(asset)


def set_slippage(model: VolumeShareSlippage) -> None:
    """Use ``model`` (e.g. ``VolumeShareSlippage(volume_limit=0.1)``) for fills; initialize only."""
    _algo().set_slippage(model)


def set_commission(model: PerShare) -> None:
    """Use ``model`` (e.g. ``PerShare(cost="0.01", min_trade_cost=0)``); initialize only."""
    _algo().set_commission(model)


def record(**values: Any) -> None:
    """Record named values; the last value in each session becomes a column of the results."""
    _algo().record(**values)


def symbol(symbol_str: str) -> Asset:
    return _algo().symbol(symbol_str)


def symbols(*symbol_strs: str) -> list[Asset]:
    return _algo().symbols(*symbol_strs)


def sid(sid_int: int) -> Asset:
    return _algo().sid(sid_int)


def all_assets() -> list[Asset]:
    """Every asset in the bundle being run, by sid."""
    return _algo().all_assets()


def get_datetime() -> pd.Timestamp:
    """The current bar's timestamp (UTC)."""
    return _algo().get_datetime()
