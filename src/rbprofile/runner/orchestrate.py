"""`rbprofile run` core: for each target, timing repeats then one child per profiler.

A target is a rustybt scenario or strategy file (on its bundle), or any Python command
(`request.command`, one target, see rbprofile.runner.command): the same children, run
directory and manifest; a command's project is `--project`, else `--root`'s package, else
discovered from its profile.

    run_profiles(request, progress=None, log_stream=None) -> RunSummary

`progress` receives a `StepEvent` when each scenario x step starts and ends (and for notices
such as "ingesting a missing bundle"); `log_stream` gets human-readable log lines (`-v`).
Nothing is printed here. Every target is written atomically (`RunDir`); an interrupt, a
failed backtest or a child past `request.timeout_s` removes only the partial directory of the
target being run.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TextIO, TypeVar

from rbprofile import profilers
from rbprofile.atomic import write_json
from rbprofile.errors import ChildTimeoutError, RbprofileError
from rbprofile.paths import profiles_dir
from rbprofile.process import spawn, spawn_all
from rbprofile.profilers.base import ProfilerContext, ProfilerOutcome
from rbprofile.profilers.cprofile import REPEAT_OPTION as CPROFILE_REPEAT
from rbprofile.profilers.pyspy_sampling import RUNS_PER_CHILD
from rbprofile.rundir import files
from rbprofile.rundir.manifest import BundleInfo, Manifest, ProfilerRecord, TimingSummary, Workload
from rbprofile.rundir.timing import Timing
from rbprofile.rundir.writer import RunDir, check_name, ensure_absent, writable_root
from rbprofile.runner import facts
from rbprofile.runner.annotate import annotate_run
from rbprofile.runner.background import Background
from rbprofile.runner.childspec import ChildSpec, CommandSpec
from rbprofile.runner.command import other_interpreter
from rbprofile.runner.log import RunLog
from rbprofile.runner.request import (
    RunRequest,
    Target,
    bundle_facts,
    command_target,
    ensure_bundle,
    resolve_targets,
)
from rbprofile.runner.timing import run_child, run_repeats

T = TypeVar("T")
WORK = ".work"  # children's scratch space inside the temporary run directory
PROJECT = "rustybt"  # the package under profile for rustybt strategies
MIN_PYSPY_SAMPLES = 100  # fewer expected samples than this: warn before py-spy runs


@dataclass(frozen=True)
class StepEvent:
    scenario: str
    step: str  # "timing", a profiler name, "annotate", or "notice"
    state: str  # "start" | "progress" (detail "2/3") | "ok" | "failed" | "skipped" | "notice"
    elapsed_s: float | None = None
    detail: str | None = None


Progress = Callable[[StepEvent], None]


@dataclass(frozen=True)
class ScenarioResult:
    scenario: str
    path: Path
    timing_median: dict[str, float]
    profilers: dict[str, ProfilerRecord]

    @property
    def failed(self) -> list[str]:
        return [n for n, p in self.profilers.items() if p.status == "failed"]


@dataclass(frozen=True)
class RunSummary:
    label: str
    results: list[ScenarioResult] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(r.failed for r in self.results)


def run_profiles(
    request: RunRequest, progress: Progress | None = None, log_stream: TextIO | None = None
) -> RunSummary:
    if request.repeat < 1:
        raise RbprofileError("--repeat must be at least 1 (timing needs a plain run)")
    if request.timeout_s is not None and request.timeout_s < 0:
        raise RbprofileError("--timeout must be 0 (no limit) or more seconds")
    if request.cprofile_repeat < 1:
        raise RbprofileError("--cprofile-repeat must be at least 1")
    emit = progress or (lambda _event: None)
    check_name(request.label)
    if request.command is not None:
        targets = [command_target(request)]
    else:
        targets = resolve_targets(request.target, request.bundle)
    root = writable_root(profiles_dir(request.profiles_dir)) / request.label
    for target in targets:  # refuse before spending minutes on the first target
        what = "the run name (--scenario, or the script's name)" if target.program else None
        check_name(target.name, what or "the run name (strategy file name)")
        ensure_absent(root / target.name, force=request.force)
    for target in targets:
        if target.bundle is not None:
            ensure_bundle(target.bundle, partial(_notice, emit, target.name))
        if target.program is not None and (other := other_interpreter(target.program)):
            _notice(
                emit,
                target.name,
                f"the program runs under rbprofile's interpreter {sys.executable}, not {other}: "
                "what it imports must be installed there",
            )
    summary = RunSummary(request.label)
    for target in targets:
        summary.results.append(_run_target(target, request, root / target.name, emit, log_stream))
    return summary


def _notice(emit: Progress, scenario: str, message: str) -> None:
    emit(StepEvent(scenario, "notice", "notice", detail=message))


def _run_target(
    target: Target, request: RunRequest, final: Path, emit: Progress, log_stream: TextIO | None
) -> ScenarioResult:
    rundir = RunDir(final, force=request.force)
    with rundir as tmp:
        log = RunLog(tmp / files.LOG, log_stream)
        try:
            result = _measure(target, request, tmp, final, emit, log)
            log.info("run_complete", path=str(final))
        finally:
            log.close()
        rundir.commit()
    return result


def _step(target: Target, step: str, emit: Progress, log: RunLog, fn: Callable[[], T]) -> T:
    emit(StepEvent(target.name, step, "start"))
    log.info("step_start", scenario=target.name, step=step)
    started = time.perf_counter()
    try:
        value = fn()
    except BaseException as exc:
        elapsed = time.perf_counter() - started
        # no detail: the error itself is printed once, by the CLI
        emit(StepEvent(target.name, step, "failed", elapsed))
        log.warning(
            "step_failed", scenario=target.name, step=step, error=str(exc), elapsed_s=elapsed
        )
        if isinstance(exc, ChildTimeoutError):
            raise RbprofileError(
                f"{target.name} {step}: the child process ran longer than the --timeout limit "
                f"of {exc.limit_s:g} s and was stopped; earlier results are intact (pass a "
                "larger --timeout if the backtest needs longer)"
            ) from exc
        raise
    elapsed = time.perf_counter() - started
    outcome = value if isinstance(value, ProfilerOutcome) else None
    state = outcome.status if outcome is not None else "ok"
    emit(StepEvent(target.name, step, state, elapsed, outcome.reason if outcome else None))
    log.info(
        "step_done",
        scenario=target.name,
        step=step,
        status=state,
        elapsed_s=elapsed,
        reason=outcome.reason if outcome else None,
    )
    return value


def _measure(
    target: Target, request: RunRequest, tmp: Path, final: Path, emit: Progress, log: RunLog
) -> ScenarioResult:
    """Children run one after another, timing first on a quiet machine; parent-side
    post-processing of a profile (pstats conversion) overlaps the next profiler's child."""
    started = facts.utc_now()
    spec = target.spec(request.numeric)
    numeric = request.numeric if target.program is None else None
    log.info(
        "run_start",
        label=request.label,
        scenario=target.name,
        bundle=target.bundle,
        strategy=str(target.strategy),
        command=list(target.program.command) if target.program else None,
        root=str(target.root) if target.root else None,
        numeric=numeric,
        repeat=request.repeat,
        profilers=list(request.profilers),
    )
    bundle, bundle_facts_ = None, None
    if target.bundle is not None:
        bundle_block, bundle_facts_ = bundle_facts(target.bundle)  # before timing: keep quiet
        bundle = BundleInfo(**bundle_block)
    timing, last, outcomes = _run_children(target, request, spec, tmp, emit, log)
    if (calls := last.get("root_calls") or 0) > 1:
        _notice(
            emit,
            target.name,
            f"--root {target.root} was called {calls} times; only its first call is measured",
        )
    project = _project(target, request, tmp, emit, log)
    content_hash = bundle.content_hash if bundle is not None else None
    _step(
        target,
        "annotate",
        emit,
        log,
        partial(annotate_run, tmp, final, project, numeric or "", content_hash, log),
    )
    write_json(tmp / files.TIMING, timing.to_json())
    median_wall = statistics.median(r["total_wall_s"] for r in timing.runs)
    skipped = ProfilerOutcome("skipped", reason="not requested")
    records = {n: profiler_record(outcomes.get(n, skipped), median_wall) for n in profilers.names()}
    manifest = _manifest(
        request, target, project, started, bundle, bundle_facts_, last, timing, records
    )
    write_json(tmp / files.MANIFEST, manifest.to_json())
    shutil.rmtree(tmp / WORK, ignore_errors=True)
    return ScenarioResult(target.name, final, dict(timing.median), records)


def profiler_record(outcome: ProfilerOutcome, timing_median_s: float | None) -> ProfilerRecord:
    overhead = (
        outcome.wall_s / timing_median_s if outcome.wall_s is not None and timing_median_s else None
    )
    return ProfilerRecord(
        outcome.status,  # type: ignore[arg-type]
        outcome.reason,
        outcome.wall_s,
        overhead,
        tuple(outcome.files),
        dict(outcome.details),
    )


def _project(target: Target, request: RunRequest, tmp: Path, emit: Progress, log: RunLog) -> str:
    """rustybt for its scenarios; for a command `--project`, else `--root`'s package, else the
    package its profile shows (analysis.project.discover), else the command's own name."""
    if target.program is None:
        return request.project or PROJECT
    from rbprofile.analysis.project import choose
    from rbprofile.rundir.run import Run

    given = (request.project, "--project") if request.project else None
    if given is None and target.root is not None:
        given = (target.root.package, f"--root {target.root}")
    found = None
    if given is None:
        recorded = Run.directory(tmp, request.label, target.name)
        found = Run.files(recorded.pstats_path, recorded.pyspy_path).discovered
    why = "the command's own name: nothing else qualified; pass --project PKG"
    project, source = choose(given, found, (target.program.package, why))
    log.info("project", project=project, source=source)
    _notice(emit, target.name, f"project under profile: {project} ({source})")
    return project


def _manifest(
    request: RunRequest,
    target: Target,
    project: str,
    started: str,
    bundle: BundleInfo | None,
    bundle_facts_: dict[str, Any] | None,
    last: dict[str, Any],
    timing: Timing,
    records: dict[str, ProfilerRecord],
) -> Manifest:
    import rustybt

    where = Path(rustybt.__file__).parent
    if target.program is not None:
        program = target.program
        where = Path(program.target).resolve().parent if program.kind == "path" else Path.cwd()
    commit, dirty = facts.git_commit(where)
    return Manifest(
        label=request.label,
        scenario=target.name,
        started=started,
        finished=facts.utc_now(),
        project=project,
        versions=facts.versions(),
        platform=facts.platform_info(),
        git_commit=commit,
        git_dirty=dirty,
        python_executable=sys.executable,
        numeric=request.numeric if target.program is None else None,
        bundle=bundle,
        workload=_workload(target, bundle_facts_, last),
        timing=TimingSummary(
            timing.repeats,
            tuple(r["total_wall_s"] for r in timing.runs),
            tuple(r.get("simulate_cpu_s") for r in timing.runs),
            collected_before=True,
        ),
        profilers=records,
    )


def _run_children(
    target: Target,
    request: RunRequest,
    spec: ChildSpec | CommandSpec,
    tmp: Path,
    emit: Progress,
    log: RunLog,
) -> tuple[Timing, dict[str, Any], dict[str, ProfilerOutcome]]:
    """Timing repeats, then one child per requested profiler: (timing, last result, outcomes)."""
    work = tmp / WORK
    post = Background("rbprofile-post")

    def repeat_started(i: int) -> None:
        emit(StepEvent(target.name, "timing", "progress", detail=f"{i + 1}/{request.repeat}"))

    run = partial(run_repeats, spec, request.repeat, work, repeat_started, request.timeout_s)
    timing, last = _step(target, "timing", emit, log, run)
    _warn_few_samples(target, request, emit)
    ctx = profiler_context(
        spec,
        tmp,
        work,
        request.rate_hz,
        post.submit,
        request.timeout_s,
        options={
            **sampling_options(request, timing),
            CPROFILE_REPEAT: request.cprofile_repeat,
            RUNS_PER_CHILD: spec.runs_per_child,
        },
    )
    outcomes = {
        name: _step(target, name, emit, log, partial(profilers.get(name).run, ctx))
        for name in request.profilers
    }
    post.join()
    return timing, last, outcomes


def _warn_few_samples(target: Target, request: RunRequest, emit: Progress) -> None:
    """Say before py-spy runs when `--rate` x `--sample-budget` x `--sampling-jobs` cannot reach
    enough samples."""
    if "pyspy" not in request.profilers:
        return
    reachable = request.rate_hz * request.sample_budget_s * request.sampling_jobs
    if reachable < min(MIN_PYSPY_SAMPLES, request.samples):
        _notice(
            emit,
            target.name,
            f"warning: py-spy at --rate {request.rate_hz} within a --sample-budget of "
            f"{request.sample_budget_s:g} s, {request.sampling_jobs} sampling "
            f"{'child' if request.sampling_jobs == 1 else 'children'} at a time, records at most "
            f"about {reachable:.0f} samples (under "
            f"{MIN_PYSPY_SAMPLES}): too few to rank functions; raise --rate or the budget",
        )


def profiler_context(
    spec: ChildSpec | CommandSpec,
    run_dir: Path,
    work: Path,
    rate_hz: int = 100,
    defer: Callable[[Callable[[], None]], None] | None = None,
    timeout_s: float | None = None,
    options: dict[str, Any] | None = None,
) -> ProfilerContext:
    """What a profiler is given to measure `spec`'s program into `run_dir`; every child it
    starts is stopped after `timeout_s` (None: no limit)."""
    return ProfilerContext(
        run_dir=run_dir,
        work=work,
        child_argv=spec.argv,
        spawn=partial(spawn, timeout_s=timeout_s),
        spawn_all=partial(spawn_all, timeout_s=timeout_s),
        run_child=partial(run_child, spec, timeout_s=timeout_s),
        rate_hz=rate_hz,
        options=dict(options or {}),
        defer=defer or (lambda fn: fn()),
    )


def sampling_options(request: RunRequest, timing: Timing) -> dict[str, Any]:
    """py-spy's goal (samples, budget) and the timing repeats' measured-call and start-up
    seconds, which size its sampling children."""
    median = timing.median
    run_s = (
        median["load_wall_s"] + median["simulate_wall_s"]
        if "load_wall_s" in median and "simulate_wall_s" in median
        else median.get("run_wall_s")  # a command's measured call
    )
    total = median.get("total_wall_s")
    startup_s = total - run_s if total is not None and run_s is not None else None
    return {
        "samples": request.samples,
        "sample_budget_s": request.sample_budget_s,
        "sampling_jobs": request.sampling_jobs,
        "run_s": run_s,
        "startup_s": startup_s,
    }


def _workload(target: Target, facts_: dict[str, Any] | None, last: dict[str, Any]) -> Workload:
    if target.program is not None or facts_ is None:
        program = target.program
        assert program is not None
        script = str(Path(program.target).resolve()) if program.kind == "path" else None
        return Workload(
            strategy_file=script,
            command=program.command,
            root=str(target.root) if target.root else None,
        )
    assert target.strategy is not None
    return Workload(
        strategy=target.strategy.stem,
        strategy_file=str(target.strategy),
        frequency=facts_["frequency"],
        assets=facts_["assets"],
        sessions=last.get("sessions", facts_["sessions"]),
        bars=facts_["bars"],
        start=last.get("first_session"),
        end=last.get("last_session"),
    )
