"""`rbprofile run` core: for each target, timing repeats then one child per profiler.

    run_profiles(request, progress=None, log_stream=None) -> RunSummary

`progress` receives a `StepEvent` when each scenario x step starts and ends (and for notices
such as "ingesting a missing bundle"); `log_stream` gets human-readable log lines (`-v`).
Nothing is printed here. Every target is written atomically (`RunDir`); an interrupt or a
failed backtest removes only the partial directory of the target being run.
"""

from __future__ import annotations

import shutil
import statistics
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TextIO, TypeVar

from rbprofile.errors import RbprofileError
from rbprofile.paths import profiles_dir
from rbprofile.runner import manifest as mf
from rbprofile.runner.log import LOG_FILE, RunLog
from rbprofile.runner.process import ChildSpec
from rbprofile.runner.profilers import (
    NAMES,
    ProfilerContext,
    ProfilerOutcome,
    cprofile,
    memory,
    pyspy,
)
from rbprofile.runner.request import (
    RunRequest,
    Target,
    bundle_facts,
    ensure_bundle,
    resolve_targets,
)
from rbprofile.runner.rundir import RunDir, ensure_absent
from rbprofile.runner.timing import TIMING, run_repeats, timing_document

PROFILERS: dict[str, Callable[[ProfilerContext], ProfilerOutcome]] = {
    "cprofile": cprofile.profile,
    "pyspy": pyspy.profile,
    "memory": memory.profile,
}
T = TypeVar("T")
WORK = ".work"  # children's scratch space inside the temporary run directory


@dataclass(frozen=True)
class StepEvent:
    scenario: str
    step: str  # "timing", "cprofile", "pyspy", "memory", or "notice"
    state: str  # "start" | "progress" (detail "2/3") | "ok" | "failed" | "skipped" | "notice"
    elapsed_s: float | None = None
    detail: str | None = None


Progress = Callable[[StepEvent], None]


@dataclass(frozen=True)
class ScenarioResult:
    scenario: str
    path: Path
    timing_median: dict[str, float]
    profilers: dict[str, dict[str, Any]]

    @property
    def failed(self) -> list[str]:
        return [n for n, p in self.profilers.items() if p["status"] == "failed"]


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
    emit = progress or (lambda _event: None)
    targets = resolve_targets(request.target, request.bundle)
    root = profiles_dir(request.profiles_dir) / request.label
    for target in targets:  # refuse before spending minutes on the first target
        ensure_absent(root / target.name, force=request.force)
    for target in targets:
        ensure_bundle(target.bundle, partial(_notice, emit, target.name))
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
        log = RunLog(tmp / LOG_FILE, log_stream)
        try:
            result = _measure(target, request, tmp, emit, log)
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
        emit(StepEvent(target.name, step, "failed", elapsed, str(exc) or type(exc).__name__))
        log.warning(
            "step_failed", scenario=target.name, step=step, error=str(exc), elapsed_s=elapsed
        )
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
    target: Target, request: RunRequest, tmp: Path, emit: Progress, log: RunLog
) -> ScenarioResult:
    """Children run one after another, timing first on a quiet machine; parent-side
    post-processing of a profile (pstats conversion) overlaps the next profiler's child."""
    started = mf.utc_now()
    spec = ChildSpec(target.strategy, target.bundle, request.numeric)
    log.info(
        "run_start",
        label=request.label,
        scenario=target.name,
        bundle=target.bundle,
        strategy=str(target.strategy),
        numeric=request.numeric,
        repeat=request.repeat,
        profilers=list(request.profilers),
    )
    bundle_block, facts = bundle_facts(target.bundle)  # before timing: keep the machine quiet
    manifest = mf.base_manifest(
        label=request.label,
        scenario=target.name,
        started=started,
        numeric=request.numeric,
        pyspy_version=pyspy.version(),
    )
    rows, last, outcomes = _run_children(target, request, spec, tmp, emit, log)
    if outcomes.get("cprofile") and outcomes["cprofile"].status == "ok":
        annotate_run(tmp, log)
    timing = timing_document(rows)
    mf.write_json(tmp / TIMING, timing)
    median_wall = statistics.median(r["total_wall_s"] for r in rows)
    skipped = ProfilerOutcome("skipped", reason="not requested")
    profilers = {n: outcomes.get(n, skipped).as_manifest(median_wall) for n in NAMES}
    manifest.update(
        bundle=bundle_block,
        scenario_params=_params(target, facts, last),
        timing={
            "repeats": len(rows),
            "wall_s": [r["total_wall_s"] for r in rows],
            "simulate_cpu_s": [r.get("simulate_cpu_s") for r in rows],
        },
        profilers=profilers,
        finished=mf.utc_now(),
    )
    mf.write_json(tmp / mf.MANIFEST, manifest)
    shutil.rmtree(tmp / WORK, ignore_errors=True)
    return ScenarioResult(target.name, tmp.parent / target.name, timing["median"], profilers)


def annotate_run(run_dir: Path, log: RunLog) -> None:
    """Fill functions.parquet's category and owner once every profiler has run (py-spy line
    samples are loop evidence). Best effort: the unannotated table stays if this fails."""
    from rbprofile.analysis.annotate import annotate_functions
    from rbprofile.analysis.pstats_source import load_pstats
    from rbprofile.analysis.pyspy_source import load_pyspy

    dest = run_dir / "functions.parquet"
    collapsed = run_dir / "pyspy.collapsed.txt"
    try:
        samples = load_pyspy(collapsed) if collapsed.exists() else None
        frame = annotate_functions(load_pstats(run_dir / "cprofile.pstats"), samples)
    except RbprofileError as exc:
        log.warning("annotate_failed", reason=exc.message)
        return
    tmp = dest.with_name(f".{dest.name}.tmp")
    frame.write_parquet(tmp)
    tmp.replace(dest)


def _run_children(
    target: Target, request: RunRequest, spec: ChildSpec, tmp: Path, emit: Progress, log: RunLog
) -> tuple[list[dict[str, float]], dict[str, Any], dict[str, ProfilerOutcome]]:
    """Timing repeats, then one child per requested profiler: (rows, last result, outcomes)."""
    work = tmp / WORK
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rbprofile-post") as post:
        deferred: list[Future[None]] = []
        ctx = ProfilerContext(
            spec, tmp, work, request.rate_hz, defer=lambda fn: deferred.append(post.submit(fn))
        )

        def repeat_started(i: int) -> None:
            emit(StepEvent(target.name, "timing", "progress", detail=f"{i + 1}/{request.repeat}"))

        run = partial(run_repeats, spec, request.repeat, work, repeat_started)
        rows, last = _step(target, "timing", emit, log, run)
        outcomes = {
            name: _step(target, name, emit, log, partial(PROFILERS[name], ctx))
            for name in NAMES
            if name in request.profilers
        }
        for future in deferred:
            future.result()
    return rows, last, outcomes


def _params(target: Target, facts: dict[str, Any], last: dict[str, Any]) -> dict[str, Any]:
    return {
        "strategy": target.strategy.stem,
        "strategy_file": str(target.strategy),
        "frequency": facts["frequency"],
        "assets": facts["assets"],
        "sessions": last.get("sessions", facts["sessions"]),
        "bars": facts["bars"],
        "start": last.get("first_session"),
        "end": last.get("last_session"),
    }
