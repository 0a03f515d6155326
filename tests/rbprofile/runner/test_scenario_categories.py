"""The daily rustybt scenario recorded for real with cProfile and py-spy at 1000 Hz (enough
samples until py-spy repeats the backtest by itself): the strategy's loops are found and the
split breakdown leaves at most 10% unexplained (slow)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rbprofile.rundir import files
from rbprofile.rundir.categories import categorized
from rbprofile.rundir.run import Run
from rbprofile.runner.orchestrate import run_profiles
from rbprofile.runner.request import RunRequest

pytestmark = pytest.mark.slow


def test_daily_scenario_finds_loops_and_little_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RBPROFILE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("RBPROFILE_PYSPY", raising=False)
    request = RunRequest(
        "daily",
        ("cprofile", "pyspy"),
        repeat=1,
        rate_hz=1000,
        samples=6000,  # at 1,000 Hz: a few seconds
        profiles_dir=tmp_path / "p",
    )
    summary = run_profiles(request, lambda event: None)
    assert not summary.failed
    run_dir = tmp_path / "p" / "baseline" / "daily"
    assert (run_dir / files.ACTIVITY).is_file()  # recorded while the sources were at hand
    run = Run.directory(run_dir)
    result = categorized(run)
    assert result is not None and result.split is not None
    split = {r["category"]: r for r in result.split.iter_rows(named=True)}
    total = sum(r["samples"] for r in split.values())
    assert total >= 300, f"only {total} samples under the backtest"
    assert split["loops"]["samples"] > 0  # the SMA crossover loops over its 50 assets
    assert split["other"]["share"] <= 0.10
    assert sum(r["share"] for r in split.values()) == pytest.approx(1.0, abs=1e-12)
    # DecimalLedger.process_transaction keeps one label, never 'other'
    table = result.functions.filter(
        result.functions["key"]
        == "rustybt.finance.decimal.ledger:DecimalLedger.process_transaction"
    )
    assert table.height == 1 and table["category"][0] != "other"
