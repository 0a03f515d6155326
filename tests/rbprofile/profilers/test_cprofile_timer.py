"""RBPROFILE_CPROFILE_TIMER=cpu (set by `rbprofile scale` for its children) times cProfile by
CPU time: a sleep, which takes wall time but no CPU, all but vanishes from the profile."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from rbprofile.analysis.pstats_source import load_pstats
from rbprofile.profilers import get
from rbprofile.profilers.cprofile import TIMER_ENV
from rbprofile.rundir import files

SLEEP_S = 0.3


def _napper() -> str:
    time.sleep(SLEEP_S)
    return "done"


def _total(out: Path) -> float:
    return float(load_pstats(out / files.PSTATS).functions["self_s"].sum())


@pytest.mark.parametrize(("timer", "low", "high"), [(None, SLEEP_S, 10.0), ("cpu", 0.0, 0.05)])
def test_the_timer_env_chooses_wall_or_cpu_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, timer: str | None, low: float, high: float
) -> None:
    if timer is None:
        monkeypatch.delenv(TIMER_ENV, raising=False)
    else:
        monkeypatch.setenv(TIMER_ENV, timer)
    result, _ = get("cprofile").in_child(_napper, tmp_path)
    assert result == "done"
    assert low <= _total(tmp_path) < high
