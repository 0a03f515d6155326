"""A tiny backtest-shaped program profiled for real by the report fixtures.

`money` is the known hot spot: Decimal arithmetic in a loop (float in float mode); `frame`
makes a small Polars call so the profile contains polars code.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl


def money(n: int, numeric: str) -> object:
    if numeric == "float":
        total_f = 0.0
        for i in range(n):
            total_f += i * 1.01
        return total_f
    total = Decimal(0)
    rate = Decimal("1.01")
    for i in range(n):
        total += Decimal(i) * rate
    return total.quantize(Decimal("0.01"))


def frame(n: int) -> int:
    return int(pl.DataFrame({"a": list(range(n))}).select(pl.col("a").sum()).item())


def main(numeric: str = "decimal") -> None:
    money(60_000, numeric)
    frame(1_000)
