"""95% intervals for sampled shares, and findings judged against a threshold with them.

A share read from py-spy samples is k of n samples. Its 95% Wilson score interval
(Wilson 1927; what `scipy.stats.binomtest(k, n).proportion_ci(method="wilson")` gives) stays
inside [0, 1] and is sound for small k, unlike the normal approximation:

    centre = (p + z^2 / 2n) / (1 + z^2 / n)
    half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2)        p = k / n, z = 1.96

    wilson(k, n, design=1) -> (lo, hi)               one interval (0, 1) for n == 0
    wilson_exprs(count, total, name, design=1) -> [lo, hi]    Polars expressions `{name}_lo/_hi`
    with_intervals(frame, {share: count}, total, design=1)    adds `{share}_lo` / `_hi` columns
    design_effect(per_run) -> float                  the measured variance inflation, >= 1
    run_leaf_counts(leaves, runs) -> pl.DataFrame    run, key, samples: per run (py-spy's
                                                     pyspy_runs.parquet), each Python leaf's
                                                     samples -- what design_effect measures
                                                     (leaves: pyspy_source.python_leaves of the
                                                     collapsed file, by line)
    interval_note(design) -> str                     what the intervals are, for a table note
    judge(lo, hi, threshold) -> "above" | "below" | "uncertain"
    judge_expr(lo, hi, threshold, above, below) -> pl.Expr    the same over columns
    interval_text(lo, hi) -> "4.1-6.3%"

A finding over a threshold (a 5% bottleneck, a majority of loop lines) is "uncertain" when the
interval contains the threshold: the samples cannot tell which side the share is on.

The binomial model treats samples as independent draws; they are not: consecutive samples of
one run are correlated, and runs differ. py-spy's per-run counts (`pyspy_runs.parquet`) measure
by how much: `design_effect` is the median, over the functions holding at least 1% of the
samples, of Pearson's X^2 / (runs - 1) of their per-run counts against the pooled share (1 for
independent draws; 1.3-2.5 measured on rustybt's scenarios). Intervals then use k / D of
n / D samples (the quasi-binomial "effective sample size"): sqrt(D) times wider.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import polars as pl

Z95 = 1.959963984540054  # two-sided 95% normal quantile
ABOVE, BELOW, UNCERTAIN = "above", "below", "uncertain"
INTERVAL_NOTE = "_lo / _hi: 95% Wilson interval of the share (binomial over the samples)."
DESIGN_MIN_SHARE = 0.01  # functions the design effect is measured on
DESIGN_TOP = 20


def interval_note(design: float = 1.0) -> str:
    if design <= 1.0:
        return INTERVAL_NOTE
    return (
        "_lo / _hi: 95% Wilson interval of the share, widened for the measured correlation of "
        f"the samples (per-run counts vary {design:.2f}x the binomial's variance: the interval "
        f"is that of k / {design:.2f} of n / {design:.2f} samples)."
    )


def design_effect(per_run: pl.DataFrame) -> float:
    """The variance inflation of sampled shares over the binomial, measured from per-run counts
    (columns `run`, `key`, `samples`): see the module docstring. 1.0 with fewer than 3 runs.
    Computed in a fixed order, so the same counts give the same bits."""
    counts: dict[object, dict[str, int]] = {}
    for run, key, n in sorted(per_run.select("run", "key", "samples").iter_rows()):
        counts.setdefault(run, {})[key] = counts.get(run, {}).get(key, 0) + int(n)
    sizes = {run: sum(found.values()) for run, found in counts.items()}
    runs = [run for run, n in sizes.items() if n > 0]
    if len(runs) < 3:
        return 1.0
    total = float(sum(sizes[run] for run in runs))
    pooled: dict[str, int] = {}
    for run in runs:
        for key, n in counts[run].items():
            pooled[key] = pooled.get(key, 0) + n
    shares = sorted(
        ((n / total, key) for key, n in pooled.items() if DESIGN_MIN_SHARE <= n / total < 1.0),
        key=lambda pk: (-pk[0], pk[1]),
    )[:DESIGN_TOP]
    if not shares:
        return 1.0
    ratios = []
    for p, key in shares:
        x2 = math.fsum(
            (counts[run].get(key, 0) - p * sizes[run]) ** 2 / (p * (1 - p) * sizes[run])
            for run in runs
        )
        ratios.append(x2 / (len(runs) - 1))
    ratios.sort()
    mid = len(ratios) // 2
    median = ratios[mid] if len(ratios) % 2 else (ratios[mid - 1] + ratios[mid]) / 2
    return max(median, 1.0)


def wilson(k: float, n: float, z: float = Z95, design: float = 1.0) -> tuple[float, float]:
    if n <= 0:
        return 0.0, 1.0
    if design > 1.0:
        k, n = k / design, n / design
    p = min(max(k / n, 0.0), 1.0)
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    lo = 0.0 if k <= 0 else max(centre - half, 0.0)  # exact ends, not rounding residue
    hi = 1.0 if k >= n else min(centre + half, 1.0)
    return lo, hi


def wilson_exprs(
    count: pl.Expr | str, total: pl.Expr | float, name: str, design: float = 1.0
) -> list[pl.Expr]:
    """`{name}_lo` and `{name}_hi`: the 95% Wilson interval of `count / total` (of
    `count / design` in `total / design` samples)."""
    scale = max(design, 1.0)
    k = (pl.col(count) if isinstance(count, str) else count).cast(pl.Float64) / scale
    n = (total if isinstance(total, pl.Expr) else pl.lit(float(total))).cast(pl.Float64) / scale
    z2 = Z95 * Z95
    p = (k / n).clip(0.0, 1.0)
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = Z95 / denom * (p * (1 - p) / n + z2 / (4 * n * n)).sqrt()
    none, every = (n <= 0) | (k <= 0), (n <= 0) | (k >= n)
    return [
        pl.when(none).then(0.0).otherwise((centre - half).clip(0.0, 1.0)).alias(f"{name}_lo"),
        pl.when(every).then(1.0).otherwise((centre + half).clip(0.0, 1.0)).alias(f"{name}_hi"),
    ]


def with_intervals(
    frame: pl.DataFrame,
    shares: Mapping[str, str | pl.Expr],
    total: float | pl.Expr,
    design: float = 1.0,
) -> pl.DataFrame:
    """`frame` with `{share}_lo` / `{share}_hi` right after each share column; `shares` maps a
    share column to the sample-count column (or expression) it was computed from."""
    added = frame.with_columns(
        *(e for share, count in shares.items() for e in wilson_exprs(count, total, share, design))
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


def run_leaf_counts(leaves: list[str | None], runs: pl.DataFrame) -> pl.DataFrame:
    """Per run (child and run numbered into one id), the samples of each Python leaf;
    `leaves[i]` is the leaf key of the collapsed file's line i."""
    lines = pl.DataFrame(
        {"line": range(len(leaves)), "key": leaves}, schema={"line": pl.Int64, "key": pl.String}
    )
    return (
        runs.join(lines, on="line", how="inner")
        .filter(pl.col("key").is_not_null())
        .group_by(pl.col("child") * 1_000_000 + pl.col("run"), "key")
        .agg(pl.col("samples").sum())
        .rename({"child": "run"})
        .select("run", "key", "samples")
    )
