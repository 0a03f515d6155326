"""How good is `rbprofile compare`'s verdict? Measured with real `rbprofile run` timings.

- A/A: the same code (the smoke scenario: 10 daily sessions, 3 assets, chosen to keep 40 runs
  affordable on 2 cores) is run under two labels, `--profiler none --repeat 5`, and compared;
  target: "not significant" in at least 19 of 20 trials with the default --min-change 2; the
  same trials judged with --min-change 5 are reported too (for choosing a CI setting).
- Planted slowdown: `benchmarks/planted/planted.py` (the smoke SMA crossover) is run once plain
  and once with extra CPU work per bar calibrated to 25% of the plain run's simulate CPU time,
  5 repeats each; target: verdict "slower" (significant at 95%).

Runs go to a temporary profiles dir and bundle home. `BENCH_COMPARE_TRIALS` overrides the
number of A/A trials (default 20) for a quicker look.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rbprofile.compare import compare_runs
from rbprofile.compare.stats import judge

TRIALS = int(os.environ.get("BENCH_COMPARE_TRIALS", "20"))
REPEATS = 5
SCENARIO = "smoke"
PLANTED = Path(__file__).parent / "planted" / "planted.py"
PLANTED_SLOWDOWN = 0.25
A_A_MIN_CHANGES = (2.0, 5.0)  # 2 = the default and the target; 5 = a shared-CI setting


def _rbprofile(args: list[str], env: dict[str, str]) -> None:
    cmd = [sys.executable, "-m", "rbprofile", *args]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")


def _run(target: str, label: str, env: dict[str, str], *extra: str) -> None:
    args = ["run", target, "--profiler", "none", "--repeat", str(REPEATS), "--label", label]
    _rbprofile([*args, *extra], env)


def _a_a(profiles: Path, env: dict[str, str]) -> list[dict[str, object]]:
    """One row per min-change setting, judged on the same trials (2% is the default, the target)."""
    start = time.perf_counter()
    pairs = []
    for trial in range(TRIALS):
        _run(SCENARIO, f"a{trial}", env)
        _run(SCENARIO, f"b{trial}", env)
        (timing,) = compare_runs(f"a{trial}", f"b{trial}", profiles_dir=profiles).timings
        pairs.append(timing)
    seconds = time.perf_counter() - start
    changes = [abs(t.result.change_pct) for t in pairs]
    needed = TRIALS - TRIALS // 20
    rows: list[dict[str, object]] = []
    for min_change in A_A_MIN_CHANGES:
        verdicts = [judge(t.before, t.after, min_change).verdict for t in pairs]
        quiet = verdicts.count("not significant")
        rows.append(
            {
                "test": f"A/A (same code, two labels), --min-change {min_change:g}",
                "scenario": SCENARIO,
                "repeats": REPEATS,
                "trials": TRIALS,
                "not_significant": quiet,
                "target": f">= {needed} of {TRIALS}" if min_change == 2.0 else "(informational)",
                "ok": quiet >= needed,
                "median_abs_change_pct": statistics.median(changes),
                "max_abs_change_pct": max(changes),
                "measure": pairs[0].measure,
                "seconds": seconds,
            }
        )
    return rows


def _extra_per_bar(run_dir: Path) -> float:
    """25% of the plain run's median simulate CPU time, spread over its bars."""
    from rbprofile.compare.runs import load_run

    run = load_run(run_dir)
    bars = int(run.manifest.get("scenario_params", {}).get("bars") or 0)
    if bars <= 0:
        raise RuntimeError(f"{run_dir}/manifest.json records no bar count")
    return PLANTED_SLOWDOWN * statistics.median(run.timings["simulate_cpu_s"]) / bars


def _planted(profiles: Path, env: dict[str, str]) -> dict[str, object]:
    start = time.perf_counter()
    _run(str(PLANTED), "plain", env, "--bundle", SCENARIO)
    extra = _extra_per_bar(profiles / "plain" / PLANTED.stem)
    slow_env = {**env, "RBPROFILE_PLANTED_EXTRA_S": repr(extra)}
    _run(str(PLANTED), "planted", slow_env, "--bundle", SCENARIO)
    (timing,) = compare_runs("plain", "planted", profiles_dir=profiles).timings
    return {
        "test": f"planted {PLANTED_SLOWDOWN:.0%} slowdown",
        "scenario": timing.scenario,
        "repeats": REPEATS,
        "extra_cpu_per_bar_s": extra,
        "verdict": timing.result.verdict,
        "result": timing.result.describe(),
        "change_pct": timing.result.change_pct,
        "p": timing.result.p,
        "target": "slower",
        "ok": timing.result.verdict == "slower",
        "measure": timing.measure,
        "seconds": time.perf_counter() - start,
    }


def main() -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as tmp:
        profiles = Path(tmp) / "profiles"
        env = {
            **os.environ,
            "RBPROFILE_PROFILES_DIR": str(profiles),
            "RBPROFILE_HOME": str(Path(tmp) / "home"),
        }
        _rbprofile(["ingest", SCENARIO], env)
        return [_planted(profiles, env), *_a_a(profiles, env)]


if __name__ == "__main__":
    for row in main():
        print(row)
