"""95% Wilson intervals for sampled shares, and judging a share against a threshold."""

from __future__ import annotations

import polars as pl
import pytest

from rbprofile.analysis.intervals import (
    design_effect,
    interval_note,
    interval_text,
    judge,
    judge_expr,
    wilson,
    wilson_exprs,
    with_intervals,
)

# (k, n) -> scipy.stats.binomtest(k, n).proportion_ci(method="wilson"), computed once
KNOWN = {
    (10, 100): (0.05522913706067508, 0.17436566150491345),
    (1, 10): (0.017876213095072896, 0.4041500267952385),
    (150, 3000): (0.042760336764559155, 0.058390627088234205),
    (3, 4): (0.30064184258240184, 0.9544127391902995),
}


@pytest.mark.parametrize(("k", "n"), list(KNOWN))
def test_wilson_matches_known_values(k: int, n: int) -> None:
    assert wilson(k, n) == pytest.approx(KNOWN[(k, n)], abs=1e-12)


def test_wilson_ends_are_exact() -> None:
    assert wilson(0, 100) == (0.0, pytest.approx(0.036993498206983))  # 3.84 / 103.84
    assert wilson(8, 8) == (pytest.approx(0.6755924351161198), 1.0)
    assert wilson(0, 0) == (0.0, 1.0)  # no samples: nothing is known


def test_interval_narrows_with_more_samples() -> None:
    few, many = wilson(10, 100), wilson(300, 3000)  # both 10%
    assert few[1] - few[0] > 3 * (many[1] - many[0])
    # the example: a 10% share on a few dozen samples is about +-10 points
    lo, hi = wilson(4, 40)
    assert (0.10 - lo, hi - 0.10) == pytest.approx((0.0604, 0.1305), abs=1e-4)


def test_polars_expressions_match_the_scalar_formula() -> None:
    frame = pl.DataFrame(
        {"k": [k for k, _ in KNOWN] + [0, 5], "n": [n for _, n in KNOWN] + [50, 5]}
    )
    out = frame.with_columns(wilson_exprs("k", pl.col("n"), "share"))
    for k, n, lo, hi in out.select("k", "n", "share_lo", "share_hi").iter_rows():
        assert (lo, hi) == pytest.approx(wilson(k, n), abs=1e-12)


def test_with_intervals_puts_bounds_after_each_share() -> None:
    frame = pl.DataFrame({"f": ["a", "b"], "samples": [10, 90], "share": [0.1, 0.9]})
    out = with_intervals(frame, {"share": "samples"}, 100)
    assert out.columns == ["f", "samples", "share", "share_lo", "share_hi"]
    assert out.row(0)[3:] == pytest.approx(KNOWN[(10, 100)])


def test_judge_marks_a_threshold_inside_the_interval_uncertain() -> None:
    assert judge(*wilson(10, 100), 0.05) == "above"  # 5.5-17.4% vs 5%
    assert judge(*wilson(150, 3000), 0.05) == "uncertain"  # 4.3-5.8% holds 5%
    assert judge(*wilson(100, 3000), 0.05) == "below"  # 2.7-4.0%
    frame = pl.DataFrame({"lo": [0.06, 0.04, 0.01], "hi": [0.1, 0.06, 0.02]})
    said = frame.select(judge_expr("lo", "hi", 0.05, "yes", "no"))["literal"].to_list()
    assert said == ["yes", "uncertain", "no"]
    assert interval_text(*KNOWN[(10, 100)]) == "5.5%-17.4%"


def _per_run(counts: list[dict[str, int]]) -> pl.DataFrame:
    rows = [(run, key, n) for run, found in enumerate(counts) for key, n in found.items()]
    return pl.DataFrame(rows, schema={"run": pl.Int64, "key": pl.String, "samples": pl.Int64},
                        orient="row")  # fmt: skip


def test_design_effect_known_answers() -> None:
    # every run splits 50/50: no more variation than none at all -> floored at 1
    steady = _per_run([{"a": 50, "b": 50}] * 10)
    assert design_effect(steady) == 1.0
    # runs alternate 80/20 and 20/80 around a pooled 50%: each run's X^2 term is
    # (80 - 50)^2 / (0.25 x 100) = 36, ten runs over 9 degrees of freedom: 40
    swinging = _per_run([{"a": 80, "b": 20}, {"a": 20, "b": 80}] * 5)
    assert design_effect(swinging) == pytest.approx(40.0)
    # a function under 1% of the samples is not measured (z: 5 of 1,005, all in half the runs);
    # fewer than 3 runs: nothing measured
    rare = _per_run([{"a": 50, "b": 50, "z": 1}, {"a": 50, "b": 50}] * 5)
    assert design_effect(rare) == 1.0
    assert design_effect(_per_run([{"a": 80, "b": 20}, {"a": 20, "b": 80}])) == 1.0


def test_a_design_effect_widens_the_interval_as_fewer_samples_would() -> None:
    assert wilson(300, 3000, design=4.0) == pytest.approx(wilson(75, 750))
    assert wilson(300, 3000, design=1.0) == wilson(300, 3000)
    frame = pl.DataFrame({"k": [300], "n": [3000]})
    lo, hi = frame.select(wilson_exprs("k", pl.col("n"), "s", design=4.0)).row(0)
    assert (lo, hi) == pytest.approx(wilson(75, 750))
    assert "design" not in interval_note(1.0) and "k / 1.70 of n / 1.70" in interval_note(1.7)
