"""`rbprofile run`: the whole job's wall time, and what the harness adds over doing it by hand.

- run_all: `rbprofile run all --profiler all` (3 scenarios x 3 timing repeats + 3 cProfile,
  py-spy and memory), bundles ingested beforehand; target < 240 s.
- on one scenario (`daily`): the harness's time over the same work done by hand on the same
  child commands (plain `subprocess.run` of the child, py-spy's own command lines,
  memory_profiler's `memory_usage` on the same child); target <= 1.05. Rows per step (from
  the harness's progress events) and for the whole scenario (the `run_profiles` call,
  including bundle facts, manifest and pstats -> parquet conversion, against the sum of the
  by-hand steps). Harness and by-hand runs alternate REPS times; ratios are of the minimum
  (the least-disturbed run on a shared machine), medians are shown too.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from memory_profiler import memory_usage
from rbprofile.runner.process import ChildSpec
from rbprofile.runner.profilers import pyspy

from rbprofile.ingest import ingest_scenarios
from rbprofile.runner.orchestrate import StepEvent, run_profiles
from rbprofile.runner.request import RunRequest
from rbprofile.scenarios import SCENARIOS

SCENARIO = "daily"
REPEATS = 3
REPS = 5
TARGET_RUN_ALL_S = 240.0
TARGET_RATIO = 1.05


def _run_all(profiles: Path) -> float:
    cmd = [sys.executable, "-m", "rbprofile", "run", "all", "--profiler", "all"]
    start = time.perf_counter()
    subprocess.run([*cmd, "--profiles-dir", str(profiles)], check=True, capture_output=True)
    return time.perf_counter() - start


def _harness_steps(profiles: Path) -> dict[str, float]:
    steps: dict[str, float] = {}

    def on_event(ev: StepEvent) -> None:
        if ev.state in ("ok", "failed") and ev.elapsed_s is not None:
            steps[ev.step] = ev.elapsed_s

    request = RunRequest(SCENARIO, repeat=REPEATS, profiles_dir=profiles, force=True)
    steps["whole scenario"] = _timed(lambda: run_profiles(request, on_event))
    return steps


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _by_hand(work: Path) -> dict[str, float]:
    scenario = SCENARIOS[SCENARIO]
    spec = ChildSpec(scenario.strategy_file, scenario.bundle)

    def child(mode: str, name: str) -> list[str]:
        return spec.argv(mode, work / name)

    def run(*cmds: list[str]) -> None:
        for cmd in cmds:
            subprocess.run(cmd, check=True, capture_output=True)

    binary = pyspy.find_binary()
    recordings = [
        pyspy.record_cmd(
            binary, fmt, work / name, 100, native=True, idle=idle, child=child("plain", fmt)
        )
        for fmt, name, idle in pyspy.FORMATS
    ]

    def memory() -> None:
        proc = subprocess.Popen(child("memory", "memory"), stdout=subprocess.DEVNULL)
        memory_usage(proc, interval=0.1, timestamps=True)
        proc.wait()

    steps = {
        "timing": _timed(lambda: run(*(child("plain", f"plain{i}") for i in range(REPEATS)))),
        "cprofile": _timed(  # the runner's default: 3 cProfile repeats
            lambda: run(*(child("cprofile", f"cprofile{i}") for i in range(3)))
        ),
        "pyspy": _timed(lambda: run(*recordings)),
        "memory": _timed(memory),
    }
    return {**steps, "whole scenario": sum(steps.values())}


def main() -> list[dict[str, object]]:
    ingest_scenarios("all")
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="bench-harness-") as tmp:
        root = Path(tmp)
        run_all = _run_all(root / "all")
        rows.append(
            {"measure": "run all --profiler all", "seconds": run_all,
             "target": f"< {TARGET_RUN_ALL_S:.0f} s", "met": run_all < TARGET_RUN_ALL_S}
        )  # fmt: skip
        harness: dict[str, list[float]] = {}
        hand: dict[str, list[float]] = {}
        for rep in range(REPS):
            for step, secs in _harness_steps(root / "harness").items():
                harness.setdefault(step, []).append(secs)
            for step, secs in _by_hand(root / f"hand{rep}").items():
                hand.setdefault(step, []).append(secs)
        for step in hand:
            h, m = min(harness[step]), min(hand[step])
            rows.append(
                {"measure": f"{SCENARIO} {step}: harness / by hand", "seconds": h,
                 "by_hand_s": m, "ratio": h / m, "target": f"<= {TARGET_RATIO}",
                 "met": h / m <= TARGET_RATIO,
                 "median_ratio": statistics.median(harness[step]) / statistics.median(hand[step])}
            )  # fmt: skip
    return rows


if __name__ == "__main__":
    for row in main():
        print(row)
