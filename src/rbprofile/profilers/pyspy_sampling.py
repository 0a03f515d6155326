"""Sample until the evidence is sufficient: repeated runs under py-spy, merged.

py-spy keeps its rate (100 Hz by default), so a backtest of 0.3 s gives ~30 samples; a
share's 95% interval needs thousands. A sampling child therefore runs the measured call R
times (`--repeats`, each run as cold as the first: rbprofile.runner.child), py-spy records the
whole child, and the parent counts the samples under each run (`pyspy_merge`). Children are
recorded until `SamplingGoal.samples` samples fall under the measured call or the time budget
(`budget_s`, wall seconds of sampling) runs out; that a budget ran out is recorded. A run
already started when the budget ends is finished, so sampling can last one run longer.

    SamplingGoal(samples=20000, budget_s=240, run_s=None, startup_s=None,
                 runs_per_child=MAX_REPEATS, jobs=default_jobs())
        jobs: sampling children recorded at once (`--sampling-jobs`; default 2, or 1 on one
        core): py-spy samples each child at its rate, so two children on two cores give twice
        the samples per wall second (measured: a Decimal loop under py-spy gave 931 samples in
        10 s alone and 1,062 + 993 beside another)
        run_s / startup_s: one unprofiled measured call and a child's start-up, from the
        timing repeats (they size the first child; later children use what py-spy saw);
        runs_per_child: 1 for a program that cannot repeat its measured call in-process (any
        command, `rbprofile run -- COMMAND`): then every child runs it once, and up to
        MAX_SINGLE_RUN_CHILDREN children share the budget
    seconds_for(need, rate_hz, efficiency) -> float    seconds of runs for `need` samples
    sample(goal, rate_hz, record) -> Sampled
        record([(index, repeats, seconds), ...]) -> [(Split, runs completed, wall_s, seconds in
        runs, seconds of runs and resets), ...]: a wave of children recorded at once, each
        repeating the call until `repeats` runs, starting no run once `seconds` passed since its
        first began
    Sampled.details() -> dict    what the manifest keeps (per-child and per-run counts)

Start-up is paid once per child (~0.5-1 s), which is why one child runs many repeats: the
first wave (`jobs` children at once) is sized to reach the goal by itself (py-spy samples by
the wall clock, so a child stops once its runs lasted `samples / rate / jobs` seconds); another
wave only tops up a shortfall (samples py-spy dropped while it lagged behind on a busy machine).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rbprofile.profilers.pyspy_merge import Split, merge

# 20,000: what two recordings of rustybt's scenarios need for their top-20 py-spy rankings
# to agree (Spearman 0.91-0.98 in three pairs, `python -m benchmarks evidence`; at 6,000,
# 0.84-0.93 on hourly and minute bars, where ranks 5-20 hold near-equal shares); about 2-2.5
# minutes of two sampling children per scenario. The main job (`nox -s profile`) asks for
# fewer to fit in its time limit (noxfile.MAIN_JOB_SAMPLES); the report shows each run's
# split-half agreement.
DEFAULT_SAMPLES = 20000
MAX_JOBS = 2  # the default --sampling-jobs, at most
DEFAULT_BUDGET_S = 240.0  # daily's short runs reach 20,000 in ~150 s (their resets sample too)
MAX_REPEATS = 5000
HEADROOM = 1.05  # ask for 5% more seconds than the estimate needs
# the share of its rate py-spy is expected to keep before a child has shown it: 0.93-0.95 was
# seen on a loaded 2-core machine; a first wave a little short costs a top-up wave (start-up
# and at least one run, 4-5 s), a little long costs a few runs more
FIRST_EFFICIENCY = 0.9
FALLBACK_RUN_S = 0.5  # when no timing repeat says how long one measured call takes
FALLBACK_STARTUP_S = 1.0
MAX_CHILDREN = 10
MAX_SINGLE_RUN_CHILDREN = 200  # children of one run each: the budget is the real limit
RUNS_PER_CHILD = "runs_per_child"  # ProfilerContext.options key (the child spec's limit)

# a child's (its stacks, runs completed, child wall s, s in runs, s from its first run's start
# to its last run's end: the runs and the resets between them)
Child = tuple[Split, int, float, float, float]
# [(child index, repeats, seconds), ...] -> one Child each: a wave recorded at once
RecordWave = Callable[[list[tuple[int, int, float]]], list[Child]]


def default_jobs() -> int:
    """Sampling children at once by default: two, or one on a single usable core."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_JOBS, cores))


@dataclass(frozen=True)
class SamplingGoal:
    samples: int = DEFAULT_SAMPLES
    budget_s: float = DEFAULT_BUDGET_S
    run_s: float | None = None
    startup_s: float | None = None
    runs_per_child: int = MAX_REPEATS
    jobs: int = field(default_factory=default_jobs)

    @property
    def max_children(self) -> int:
        return MAX_CHILDREN if self.runs_per_child > 1 else MAX_SINGLE_RUN_CHILDREN


@dataclass(frozen=True)
class ChildRecord:
    repeats: int  # runs it completed
    samples: int  # every sample of the child (start-up and imports included)
    measured: int  # samples under the measured call
    wall_s: float
    runs: tuple[int, ...]  # samples under the measured call, per run

    def to_json(self) -> dict[str, Any]:
        return {
            "repeats": self.repeats,
            "samples": self.samples,
            "measured": self.measured,
            "wall_s": round(self.wall_s, 3),
            "run_samples": list(self.runs),
        }


@dataclass
class Sampled:
    goal: SamplingGoal
    rate_hz: int
    children: list[ChildRecord] = field(default_factory=list)
    splits: list[Split] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def measured(self) -> int:
        return sum(c.measured for c in self.children)

    @property
    def runs(self) -> int:
        return sum(c.repeats for c in self.children)

    @property
    def budget_exhausted(self) -> bool:
        return self.measured < self.goal.samples

    def stacks(self) -> dict[str, int]:
        return merge(self.splits)

    def details(self) -> dict[str, Any]:
        return {
            "samples_target": self.goal.samples,
            "sample_budget_s": self.goal.budget_s,
            "measured_samples": self.measured,
            "budget_exhausted": self.budget_exhausted,
            "sampling_s": round(self.elapsed_s, 3),
            "jobs": self.goal.jobs,
            "runs": self.runs,
            "children": [c.to_json() for c in self.children],
        }


def seconds_for(need: int, rate_hz: int, efficiency: float) -> float:
    """Seconds of runs expected to give `need` more samples: py-spy samples by the wall
    clock, so a run slowed down by the sampling still gives `rate_hz` samples a second
    (`efficiency`: the fraction of those py-spy kept so far, FIRST_EFFICIENCY before any child)."""
    return max(need, 1) / (rate_hz * max(efficiency, 0.05)) * HEADROOM


def sample(goal: SamplingGoal, rate_hz: int, record: RecordWave) -> Sampled:
    """Record waves of children until `goal.samples` are under the measured call or the budget
    is spent.

    A wave is `goal.jobs` children at once, each repeating the measured call until it spent its
    part of the seconds the missing samples need (or of the budget); every child runs at least
    once."""
    out = Sampled(goal, rate_hz)
    started = time.perf_counter()
    run_s = goal.run_s or FALLBACK_RUN_S
    startup_s = goal.startup_s if goal.startup_s is not None else FALLBACK_STARTUP_S
    # stretch: a child's seconds of runs and resets per second of runs (the resets between
    # runs, garbage collection above all, are sampled outside the measured call)
    efficiency, spent, stretch = FIRST_EFFICIENCY, 0.0, 1.0
    while out.measured < goal.samples and len(out.children) < goal.max_children:
        left = goal.budget_s - (time.perf_counter() - started)
        if out.children and left < startup_s + run_s * stretch:
            break  # not even one more run fits: the budget ran out
        need = goal.samples - out.measured
        jobs = max(1, min(goal.jobs, goal.max_children - len(out.children)))
        wanted = seconds_for(need, rate_hz, efficiency) * stretch / jobs
        seconds = min(wanted, max(left - startup_s, 0.0))
        repeats = min(goal.runs_per_child, MAX_REPEATS, max(1, math.ceil(seconds / run_s) * 4))
        first = len(out.children)
        wave = record([(first + i, repeats, seconds) for i in range(jobs)])
        done_all = in_all = elapsed_all = 0.0
        for split, done, wall, in_runs, elapsed in wave:
            runs = tuple(split.runs.get(i, 0) for i in range(done))
            out.children.append(ChildRecord(done, split.total, split.measured, wall, runs))
            out.splits.append(split)
            spent += in_runs
            done_all, in_all, elapsed_all = done_all + done, in_all + in_runs, elapsed_all + elapsed
            if done and in_runs > 0:
                startup_s = max(wall - max(elapsed, in_runs), 0.0)
        if spent > 0:
            efficiency = out.measured / (rate_hz * spent)
        if done_all and in_all > 0:
            run_s = in_all / done_all
            stretch = max(elapsed_all / in_all, 1.0)
    out.elapsed_s = time.perf_counter() - started
    return out
