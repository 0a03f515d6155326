"""The evidence benchmark's sampling arguments and its 'samples for rho 0.9' estimate, on
share maps whose answer is known."""

from __future__ import annotations

from benchmarks import bench_evidence


def test_samples_come_from_the_environment_with_a_budget_that_reaches_them() -> None:
    assert bench_evidence.sampling_args({}) == []
    asked = {bench_evidence.SAMPLES_ENV: "20000"}
    assert bench_evidence.sampling_args(asked) == ["--samples", "20000", "--sample-budget", "200"]
    small = {bench_evidence.SAMPLES_ENV: "3000"}
    assert bench_evidence.sampling_args(small)[-1] == "60"  # never under run's own default


def geometric(ratio: float, n: int = 30) -> dict[str, float]:
    weights = [ratio**i for i in range(n)]
    return {f"f{i}": w / sum(weights) for i, w in enumerate(weights)}


def test_well_separated_shares_need_the_fewest_samples_and_equal_shares_never_rank() -> None:
    # each function holds 0.6x the one above it: any 2,000 samples order the top 20 the same
    assert bench_evidence.samples_needed(geometric(0.6), design=1.0) == 2000
    # 30 equal shares: two draws' orders are unrelated however many samples are taken
    flat = {f"f{i}": 1 / 30 for i in range(30)}
    assert bench_evidence.samples_needed(flat, design=1.0) is None


def test_a_design_effect_makes_the_same_ranking_cost_more_samples() -> None:
    # each function holds 0.97x the one above it: neighbours differ by 3% of their share
    shares = geometric(0.97)
    alone = bench_evidence.samples_needed(shares, design=1.0)
    assert alone is not None and 4000 <= alone <= 12000
    doubled = bench_evidence.samples_needed(shares, design=2.0)
    assert doubled is not None and doubled >= 1.5 * alone  # grid steps are at most 1.5x
