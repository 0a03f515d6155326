"""95% intervals for sampled shares, and findings judged against a threshold with them.

A share read from py-spy samples is k of n samples. Its 95% Wilson score interval
(Wilson 1927; what `scipy.stats.binomtest(k, n).proportion_ci(method="wilson")` gives) stays
inside [0, 1] and is sound for small k, unlike the normal approximation:

    centre = (p + z^2 / 2n) / (1 + z^2 / n)
    half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2)        p = k / n, z = 1.96

    wilson(k, n) -> (lo, hi)                         one interval (0, 1) for n == 0
    wilson_exprs(count, total, name) -> [lo, hi]     Polars expressions `{name}_lo`, `{name}_hi`
    with_intervals(frame, {share: count}, total)     adds `{share}_lo` / `{share}_hi` columns
    judge(lo, hi, threshold) -> "above" | "below" | "uncertain"
    judge_expr(lo, hi, threshold, above, below) -> pl.Expr    the same over columns
    interval_text(lo, hi) -> "4.1-6.3%"

A finding over a threshold (a 5% bottleneck, a majority of loop lines) is "uncertain" when the
interval contains the threshold: the samples cannot tell which side the share is on. The
samples of one recording are treated as independent draws (the binomial model); that is the
usual reading of a sampling profile, though consecutive samples of one run are correlated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import polars as pl

Z95 = 1.959963984540054  # two-sided 95% normal quantile
ABOVE, BELOW, UNCERTAIN = "above", "below", "uncertain"
INTERVAL_NOTE = "_lo / _hi: 95% Wilson interval of the share (binomial over the samples)."


def wilson(k: float, n: float, z: float = Z95) -> tuple[float, float]:
    if n <= 0:
        return 0.0, 1.0
    p = min(max(k / n, 0.0), 1.0)
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    lo = 0.0 if k <= 0 else max(centre - half, 0.0)  # exact ends, not rounding residue
    hi = 1.0 if k >= n else min(centre + half, 1.0)
    return lo, hi


def wilson_exprs(count: pl.Expr | str, total: pl.Expr | float, name: str) -> list[pl.Expr]:
    """`{name}_lo` and `{name}_hi`: the 95% Wilson interval of `count / total`."""
    k = pl.col(count) if isinstance(count, str) else count
    n = (total if isinstance(total, pl.Expr) else pl.lit(float(total))).cast(pl.Float64)
    z2 = Z95 * Z95
    p = (k.cast(pl.Float64) / n).clip(0.0, 1.0)
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = Z95 / denom * (p * (1 - p) / n + z2 / (4 * n * n)).sqrt()
    none, every = (n <= 0) | (k <= 0), (n <= 0) | (k >= n)
    return [
        pl.when(none).then(0.0).otherwise((centre - half).clip(0.0, 1.0)).alias(f"{name}_lo"),
        pl.when(every).then(1.0).otherwise((centre + half).clip(0.0, 1.0)).alias(f"{name}_hi"),
    ]


def with_intervals(
    frame: pl.DataFrame, shares: Mapping[str, str | pl.Expr], total: float | pl.Expr
) -> pl.DataFrame:
    """`frame` with `{share}_lo` / `{share}_hi` right after each share column; `shares` maps a
    share column to the sample-count column (or expression) it was computed from."""
    added = frame.with_columns(
        *(e for share, count in shares.items() for e in wilson_exprs(count, total, share))
    )
    order: list[str] = []
    for column in frame.columns:
        order.append(column)
        if column in shares:
            order += [f"{column}_lo", f"{column}_hi"]
    return added.select(order)


def judge(lo: float, hi: float, threshold: float) -> str:
    """Which side of `threshold` the share is on, or "uncertain" when its interval holds it."""
    if lo > threshold:
        return ABOVE
    if hi < threshold:
        return BELOW
    return UNCERTAIN


def judge_expr(
    lo: pl.Expr | str,
    hi: pl.Expr | str,
    threshold: float,
    above: str = ABOVE,
    below: str = BELOW,
) -> pl.Expr:
    """`judge` over columns, naming the two certain outcomes `above` and `below`."""
    low = pl.col(lo) if isinstance(lo, str) else lo
    high = pl.col(hi) if isinstance(hi, str) else hi
    return (
        pl.when(low > threshold)
        .then(pl.lit(above))
        .when(high < threshold)
        .then(pl.lit(below))
        .otherwise(pl.lit(UNCERTAIN))
    )


def interval_text(lo: float, hi: float) -> str:
    return f"{lo:.1%}-{hi:.1%}"
