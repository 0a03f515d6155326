"""Welch's test against closed forms and t-table values; verdicts on known samples.

The known p-values are scipy-independent: Welch-Satterthwaite df comes out 1, 2 or 4 for the
samples below, where Student's t has a closed-form CDF (1 df is the Cauchy distribution).
"""

from __future__ import annotations

import math

import pytest

from rbprofile.compare.stats import (
    MIN_REPEATS,
    Sample,
    geometric_mean_speedup,
    judge,
    welch_t_test,
)
from rbprofile.errors import RbprofileError


def _t4_two_sided(t: float) -> float:
    """P(|T| >= |t|) for 4 degrees of freedom, in closed form."""
    x = t / math.sqrt(1 + t * t / 4)
    return 1 - 0.75 * x * (1 - t * t / (12 * (1 + t * t / 4)))


def test_one_degree_of_freedom_is_the_cauchy_distribution() -> None:
    # a constant BEFORE side of 2 values: df = se2^2 / (se2^2 / 1) = 1; t = (3 - 1) / 1
    result = welch_t_test([1.0, 1.0], [2.0, 4.0])
    assert (result.t, result.df) == (pytest.approx(2.0), pytest.approx(1.0))
    assert result.p == pytest.approx(1 - 2 * math.atan(2.0) / math.pi, rel=1e-12)


def test_two_degrees_of_freedom_closed_form() -> None:
    # n = 2 each, both variances 2: se^2 = 2, t = 3 / sqrt(2), df = 2
    result = welch_t_test([0.0, 2.0], [3.0, 5.0])
    t = 3 / math.sqrt(2)
    assert (result.t, result.df) == (pytest.approx(t, rel=1e-12), pytest.approx(2.0))
    assert result.p == pytest.approx(1 - t / math.sqrt(2 + t * t), rel=1e-12)


@pytest.mark.parametrize(
    ("t", "p"),
    [(2.776, 0.05), (4.604, 0.01), (2.132, 0.10)],  # two-sided critical values, 4 df (t table)
)
def test_four_degrees_of_freedom_match_the_t_table(t: float, p: float) -> None:
    # n = 3 each, both variances 1: se^2 = 2/3, df = 4; shift AFTER to get the wanted t
    shift = t * math.sqrt(2 / 3)
    result = welch_t_test([-1.0, 0.0, 1.0], [shift - 1, shift, shift + 1])
    assert (result.t, result.df) == (pytest.approx(t, rel=1e-12), pytest.approx(4.0))
    assert result.p == pytest.approx(_t4_two_sided(t), rel=1e-9)
    assert result.p == pytest.approx(p, abs=2e-4)


def test_the_sign_of_t_follows_after_minus_before() -> None:
    assert welch_t_test([1.0, 2.0, 3.0], [2.0, 3.0, 4.0]).t > 0
    assert welch_t_test([2.0, 3.0, 4.0], [1.0, 2.0, 3.0]).t < 0


def test_fewer_than_two_values_is_refused() -> None:
    with pytest.raises(ValueError, match="at least two values"):
        welch_t_test([1.0], [1.0, 2.0])


def test_welch_statistic_and_satterthwaite_df() -> None:
    # means 3 and 6, variances 2.5 and 10, n = 5 each: se^2 = 0.5 + 2 = 2.5
    result = welch_t_test([1, 2, 3, 4, 5], [2, 4, 6, 8, 10])
    assert result.t == pytest.approx(3 / math.sqrt(2.5), rel=1e-12)
    assert result.df == pytest.approx(2.5**2 / (0.5**2 / 4 + 2**2 / 4), rel=1e-12)
    assert result.df == pytest.approx(5.882352941, rel=1e-9)
    assert 0.10 < result.p < 0.11  # between the df=6 table points t=1.943 (p=.10) and 1.440 (.20)


def test_welch_constant_samples() -> None:
    same = welch_t_test([1.0, 1.0, 1.0], [1.0, 1.0])
    assert (same.t, same.df, same.p) == (0.0, math.inf, 1.0)
    assert welch_t_test([1.0, 1.0, 1.0], [2.0, 2.0]).p == 0.0
    assert welch_t_test([2.0, 2.0, 2.0], [1.0, 1.0]).t == -math.inf


FASTER_BEFORE = (1.00, 1.01, 0.99, 1.02, 0.98)
FASTER_AFTER = (0.80, 0.81, 0.79, 0.80, 0.82)


def test_clearly_faster() -> None:
    result = judge(Sample(FASTER_BEFORE), Sample(FASTER_AFTER))
    assert result.verdict == "faster"
    assert result.describe() == "1.25x faster"
    assert result.change_pct == pytest.approx(-20.0)
    assert result.p is not None and result.p < 1e-6


def test_clearly_slower() -> None:
    result = judge(Sample(FASTER_AFTER), Sample(FASTER_BEFORE))
    assert result.verdict == "slower"
    assert result.describe() == "1.25x slower"
    assert result.change_pct == pytest.approx(25.0)


def test_noise_is_not_significant() -> None:
    before = Sample((1.00, 1.05, 0.95, 1.02, 0.98))
    after = Sample((1.01, 0.96, 1.04, 0.99, 1.00))
    result = judge(before, after)
    assert result.verdict == "not significant"
    assert result.describe() == "1.00x"
    assert result.p is not None and result.p > 0.5


def test_significant_but_under_min_change() -> None:
    before = Sample((1.000, 1.001, 0.999))
    after = Sample((1.010, 1.011, 1.009))
    assert judge(before, after).verdict == "not significant"
    assert judge(before, after, min_change=0.5).verdict == "slower"


def test_too_few_repeats() -> None:
    assert MIN_REPEATS == 3
    result = judge(Sample((1.0, 1.0)), Sample(FASTER_AFTER))
    assert result.verdict == "not enough repeats"
    assert result.p is None
    assert result.describe() == "1.25x faster"
    assert judge(Sample(FASTER_BEFORE), Sample((0.5,))).verdict == "not enough repeats"


def test_an_empty_or_non_positive_sample_is_a_domain_error() -> None:
    with pytest.raises(RbprofileError, match="re-record the run"):
        judge(Sample(()), Sample(FASTER_AFTER))
    with pytest.raises(RbprofileError, match="not positive"):
        judge(Sample((0.0, 0.0, 0.0)), Sample(FASTER_AFTER))


def test_sample_summary() -> None:
    sample = Sample((3.0, 1.0, 2.0))
    assert (sample.n, sample.median, sample.spread) == (3, 2.0, 1.0)
    assert Sample((1.0,)).spread is None


def test_geometric_mean() -> None:
    assert geometric_mean_speedup([2.0, 8.0]) == pytest.approx(4.0)
    assert geometric_mean_speedup([2.0, 0.5]) == pytest.approx(1.0)
    assert geometric_mean_speedup([]) is None
