"""Rank stability from a run's own shares: known answers on geometric and flat share maps."""

from __future__ import annotations

import polars as pl
import pytest

from rbprofile.analysis import rank_stability as rs


def geometric(ratio: float, n: int = 30) -> dict[str, float]:
    weights = [ratio**i for i in range(n)]
    return {f"f{i}": w / sum(weights) for i, w in enumerate(weights)}


def test_top_rho_counts_a_function_missing_on_one_side_as_zero() -> None:
    a = {"x": 0.5, "y": 0.3, "z": 0.2}
    assert rs.top_rho(a, dict(a)) == pytest.approx(1.0)
    assert rs.top_rho(a, {"x": 0.2, "y": 0.3, "z": 0.5}) == pytest.approx(-1.0)
    # top 2 of each: {x, y} and {w, x}; z is left out, w counts 0 on a's side
    assert rs.top_rho(a, {"w": 0.6, "x": 0.4}, top=2) == pytest.approx(-0.5)


def test_well_separated_shares_rank_alike_and_equal_shares_never_do() -> None:
    # each function holds 0.6x the one above it: 1,000 samples order the top 20 alike, but
    # for the tail, too small for any sample (ties at 0)
    stable = geometric(0.6)
    assert rs.noise_rho(stable, 1000)[0] >= rs.TARGET
    assert rs.rank_stability(stable, design=1.0) == rs.RankStability(needed=1000, split=None)
    flat = {f"f{i}": 1 / 30 for i in range(30)}  # two draws' orders are unrelated
    assert abs(rs.noise_rho(flat, 40000)[0]) < 0.3
    assert rs.rank_stability(flat, design=1.0) == rs.RankStability(needed=None, split=None)


def test_a_design_effect_makes_the_same_ranking_cost_more_samples() -> None:
    # each function holds 0.97x the one above it: neighbours differ by 3% of their share
    shares = geometric(0.97)
    alone = rs.samples_for(shares, design=1.0)
    assert alone is not None and 4000 <= alone <= 12000
    doubled = rs.samples_for(shares, design=2.0)
    assert doubled is not None and doubled >= 1.5 * alone  # GRID's steps are at most 1.5x
    # at the samples `alone` names, paying a design effect of 2 falls short of the target
    assert rs.noise_rho(shares, rs.effective(alone, 1.0))[0] >= rs.TARGET
    assert rs.noise_rho(shares, rs.effective(alone, 2.0))[0] < rs.TARGET


def test_the_same_shares_give_the_same_figures_whatever_their_order() -> None:
    shares = geometric(0.9)
    reordered = dict(reversed(list(shares.items())))
    assert rs.noise_rho(shares, 2000) == rs.noise_rho(reordered, 2000)
    assert rs.rank_stability(shares, 1.3) == rs.rank_stability(reordered, 1.3)


def test_nothing_to_rank() -> None:
    assert rs.rank_stability({}, 1.0) is None
    assert rs.rank_stability({"a": 0.6, "b": 0.4}, 1.0) is None
    assert rs.effective(0, 1.3) == 1  # never a draw of zero samples


def per_run(rows: list[dict[str, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(run, key, n) for run, counts in enumerate(rows) for key, n in counts.items()],
        schema={"run": pl.Int64, "key": pl.String, "samples": pl.Int64},
        orient="row",
    )


def test_runs_that_all_rank_alike_give_a_split_half_rho_of_one() -> None:
    same = {f"f{i}": 30 - i for i in range(25)}  # every run: f0 > f1 > ... > f24
    rho, p10, half = rs.split_half(per_run([same] * 10))  # type: ignore[misc]
    assert (rho, p10) == (pytest.approx(1.0), pytest.approx(1.0))
    assert half == 10 * sum(same.values()) // 2


def test_runs_that_disagree_give_a_low_split_half_rho() -> None:
    up = {f"f{i}": 30 - i for i in range(25)}
    down = {f"f{i}": 6 + i for i in range(25)}  # the same functions in the reverse order
    split = rs.split_half(per_run([up, down] * 5))
    assert split is not None and split[0] < 0.5  # halves rank by which kind of run they drew


def test_a_split_needs_two_runs_a_side() -> None:
    same = {f"f{i}": 30 - i for i in range(25)}
    assert rs.split_half(per_run([same] * 3)) is None
    assert rs.split_half(per_run([same] * 4)) is not None
