"""The decimal benchmark's rows from known medians, and its child run for real on a small bundle."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import bench_decimal
from rustybt.data.bundles import Bundle


def measured(pre_final: str = "100.5") -> dict:
    return {
        "float": {"wall_s": 1.0, "cpu_s": 0.9, "finals": ["100.5"]},
        "decimal": {"wall_s": 1.5, "cpu_s": 1.35, "finals": ["100.5"]},
        "decimal, prices pre-converted": {"wall_s": 1.2, "cpu_s": 1.17, "finals": [pre_final]},
        "conversions": 4200,
    }


def test_ratios_and_the_conversions_share_of_the_gap() -> None:
    rows = bench_decimal.rows_for("daily", measured())
    times = [r for r in rows if r["table"] == "times"]
    assert [r["variant"] for r in times] == list(bench_decimal.VARIANTS)
    wall, cpu = (r for r in rows if r["table"] == "ratios")
    assert (wall["seconds"], cpu["seconds"]) == ("wall", "CPU")
    assert wall["decimal / float"] == pytest.approx(1.5)
    assert wall["pre-converted / float"] == pytest.approx(1.2)
    assert wall["conversion share of the gap"] == pytest.approx(0.6)  # 0.3 of the 0.5 s gap
    assert cpu["conversion share of the gap"] == pytest.approx(0.4)  # 0.18 of 0.45
    assert not wall["met"] and not wall["met with free conversions"]
    assert wall["prices converted per run"] == 4200


def test_a_bound_that_changed_the_result_is_refused() -> None:
    with pytest.raises(RuntimeError, match="changed the result"):
        bench_decimal.rows_for("daily", measured(pre_final="100.4"))


@pytest.mark.slow
def test_the_child_runs_all_three_variants(smoke_bundle: Bundle, monkeypatch) -> None:
    monkeypatch.setattr(bench_decimal, "ROUNDS", 3)
    result = bench_decimal.measure("smoke", Path(smoke_bundle.path.parent))
    decimal, pre = result["decimal"], result["decimal, prices pre-converted"]
    assert decimal["finals"] == pre["finals"] and len(decimal["finals"]) == 1
    assert result["float"]["finals"][0] == str(round(float(decimal["finals"][0]), 2))
    # the smoke backtest never trades (its SMA needs 30 bars, the bundle has 10): nothing held,
    # no price converted
    assert result["conversions"] == 0
