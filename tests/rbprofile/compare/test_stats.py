"""The t distribution against table values and closed forms; verdicts on known samples."""

from __future__ import annotations

import math

import pytest

from rbprofile.compare.stats import (
    Sample,
    geometric_mean_speedup,
    judge,
    regularized_incomplete_beta,
    t_cdf,
    t_two_sided_p,
    welch_t_test,
)


@pytest.mark.parametrize(
    ("t", "df", "p"),
    [
        (12.706, 1, 0.05),  # two-sided 5% critical values from the t table
        (4.303, 2, 0.05),
        (2.571, 5, 0.05),
        (2.228, 10, 0.05),
        (2.086, 20, 0.05),
        (2.042, 30, 0.05),
        (3.169, 10, 0.01),
        (1.812, 10, 0.10),
        (1.960, 1e7, 0.05),  # the normal limit
    ],
)
def test_two_sided_p_matches_t_table(t: float, df: float, p: float) -> None:
    assert t_two_sided_p(t, df) == pytest.approx(p, abs=2e-4)


@pytest.mark.parametrize("t", [-3.0, -0.5, 0.0, 0.7, 1.0, 4.0])
def test_cdf_matches_closed_forms_for_one_and_two_degrees_of_freedom(t: float) -> None:
    assert t_cdf(t, 1) == pytest.approx(0.5 + math.atan(t) / math.pi, abs=1e-12)
    assert t_cdf(t, 2) == pytest.approx(0.5 + t / (2 * math.sqrt(2 + t * t)), abs=1e-12)


def test_incomplete_beta_closed_forms_and_symmetry() -> None:
    assert regularized_incomplete_beta(1, 1, 0.3) == pytest.approx(0.3, abs=1e-14)
    assert regularized_incomplete_beta(2, 1, 0.3) == pytest.approx(0.09, abs=1e-14)
    x, a, b = 0.42, 3.5, 1.25
    total = regularized_incomplete_beta(a, b, x) + regularized_incomplete_beta(b, a, 1 - x)
    assert total == pytest.approx(1.0, abs=1e-13)
    assert regularized_incomplete_beta(a, b, 0.0) == 0.0
    assert regularized_incomplete_beta(a, b, 1.0) == 1.0
    with pytest.raises(ValueError, match="x must be in"):
        regularized_incomplete_beta(a, b, 1.5)


def test_welch_statistic_and_satterthwaite_df() -> None:
    # means 3 and 6, variances 2.5 and 10, n = 5 each: se^2 = 0.5 + 2 = 2.5
    result = welch_t_test([1, 2, 3, 4, 5], [2, 4, 6, 8, 10])
    assert result.t == pytest.approx(3 / math.sqrt(2.5), rel=1e-12)
    assert result.df == pytest.approx(2.5**2 / (0.5**2 / 4 + 2**2 / 4), rel=1e-12)
    assert result.df == pytest.approx(5.882352941, rel=1e-9)
    assert result.p == pytest.approx(t_two_sided_p(result.t, result.df), rel=1e-12)
    assert 0.10 < result.p < 0.11  # between the df=6 table points t=1.943 (p=.10) and 1.440 (.20)


def test_welch_constant_samples() -> None:
    assert welch_t_test([1.0, 1.0, 1.0], [1.0, 1.0]).p == 1.0
    assert welch_t_test([1.0, 1.0, 1.0], [2.0, 2.0]).p == 0.0


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
    result = judge(Sample((1.0, 1.0)), Sample(FASTER_AFTER))
    assert result.verdict == "not enough repeats"
    assert result.p is None
    assert result.describe() == "1.25x faster"
    assert judge(Sample(FASTER_BEFORE), Sample((0.5,))).verdict == "not enough repeats"


def test_sample_summary() -> None:
    sample = Sample((3.0, 1.0, 2.0))
    assert (sample.n, sample.median, sample.spread) == (3, 2.0, 1.0)
    assert Sample((1.0,)).spread is None


def test_geometric_mean() -> None:
    assert geometric_mean_speedup([2.0, 8.0]) == pytest.approx(4.0)
    assert geometric_mean_speedup([2.0, 0.5]) == pytest.approx(1.0)
    assert geometric_mean_speedup([]) is None
