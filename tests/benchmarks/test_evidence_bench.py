"""The evidence benchmark records at the samples the environment asks for."""

from __future__ import annotations

from benchmarks import bench_evidence


def test_samples_come_from_the_environment_with_a_budget_that_reaches_them() -> None:
    assert bench_evidence.sampling_args({}) == []
    asked = {bench_evidence.SAMPLES_ENV: "20000"}
    assert bench_evidence.sampling_args(asked) == ["--samples", "20000", "--sample-budget", "200"]
    small = {bench_evidence.SAMPLES_ENV: "3000"}
    assert bench_evidence.sampling_args(small)[-1] == "60"  # never under run's own default
