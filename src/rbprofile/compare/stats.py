"""Noise-aware timing verdicts: median, spread, Welch's t-test, and the verdict words.

Welch's unequal-variance t-test is `scipy.stats.ttest_ind(equal_var=False)` (imported when a
test runs: scipy takes ~0.6 s to import and `rbprofile --help` must stay fast).

Verdicts (`Verdict`): "faster" / "slower" when Welch's test rejects equal means at 95% AND the
median changed by at least `min_change` percent; "not significant" otherwise; "not enough
repeats" when either side has fewer than `MIN_REPEATS` samples (never a guess from one value).
"""

from __future__ import annotations

import math
import statistics
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from rbprofile.errors import RbprofileError

if TYPE_CHECKING:
    import numpy as np

Verdict = Literal["faster", "slower", "not significant", "not enough repeats"]

MIN_REPEATS = 3
ALPHA = 0.05
# the default smallest function change named (`compare.function_verdicts`; here, in a module
# without numpy, because `compare --help` shows it): under load, unchanged functions do not slow
# uniformly (the planted-slowdown test saw untouched siblings move 3-8% when the machine was 22%
# slower, p_adj 0.02), so a change must be larger than that to be the code's
MIN_FUNCTION_CHANGE_PCT = 10.0


@dataclass(frozen=True)
class WelchResult:
    t: float
    df: float
    p: float


def welch_t_test(before: Sequence[float], after: Sequence[float]) -> WelchResult:
    """Welch's unequal-variance t-test of AFTER against BEFORE (t > 0: AFTER's mean is larger).

    Both sides need at least two values. Two constant samples (scipy gives nan there): p = 1
    when equal, else 0.
    """
    if len(before) < 2 or len(after) < 2:
        raise ValueError("Welch's t-test needs at least two values on each side")
    if statistics.variance(before) == 0.0 and statistics.variance(after) == 0.0:
        m1, m2 = statistics.fmean(before), statistics.fmean(after)
        if m1 == m2:
            return WelchResult(0.0, math.inf, 1.0)
        return WelchResult(math.copysign(math.inf, m2 - m1), math.inf, 0.0)
    from scipy import stats

    with warnings.catch_warnings():
        # nearly identical values (a constant side, say) make scipy warn of precision loss;
        # a verdict also needs `min_change` percent, so the warning would add nothing
        warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)
        result = stats.ttest_ind(after, before, equal_var=False)
    return WelchResult(float(result.statistic), float(result.df), float(result.pvalue))


def welch_rows(before: np.ndarray, after: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Welch's test of AFTER against BEFORE for every row at once (rows: functions, columns:
    repeats; each side needs at least two columns): (t, two-sided p) per row. Rows constant on
    both sides get p = 1 when equal, else 0 and an infinite t, as `welch_t_test` does."""
    import numpy as np
    from scipy import stats

    if before.shape[1] < 2 or after.shape[1] < 2:
        raise ValueError("Welch's t-test needs at least two values on each side")
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)
        result = stats.ttest_ind(after, before, axis=1, equal_var=False)
    t, p = np.asarray(result.statistic, float), np.asarray(result.pvalue, float)
    constant = (np.ptp(before, axis=1) == 0) & (np.ptp(after, axis=1) == 0)
    diff = after.mean(axis=1) - before.mean(axis=1)
    t = np.where(constant, np.where(diff == 0, 0.0, np.copysign(np.inf, diff)), t)
    p = np.where(constant, np.where(diff == 0, 1.0, 0.0), p)
    return t, p


def adjust_p(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (`scipy.stats.false_discovery_control`): a change
    counts when its adjusted p is under ALPHA, which keeps the expected share of false
    discoveries among many functions at ALPHA (and the chance of any when nothing changed)."""
    import numpy as np
    from scipy import stats

    if p.size == 0:
        return p
    return np.asarray(stats.false_discovery_control(p, method="bh"), float)


@dataclass(frozen=True)
class Sample:
    """One side's repeats of one measure."""

    values: tuple[float, ...]

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def spread(self) -> float | None:
        """Sample standard deviation; None with fewer than two values."""
        return statistics.stdev(self.values) if self.n >= 2 else None


@dataclass(frozen=True)
class TimingVerdict:
    verdict: Verdict
    ratio: float  # after median / before median: < 1 is faster
    change_pct: float  # (after / before - 1) * 100
    p: float | None  # Welch's two-sided p, None when not computed

    @property
    def speedup(self) -> float:
        """before / after: > 1 means the after side is faster."""
        return 1.0 / self.ratio

    def describe(self) -> str:
        """'1.32x faster', '1.08x slower' or '1.00x' -- the ratio of medians, in words."""
        if self.ratio < 1.0:
            return f"{self.speedup:.2f}x faster"
        if self.ratio > 1.0:
            return f"{self.ratio:.2f}x slower"
        return "1.00x"


def judge(before: Sample, after: Sample, min_change: float = 2.0) -> TimingVerdict:
    """The verdict for one scenario's timing repeats (`min_change` in percent)."""
    if before.n == 0 or after.n == 0 or before.median <= 0:
        raise RbprofileError(
            "a timing sample is empty or not positive; re-record the run with `rbprofile run`"
        )
    ratio = after.median / before.median
    change_pct = (ratio - 1.0) * 100.0
    if before.n < MIN_REPEATS or after.n < MIN_REPEATS:
        return TimingVerdict("not enough repeats", ratio, change_pct, None)
    test = welch_t_test(before.values, after.values)
    same_direction = (test.t < 0) == (ratio < 1.0)
    if test.p >= ALPHA or abs(change_pct) < min_change or not same_direction:
        return TimingVerdict("not significant", ratio, change_pct, test.p)
    return TimingVerdict("faster" if ratio < 1.0 else "slower", ratio, change_pct, test.p)


def geometric_mean_speedup(speedups: Sequence[float]) -> float | None:
    """Geometric mean of before/after ratios; None when there are none."""
    if not speedups:
        return None
    return math.exp(statistics.fmean(math.log(s) for s in speedups))
