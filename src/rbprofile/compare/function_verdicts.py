"""Per-function verdicts: did a function's self time change, or is it noise or the machine?

    judge_functions(before, after, min_change=MIN_FUNCTION_CHANGE_PCT) -> FunctionTest

Each side's functions table holds every cProfile repeat's self time per function
(`self_s_repeats`; a table without it is one repeat). The measure is **normalized self time**:
each repeat is divided by its speed factor, the median over the anchor functions (Python
functions over ANCHOR_MIN_SHARE_PCT of the run, each counted once) of (the function's self
time in that repeat / its median over all repeats of both sides). A uniformly slower machine
makes every function slower by the same factor, which the speed factor absorbs; a function
that alone got slower (or faster) moves that median by at most one rank, however large it is,
so it keeps its change and the others stay put. (Dividing by the run total instead would make
every other function look faster whenever one function gets much slower; so did a
time-weighted median once the changed function held a third of the run.)

Functions holding at least MIN_SHARE_PCT of the run on either side are tested twice, each test
Benjamini-Hochberg adjusted for the number of functions tested:

- **repeats** (`p_adj`): Welch's test on the logarithm of the normalized repeats (timing noise
  grows with the time, so the change is tested as a ratio). It knows each side's repeat-to-repeat
  noise, but not how the two recordings differ: repeats recorded back to back share the
  machine's state, so a recording made while the host was busy is slower in every repeat, and
  unevenly (measured on the backtrader fixture: a uniform slowdown of about 1.4x, some functions
  1.9x, so Welch named a function +16% with p_adj 0.03).
- **spread** (`p_spread`): the function's normalized log change against how the log changes of
  the spread set (Python functions holding SPREAD_MIN_SHARE_PCT of the run) are spread between
  the two recordings: center their median, spread 1.4826 x their median absolute deviation, a
  normal null estimated from the bulk of the functions (Efron's "empirical null"), robust to the
  few that really changed. The set reaches below the anchors because the small per-bar
  functions are the ones a busy host moves on their own: with a memory-sweeping neighbour, the
  backtrader fixture's 0.3-1% functions moved 1.24-1.66x between two recordings of the same
  code while its 13 anchors moved together (spread 4.5%), and a spread over the anchors named
  LineBuffer.__getitem__ +30%; over the 48 functions at 0.3% the spread was 13.7%, and nothing
  was named. Measured only with at least MIN_SPREAD_FUNCTIONS in the set; with fewer,
  `p_spread` is empty and the repeats decide alone. On its own the spread test names too much:
  between two recordings of the same rustybt code, C functions such as polars' `collect` moved
  by 4-15 spreads of the anchors.

A tested function is `regressed` / `improved` when both tests reject "no change" at ALPHA AND
its normalized median changed by at least `min_change` percent in the same direction; `not
significant` otherwise. Smaller functions are `not tested`: with three repeats a side, testing
a thousand of them would set the adjusted bar out of reach for any real change (and they are
rarely worth a rewrite). `not enough repeats` when a side has fewer than MIN_REPEATS.
Function verdicts are relative to the rest of the run: a change that made every function
equally faster is the run-time verdict's business (`compare.stats.judge`), not theirs.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

import numpy as np
import polars as pl

from rbprofile.compare.stats import (
    ALPHA,
    MIN_FUNCTION_CHANGE_PCT,
    MIN_REPEATS,
    adjust_p,
    welch_rows,
)

MEASURE = "self time per repeat / the repeat's speed factor (median ratio over the anchors)"
MIN_SHARE_PCT = 1.0  # functions under this share of the run on both sides are not tested
# functions holding this share of the run are the speed factor's anchors: enough of them (28-32
# in a rustybt scenario) that a change in a few (a planted slowdown and the helpers it calls) moves
# their median by a rank or two, and each long enough to receive its share of a loaded
# machine's pauses. A competing process takes the core in slices of milliseconds, landing whole
# in whichever call runs: with six busy loops on the core, the planted fixture's three work
# functions (30% of the run each) were 6x slower and its functions at 0.1-1% only 1.35x, and
# with those among 0.1% anchors the median fell between the groups (3.6-3.7x) and named the
# work functions regressed.
ANCHOR_MIN_SHARE_PCT = 1.0
MIN_ANCHORS = 3  # fewer anchors: every function is one
# Python functions holding this share of the run make the spread set (37-50 in the backtrader
# fixture, 60-76 in a rustybt scenario); fewer than MIN_SPREAD_FUNCTIONS give no spread (a MAD
# of 3-4 values)
SPREAD_MIN_SHARE_PCT = 0.3
MIN_SPREAD_FUNCTIONS = 5
MAD_TO_SD = 1.4826  # the median absolute deviation of a normal sample, in standard deviations
EPSILON_S = 1e-6  # added before the logarithm: a repeat may not have called a function

VERDICT_SCHEMA = pl.Schema(
    {
        "key": pl.String(),
        "status": pl.String(),
        "change_pct": pl.Float64(),
        "p_adj": pl.Float64(),
        "p_spread": pl.Float64(),
    }
)


@dataclass(frozen=True)
class FunctionTest:
    """How the functions of one comparison were judged."""

    verdicts: pl.DataFrame  # VERDICT_SCHEMA, one row per key found on both sides
    before_repeats: int
    after_repeats: int
    speed_ratio: float | None  # AFTER's speed factor / BEFORE's: 2.0 = uniformly 2x slower
    tested: int  # functions tested (the Benjamini-Hochberg count)
    min_change: float
    spread_functions: int = 0  # the spread set's size
    spread: float | None = None  # sd of its normalized log changes; None: too few functions
    center: float | None = None  # their median

    @property
    def enough(self) -> bool:
        return min(self.before_repeats, self.after_repeats) >= MIN_REPEATS

    def unnamed_band(self) -> tuple[float, float] | None:
        """The changes (percent, low and high) that the spread test can never pass: within
        the two-sided ALPHA quantile of the spread before any adjustment. None without one."""
        if self.spread is None or self.center is None:
            return None
        z = statistics.NormalDist().inv_cdf(1.0 - ALPHA / 2.0)
        low, high = self.center - z * self.spread, self.center + z * self.spread
        return 100.0 * (math.exp(low) - 1.0), 100.0 * (math.exp(high) - 1.0)

    def to_json(self) -> dict[str, object]:
        return {
            "measure": MEASURE,
            "normalized": True,
            "test": "Welch's t-test on log(measure) over the repeats, Benjamini-Hochberg adjusted",
            "spread_test": (
                "log change of the normalized median against the spread set's log changes "
                f"(median, {MAD_TO_SD} x MAD), normal, Benjamini-Hochberg adjusted"
            ),
            "spread_min_share_pct": SPREAD_MIN_SHARE_PCT,
            "spread_functions": self.spread_functions,
            "min_spread_functions": MIN_SPREAD_FUNCTIONS,
            "spread": self.spread,
            "spread_center": self.center,
            "unnamed_band_pct": self.unnamed_band(),
            "min_share_pct": MIN_SHARE_PCT,
            "alpha": ALPHA,
            "min_change_pct": self.min_change,
            "repeats": [self.before_repeats, self.after_repeats],
            "min_repeats": MIN_REPEATS,
            "speed_ratio": self.speed_ratio,
            "tested": self.tested,
        }


def repeat_matrix(frame: pl.DataFrame, prefix: str) -> tuple[pl.DataFrame, int]:
    """(key + one column per repeat `<prefix>0..`, summed over rows sharing a key; repeats)."""
    values = pl.coalesce(pl.col("self_s_repeats"), pl.concat_list("self_s"))
    k = int(frame.select(values.list.len().max()).item() or 1) if frame.height else 1
    columns = [
        values.list.get(i, null_on_oob=True).fill_null(0.0).alias(f"{prefix}{i}") for i in range(k)
    ]
    return frame.select("key", *columns).group_by("key", maintain_order=True).sum(), k


def speed_factors(
    times: np.ndarray, reference: np.ndarray, eligible: np.ndarray | None = None
) -> np.ndarray:
    """Per repeat (column): the median of times / reference over the anchor functions, the
    `eligible` rows (default all) holding at least ANCHOR_MIN_SHARE_PCT of the reference total
    (every eligible row with a positive reference when fewer than MIN_ANCHORS do, every row when
    none is eligible); 1.0 when no row has a positive reference.

    Each anchor counts once, whatever its size: a function that alone changed moves the median
    by at most one rank, however much of the run it holds. (Weighting by time let one function
    that grew to a third of the run pull the factor to a quartile of the others, and call
    unchanged functions improved.)"""
    anchors = anchor_rows(reference, eligible)
    if not anchors.any():
        return np.ones(times.shape[1])
    factors = np.median(times[anchors] / reference[anchors, None], axis=0)
    return np.where(factors > 0, factors, 1.0)


def anchor_rows(reference: np.ndarray, eligible: np.ndarray | None = None) -> np.ndarray:
    """The anchors `speed_factors` describes, as a row mask (all False when none is usable)."""
    usable = _usable(reference, eligible)
    if not usable.any():
        return usable
    anchors = _holding(reference, usable, ANCHOR_MIN_SHARE_PCT)
    return anchors if anchors.sum() >= MIN_ANCHORS else usable


def spread_rows(reference: np.ndarray, eligible: np.ndarray | None = None) -> np.ndarray:
    """The spread set: the `eligible` rows (as for the anchors) holding SPREAD_MIN_SHARE_PCT of
    the reference total."""
    return _holding(reference, _usable(reference, eligible), SPREAD_MIN_SHARE_PCT)


def _usable(reference: np.ndarray, eligible: np.ndarray | None) -> np.ndarray:
    usable = reference > 0
    if eligible is not None and (usable & eligible).any():
        usable = usable & eligible
    return usable


def _holding(reference: np.ndarray, usable: np.ndarray, share_pct: float) -> np.ndarray:
    return usable & (reference >= reference[usable].sum() * share_pct / 100.0)


def log_change_spread(log_change: np.ndarray, rows: np.ndarray) -> tuple[float, float] | None:
    """(center, sd) of the log changes of `rows`: their median and MAD_TO_SD x their median
    absolute deviation; None with fewer than MIN_SPREAD_FUNCTIONS rows."""
    values = log_change[rows]
    if values.size < MIN_SPREAD_FUNCTIONS:
        return None
    center = float(np.median(values))
    return center, MAD_TO_SD * float(np.median(np.abs(values - center)))


def spread_p(log_change: np.ndarray, center: float, sd: float) -> np.ndarray:
    """Two-sided p of each log change under a normal(center, sd) null. A zero sd (a spread set
    that all moved alike) rejects every change that differs from the center at all."""
    from scipy import stats

    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.abs(log_change - center) / sd
    return np.where(np.isnan(z), 1.0, 2.0 * stats.norm.sf(z))


def _statuses(
    change: np.ndarray, t: np.ndarray, p_adj: np.ndarray, p_spread: np.ndarray, min_change: float
) -> list[str]:
    beyond_spread = np.isnan(p_spread) | (p_spread < ALPHA)
    significant = (p_adj < ALPHA) & beyond_spread & (np.abs(np.nan_to_num(change)) >= min_change)
    agrees = np.sign(t) == np.sign(change)
    return [
        ("improved" if c < 0 else "regressed") if s and a else "not significant"
        for c, s, a in zip(change, significant, agrees, strict=True)
    ]


def _shares(mb: np.ndarray, ma: np.ndarray) -> np.ndarray:
    """Each function's larger share of the run (percent) on the two sides."""
    sb, sa = mb.sum(), ma.sum()
    before = mb / sb if sb > 0 else np.zeros_like(mb)
    after = ma / sa if sa > 0 else np.zeros_like(ma)
    return 100.0 * np.maximum(before, after)


def judge_functions(
    before: pl.DataFrame, after: pl.DataFrame, min_change: float = MIN_FUNCTION_CHANGE_PCT
) -> FunctionTest:
    left, kb = repeat_matrix(before, "b")
    right, ka = repeat_matrix(after, "a")
    both = left.join(right, on="key", how="inner", maintain_order="left")
    b = both.select(f"b{i}" for i in range(kb)).to_numpy().astype(float).reshape(-1, kb)
    a = both.select(f"a{i}" for i in range(ka)).to_numpy().astype(float).reshape(-1, ka)
    reference = np.median(np.hstack([b, a]), axis=1) if both.height else np.zeros(0)
    # anchors are Python functions: C functions that wait on threads, I/O or the allocator do
    # not slow like the interpreter when the machine is loaded
    native = before.filter(pl.col("file") == "~")["key"]
    python = ~both["key"].is_in(native.implode()).to_numpy()
    cb, ca = speed_factors(b, reference, python), speed_factors(a, reference, python)
    xb, xa = b / cb, a / ca
    mb, ma = np.median(xb, axis=1), np.median(xa, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(mb > 0, (ma / mb - 1.0) * 100.0, np.nan)
    log_change = np.log((ma + EPSILON_S) / (mb + EPSILON_S))
    spread_set = spread_rows(reference, python)
    spread = log_change_spread(log_change, spread_set)
    n = both.height
    status = np.full(n, "not enough repeats", dtype=object)
    p_adj = np.full(n, np.nan)
    p_spread = np.full(n, np.nan)
    tested = np.zeros(n, dtype=bool)
    if min(kb, ka) >= MIN_REPEATS and n:
        tested = _shares(mb, ma) >= MIN_SHARE_PCT
        status[:] = "not tested"
        if tested.any():
            t, p = welch_rows(np.log(xb[tested] + EPSILON_S), np.log(xa[tested] + EPSILON_S))
            p_adj[tested] = adjust_p(p)
            if spread is not None:
                p_spread[tested] = adjust_p(spread_p(log_change[tested], *spread))
            status[tested] = _statuses(
                change[tested], t, p_adj[tested], p_spread[tested], min_change
            )
    verdicts = pl.DataFrame(
        {
            "key": both["key"],
            "status": status.tolist(),
            "change_pct": change,
            "p_adj": p_adj,
            "p_spread": p_spread,
        },
        schema=VERDICT_SCHEMA,
    ).with_columns(pl.col("change_pct", "p_adj", "p_spread").fill_nan(None))
    ratio = float(np.median(ca) / np.median(cb)) if n else None
    center, sd = (None, None) if spread is None else spread
    return FunctionTest(
        verdicts, kb, ka, ratio, int(tested.sum()), min_change, int(spread_set.sum()), sd, center
    )
