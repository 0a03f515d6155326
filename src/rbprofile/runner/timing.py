"""Plain (unprofiled) timing repeats -> `timing.json` (`rbprofile.rundir.timing.Timing`).

Each repeat is a fresh child in `plain` mode. Per run: interpreter start-up (parent spawn ->
child main), import time (rustybt + the strategy file), load and simulate wall/CPU time (from
`BacktestResult.timings`), and the child's whole wall time as the parent saw it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rbprofile.childprotocol import RESULT
from rbprofile.errors import RbprofileError
from rbprofile.process import Finished, spawn
from rbprofile.profilers.base import PLAIN
from rbprofile.rundir.timing import RUN_KEYS, Timing
from rbprofile.runner.childspec import SPAWNED_AT, Spec


def run_child(
    spec: Spec, mode: str, work: Path, **spawn_kw: Any
) -> tuple[Finished, dict[str, Any]]:
    """One child run in `mode` writing into `work`; returns (process, result.json) or raises."""
    finished = spawn(spec.argv(mode, work), work / "child.log", stamp=SPAWNED_AT, **spawn_kw)
    return finished, read_result(finished, work, spec.what)


def read_result(finished: Finished, work: Path, what: str = "backtest") -> dict[str, Any]:
    finished.raise_if_killed()
    path = work / RESULT
    if finished.returncode != 0 or not path.exists():
        # the run directory (and this log) is removed on failure: show the user's traceback
        user_tb = finished.strategy_traceback()
        raise RbprofileError(
            f"{what} failed ({finished.describe_failure()})" + (f"\n{user_tb}" if user_tb else "")
        )
    result: dict[str, Any] = json.loads(path.read_text())
    return result


def timing_row(finished: Finished, result: dict[str, Any]) -> dict[str, float]:
    row = {k: float(result[k]) for k in RUN_KEYS if result.get(k) is not None}
    row["total_wall_s"] = finished.wall_s
    return row


def run_repeats(
    spec: Spec,
    repeats: int,
    work: Path,
    on_repeat: Callable[[int], None] | None = None,
    timeout_s: float | None = None,
) -> tuple[Timing, dict[str, Any]]:
    """`repeats` plain runs (each stopped after `timeout_s`); returns (their Timing,
    result.json of the last run)."""
    rows: list[dict[str, float]] = []
    last: dict[str, Any] = {}
    for i in range(repeats):
        if on_repeat is not None:
            on_repeat(i)
        finished, last = run_child(spec, PLAIN, work / f"plain-{i + 1}", timeout_s=timeout_s)
        rows.append(timing_row(finished, last))
    return Timing.from_rows(rows), last
