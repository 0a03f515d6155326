"""Noise-aware timing verdicts: median, spread, Welch's t-test, and the verdict words.

The Student t distribution is computed here (no scipy): its CDF is the regularized incomplete
beta function I_x(a, b), evaluated by the Lentz continued fraction (Numerical Recipes 6.4).

Verdicts (`Verdict`): "faster" / "slower" when Welch's test rejects equal means at 95% AND the
median changed by at least `min_change` percent; "not significant" otherwise; "not enough
repeats" when either side has fewer than `MIN_REPEATS` samples (never a guess from one value).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Verdict = Literal["faster", "slower", "not significant", "not enough repeats"]

MIN_REPEATS = 3
ALPHA = 0.05
_EPS = 3e-16
_FPMIN = 1e-300
_MAX_ITER = 500


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """Continued fraction for I_x(a, b) by the modified Lentz method."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _FPMIN else _FPMIN)
    h = d
    for m in range(1, _MAX_ITER + 1):
        m2 = 2 * m
        for aa in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > _FPMIN else _FPMIN)
            c = 1.0 + aa / c
            c = c if abs(c) > _FPMIN else _FPMIN
            h *= d * c
        if abs(d * c - 1.0) < _EPS:
            return h
    raise ArithmeticError(f"incomplete beta did not converge for a={a}, b={b}, x={x}")


def regularized_incomplete_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b) for a, b > 0 and 0 <= x <= 1."""
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"x must be in [0, 1], got {x}")
    if x in (0.0, 1.0):
        return x
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1.0 - front * _beta_continued_fraction(b, a, 1.0 - x) / b


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with `df` degrees of freedom (df may be fractional)."""
    if df <= 0:
        raise ValueError(f"degrees of freedom must be positive, got {df}")
    if math.isinf(t):
        return 0.0
    return regularized_incomplete_beta(df / 2.0, 0.5, df / (df + t * t))


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with `df` degrees of freedom."""
    tail = t_two_sided_p(t, df) / 2.0
    return 1.0 - tail if t > 0 else tail


@dataclass(frozen=True)
class WelchResult:
    t: float
    df: float
    p: float


def welch_t_test(before: Sequence[float], after: Sequence[float]) -> WelchResult:
    """Welch's unequal-variance t-test with the Welch-Satterthwaite degrees of freedom.

    Both sides need at least two values. Two constant samples: p = 1 when equal, else 0.
    """
    n1, n2 = len(before), len(after)
    if n1 < 2 or n2 < 2:
        raise ValueError("Welch's t-test needs at least two values on each side")
    m1, m2 = statistics.fmean(before), statistics.fmean(after)
    se1, se2 = statistics.variance(before) / n1, statistics.variance(after) / n2
    se = se1 + se2
    if se == 0.0:
        return WelchResult(
            0.0 if m1 == m2 else math.copysign(math.inf, m2 - m1),
            math.inf,
            1.0 if m1 == m2 else 0.0,
        )
    t = (m2 - m1) / math.sqrt(se)
    df = se * se / (se1 * se1 / (n1 - 1) + se2 * se2 / (n2 - 1))
    return WelchResult(t, df, t_two_sided_p(t, df))


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
        raise ValueError("both sides need at least one positive timing value")
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
