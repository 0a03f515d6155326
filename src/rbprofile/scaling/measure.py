"""Measuring a size grid: every (size point, repeat) in a fresh child under cProfile.

    ScenarioJob(scenario, specs)     the scenario's strategy on each point's sized bundle, in
                                     the runner's child (`rbprofile.runner.child`, cProfile
                                     mode, CPU-time clock via TIMER_ENV), spawned by
                                     `rbprofile.runner.timing.run_child`
    CommandJob(command)              any Python command, `{name}` filled per point, its script
                                     run under `cprofile_wrap.py` (cProfile, CPU-time clock)
    measure_grid(plan, job, out, on_run=None, max_repeats=None) -> Measured
        the measurement table (rbprofile.scale.measurements) and one RunRecord per run;
        raw profiles kept as `out/pstats/<point>-r<repeat>.pstats`; a point whose run totals
        vary by more than 10% (CV) gets more repeats, up to `max_repeats`

Order: repeat 1 runs the points smallest first, repeat 2 largest first, and so on, so a
drift in the machine's speed during the grid does not line up with size.
"""

from __future__ import annotations

import os
import shlex
import shutil
import statistics
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import polars as pl

from rbprofile import profilers
from rbprofile.analysis.pstats_source import load_pstats
from rbprofile.errors import EXIT_USAGE, RbprofileError
from rbprofile.process import spawn
from rbprofile.profilers.cprofile import TIMER_ENV
from rbprofile.rundir import files
from rbprofile.runner.childspec import ChildSpec
from rbprofile.runner.command import is_python
from rbprofile.runner.timing import run_child
from rbprofile.scale.measurements import measurement_rows
from rbprofile.scale.plan import ScalePlan, fill_placeholders
from rbprofile.scenarios import Scenario
from rustybt.data.bundles import BundleSpec

WRAPPER = Path(__file__).with_name("cprofile_wrap.py")
WORK = ".work"  # children's scratch space, removed before the directory is committed

Point = Mapping[str, int]
# point, repeat (1-based), runs done before it, runs planned so far (grows with extra repeats)
OnRun = Callable[[Point, int, int, int], None]
MAX_SPREAD = 0.10  # run totals of a point varying more than this (CV) earn another repeat


def point_name(point: Point) -> str:
    """`assets25-sessions250`: a point as a file-name part."""
    return "-".join(f"{name}{value}" for name, value in point.items())


class Job(Protocol):
    @property
    def timer(self) -> str:
        """The clock cProfile used, for the manifest."""
        ...

    def run(self, point: Point, pstats: Path, work: Path) -> float:
        """Profile one run at `point` into `pstats`; return the child's wall time (s)."""
        ...


CPU_TIMER = "CPU time (time.process_time)"


@contextmanager
def _cpu_timer() -> Iterator[None]:
    """The runner's cProfile child mode, timed by CPU time (the children inherit the env)."""
    before = os.environ.get(TIMER_ENV)
    os.environ[TIMER_ENV] = "cpu"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(TIMER_ENV, None)
        else:
            os.environ[TIMER_ENV] = before


@dataclass(frozen=True)
class ScenarioJob:
    scenario: Scenario
    specs: Mapping[str, BundleSpec]  # point_name -> its sized bundle
    timer: str = CPU_TIMER

    def run(self, point: Point, pstats: Path, work: Path) -> float:
        spec = ChildSpec(self.scenario.strategy_file, self.specs[point_name(point)].name)
        mode = profilers.get("cprofile").child_mode
        with _cpu_timer():
            finished, _ = run_child(spec, mode, work)
        shutil.move(work / files.PSTATS, pstats)
        return finished.wall_s


def check_command(command: Sequence[str]) -> None:
    """A Python interpreter, then a script or `-m module`: what cProfile can be put around."""
    if not command:
        raise RbprofileError(
            "give the command after --, e.g. `rbprofile scale --size n=1000,2000,4000 -- "
            "python prog.py --n {n}`",
            exit_code=EXIT_USAGE,
        )
    rest = list(command[1:])
    if not is_python(command[0]):
        raise RbprofileError(
            f"the command must start with a Python interpreter (python, python3, ...), got "
            f"{command[0]!r}: cProfile profiles Python programs only",
            exit_code=EXIT_USAGE,
        )
    if not rest or (rest[0].startswith("-") and rest[0] != "-m") or rest == ["-m"]:
        raise RbprofileError(
            f"after {command[0]} give a script or -m module (interpreter options are not "
            f"supported), got {shlex.join(command)!r}",
            exit_code=EXIT_USAGE,
        )


def command_name(command: Sequence[str]) -> str:
    """The script's stem, or the module's last part: the default scaling directory name."""
    target = command[2] if command[1] == "-m" else Path(command[1]).stem
    return target.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class CommandJob:
    command: tuple[str, ...]
    timer: str = CPU_TIMER

    def run(self, point: Point, pstats: Path, work: Path) -> float:
        filled = fill_placeholders(self.command, point)
        argv = [filled[0], str(WRAPPER), str(pstats), *filled[1:]]
        finished = spawn(argv, work / "child.log")
        finished.raise_if_killed()
        if finished.returncode != 0 or not pstats.is_file():
            raise RbprofileError(
                f"the command failed at {point_name(point)} ({finished.describe_failure()}); "
                f"run it alone to see why: {shlex.join(filled)}"
            )
        return finished.wall_s


@dataclass(frozen=True)
class RunRecord:
    point: dict[str, int]
    repeat: int
    pstats: str  # relative to the scaling directory
    wall_s: float  # the child's wall time as the parent saw it
    total_s: float  # the profile's total (sum of self times)

    def to_json(self) -> dict[str, object]:
        return {
            "sizes": self.point,
            "repeat": self.repeat,
            "pstats": self.pstats,
            "wall_s": self.wall_s,
            "total_s": self.total_s,
        }


@dataclass(frozen=True)
class Measured:
    table: pl.DataFrame
    runs: tuple[RunRecord, ...]


def run_order(plan: ScalePlan) -> list[tuple[dict[str, int], int]]:
    """(point, repeat) in the order they run: alternating smallest-first and largest-first."""
    points = plan.points
    return [
        (point, repeat)
        for repeat in range(1, plan.repeats + 1)
        for point in (points if repeat % 2 == 1 else points[::-1])
    ]


def spread(totals: Sequence[float]) -> float:
    """Coefficient of variation of a point's run totals (0 for fewer than two runs)."""
    if len(totals) < 2 or statistics.mean(totals) <= 0:
        return 0.0
    return statistics.stdev(totals) / statistics.mean(totals)


@dataclass
class _Grid:
    plan: ScalePlan
    job: Job
    out: Path
    on_run: OnRun | None
    frames: list[pl.DataFrame] = field(default_factory=list)
    records: list[RunRecord] = field(default_factory=list)

    def run(self, point: dict[str, int], repeat: int, total: int) -> None:
        if self.on_run is not None:
            self.on_run(point, repeat, len(self.records), total)
        raw = self.out / files.SCALING_PSTATS_DIR
        name = f"{point_name(point)}-r{repeat}.pstats"
        wall = self.job.run(point, raw / name, self.out / WORK / f"{point_name(point)}-r{repeat}")
        functions = load_pstats(raw / name).functions
        self.frames.append(measurement_rows(functions, point, repeat))
        seconds = float(functions["self_s"].sum())
        rel = f"{files.SCALING_PSTATS_DIR}/{name}"
        self.records.append(RunRecord(point, repeat, rel, wall, seconds))

    def totals(self, point: dict[str, int]) -> list[float]:
        return [r.total_s for r in self.records if r.point == point]


def measure_grid(
    plan: ScalePlan,
    job: Job,
    out: Path,
    on_run: OnRun | None = None,
    max_repeats: int | None = None,
    max_spread: float = MAX_SPREAD,
) -> Measured:
    """Profile every (point, repeat) of `plan` with `job`; raw profiles under `out/pstats`.

    Then, while a point's run totals vary by more than `max_spread` (coefficient of
    variation) and it has run fewer than `max_repeats` times, it runs once more (one round
    over all such points at a time, largest first).
    """
    (out / files.SCALING_PSTATS_DIR).mkdir(parents=True, exist_ok=True)
    grid = _Grid(plan, job, out, on_run)
    total = plan.runs
    for point, repeat in run_order(plan):
        grid.run(point, repeat, total)
    limit = max(max_repeats or plan.repeats, plan.repeats)
    while True:
        shaky = [
            p for p in plan.points[::-1]
            if len(grid.totals(p)) < limit and spread(grid.totals(p)) > max_spread
        ]  # fmt: skip
        if not shaky:
            break
        total += len(shaky)
        for point in shaky:
            grid.run(point, len(grid.totals(point)) + 1, total)
    shutil.rmtree(out / WORK, ignore_errors=True)
    return Measured(pl.concat(grid.frames), tuple(grid.records))
