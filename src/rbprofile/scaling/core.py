"""`rbprofile scale` core: measure a size grid, fit, project, store; or re-render a stored one.

    run_scaling(request, progress=None) -> Stored
        refuses first (an existing result without --force, a grid over the bundle size limit
        or over the time budget, a bad command), then writes each point's bundle (scenarios),
        runs the grid (rbprofile.scaling.measure), fits and projects (rbprofile.scale, pure)
        and commits the scaling directory atomically (rbprofile.rundir.writer.RunDir)
    show_scaling(label, name, profiles_dir=None, at=None) -> Stored
        the stored result from its files; with `at`, a new projection refitted from the
        stored measurements (nothing is run)
    scaling_view(stored) -> Document     what the command renders

`progress(description, done, total)` is told before each run (total = the plan's runs, plus
any extra repeats scheduled for points whose times vary) and for notices (total 0).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

from rbprofile.errors import EXIT_USAGE, RbprofileError
from rbprofile.render import Document
from rbprofile.rundir import files
from rbprofile.rundir.writer import RunDir
from rbprofile.runner import facts
from rbprofile.scale.document import scaling_document
from rbprofile.scale.fit import fit_scaling
from rbprofile.scale.plan import PER_ASSET_BAR_S, ScalePlan, fill_placeholders
from rbprofile.scale.project import Projection, project
from rbprofile.scaling import bundles
from rbprofile.scaling.measure import (
    MAX_SPREAD,
    CommandJob,
    Job,
    Measured,
    ScenarioJob,
    check_command,
    command_name,
    measure_grid,
    point_name,
    spread,
)
from rbprofile.scaling.store import Stored, read_scaling, scaling_path, write_scaling
from rbprofile.scenarios import Scenario, get_scenario

Progress = Callable[[str, int, int], None]
DEFAULT_BUDGET_MIN = 10.0


@dataclass(frozen=True)
class FitOptions:
    min_share: float = 0.01
    top: int | None = 25


@dataclass(frozen=True)
class ScaleRequest:
    plan: ScalePlan
    scenario: str | None = None  # exactly one of scenario / command
    command: tuple[str, ...] = ()
    name: str | None = None  # the scaling directory's name (default: scenario / script)
    label: str = "baseline"
    profiles_dir: Path | None = None
    at: Mapping[str, float] | None = None
    force: bool = False
    budget_min: float = DEFAULT_BUDGET_MIN
    fit: FitOptions = FitOptions()
    max_repeats: int | None = None  # None: --repeat + 2


def _minutes(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _scenario_points(scenario: Scenario, plan: ScalePlan) -> list[tuple[dict[str, int], int, int]]:
    """(point, assets, sessions) of every point; a size not in the grid is the scenario's."""
    unknown = [v for v in plan.variables if v not in bundles.SIZE_VARIABLES]
    if unknown:
        raise RbprofileError(
            f"a scenario scales by --assets and --sessions, not {unknown[0]!r}; --size is for "
            "`-- COMMAND` runs",
            exit_code=EXIT_USAGE,
        )
    window = None if "sessions" in plan.variables else bundles.window_sessions(scenario)
    return [
        (p, p.get("assets", scenario.assets), p["sessions"] if window is None else window)
        for p in plan.points
    ]


def estimate(scenario: Scenario, plan: ScalePlan) -> tuple[float, float]:
    """(seconds for the whole grid, seconds for one run at the largest point), roughly."""
    each = [
        bundles.estimate_seconds(scenario, a, s) for _, a, s in _scenario_points(scenario, plan)
    ]
    return sum(each) * plan.repeats, max(each)


def check_budget(scenario: Scenario, plan: ScalePlan, budget_min: float) -> float:
    """The estimated seconds of the whole grid; RbprofileError over the limits, before any run."""
    points = _scenario_points(scenario, plan)
    limit = bundles.MAX_BARS
    sized = [(bundles.bars(scenario, a, s), point) for point, a, s in points]
    bars, point = max(sized, key=lambda item: item[0])
    if bars > limit:
        raise RbprofileError(
            f"{point_name(point)} would need a bundle of {bars:,} bars (over rustybt's "
            f"limit of {limit:,}); ask for fewer --assets or --sessions"
        )
    total, largest = estimate(scenario, plan)
    if total > budget_min * 60:
        raise RbprofileError(
            f"the grid would take about {_minutes(total)} ({plan.describe()}; the largest "
            f"point, {point_name(points[-1][0])}, about {_minutes(largest)} a run, at "
            f"~{PER_ASSET_BAR_S * 1e6:.0f} us per asset-bar under cProfile), over the "
            f"--budget of {budget_min:g} min: use smaller sizes or raise --budget"
        )
    return total


def describe_request(request: ScaleRequest) -> str:
    """What `--dry-run` prints: the runs, and for a scenario the estimated time."""
    if request.scenario is None:
        return f"{request.plan.describe()}; the time depends on the command"
    total, largest = estimate(get_scenario(request.scenario), request.plan)
    return (
        f"{request.plan.describe()}; about {_minutes(total)} in all, {_minutes(largest)} "
        "a run at the largest point (a rough estimate)"
    )


def _scenario_job(
    scenario: Scenario, plan: ScalePlan, progress: Progress
) -> tuple[Job, list[dict[str, Any]]]:
    specs = {}
    points: list[dict[str, Any]] = []
    for point, assets, sessions in _scenario_points(scenario, plan):
        has_sessions = "sessions" in plan.variables
        spec = bundles.sized_spec(scenario, assets, sessions if has_sessions else None)
        progress(f"bundle {spec.name}", 0, 0)
        meta = bundles.ensure_sized(spec)
        specs[point_name(point)] = spec
        points.append(
            {"sizes": point, "bundle": spec.name, "content_hash": meta.content_hash,
             "assets": meta.asset_count, "sessions": meta.sessions,
             "first_session": str(meta.first_session), "last_session": str(meta.last_session)}
        )  # fmt: skip
    return ScenarioJob(scenario, specs), points


def _spread_notes(measured: Measured) -> list[str]:
    by_point: dict[str, list[float]] = {}
    for r in measured.runs:
        by_point.setdefault(point_name(r.point), []).append(r.total_s)
    return [
        f"{name}: run totals vary by {spread(totals):.0%} (CV) over {len(totals)} repeats"
        for name, totals in by_point.items()
        if spread(totals) > MAX_SPREAD
    ]


def _fit_and_project(
    table: pl.DataFrame, fit: FitOptions, at: Mapping[str, float] | None
) -> tuple[Any, Projection | None]:
    fits = fit_scaling(table, min_share=fit.min_share, top=fit.top)
    return fits, (project(fits, at) if at else None)


def _base_manifest(request: ScaleRequest, name: str) -> dict[str, Any]:
    commit, dirty = facts.git_commit(Path.cwd())
    return {
        "name": name,
        "label": request.label,
        "kind": "scenario" if request.scenario else "command",
        "scenario": request.scenario,
        "command": list(request.command) or None,
        "variables": {v: list(values) for v, values in request.plan.variables.items()},
        "repeats": request.plan.repeats,
        "profilers": list(request.plan.profilers),
        "plan": request.plan.describe(),
        "runs_planned": request.plan.runs,
        "max_repeats": request.max_repeats or request.plan.repeats + 2,
        "fit_options": {"min_share": request.fit.min_share, "top": request.fit.top},
        "versions": facts.versions(request.plan.profilers),
        "platform": facts.platform_info(),
        "git_commit": commit,
        "git_dirty": dirty,
        "started": facts.utc_now(),
    }


def _prepare(request: ScaleRequest) -> tuple[str, dict[str, Any]]:
    """Refusals that need no work: (directory name, what the grid is, for the manifest)."""
    if (request.scenario is None) == (not request.command):
        raise RbprofileError(
            "give a SCENARIO (e.g. `rbprofile scale daily --assets 25,50,100`) or a command "
            "after -- (e.g. `rbprofile scale --size n=1000,2000,4000 -- python prog.py --n {n}`), "
            "not both",
            exit_code=EXIT_USAGE,
        )
    if tuple(request.plan.profilers) != ("cprofile",):
        raise RbprofileError(
            "rbprofile scale measures with cProfile only for now (py-spy scaling is not built); "
            "use --profiler cprofile",
            exit_code=EXIT_USAGE,
        )
    if request.scenario is not None:
        scenario = get_scenario(request.scenario)
        seconds = check_budget(scenario, request.plan, request.budget_min)
        extra = {"strategy_file": str(scenario.strategy_file), "estimate_s": seconds}
        return request.name or scenario.name, extra
    check_command(request.command)
    fill_placeholders(request.command, request.plan.points[0])  # every {name} used: refuse now
    return request.name or command_name(request.command), {}


def run_scaling(request: ScaleRequest, progress: Progress | None = None) -> Stored:
    """Measure, fit, project and store (see the module docstring)."""
    tell = progress or (lambda _d, _n, _t: None)
    name, extra = _prepare(request)
    final = scaling_path(request.label, name, request.profiles_dir)
    if final.exists() and not request.force:
        raise RbprofileError(
            f"a scaling result already exists at {final}; pass --force to replace it, use "
            f"another --label or --name, or show it with `rbprofile scale {name} --show`"
        )
    about = f", about {_minutes(extra['estimate_s'])}" if "estimate_s" in extra else ""
    tell(f"{request.plan.describe()}{about}", 0, 0)
    manifest = _base_manifest(request, name) | extra
    job: Job
    if request.scenario is not None:
        job, points = _scenario_job(get_scenario(request.scenario), request.plan, tell)
        manifest["points"] = points
    else:
        job = CommandJob(request.command)

    def on_run(point: Mapping[str, int], repeat: int, done: int, total: int) -> None:
        tell(f"{name} {point_name(point)} repeat {repeat}", done, total)

    most = request.max_repeats or request.plan.repeats + 2

    rundir = RunDir(final, force=request.force)
    with rundir as tmp:
        measured = measure_grid(request.plan, job, tmp, on_run, most)
        runs = len(measured.runs)
        tell(f"{name}: fitting", runs, runs)
        fits, projection = _fit_and_project(measured.table, request.fit, request.at)
        manifest |= {
            "timer": job.timer,
            "runs": [r.to_json() for r in measured.runs],
            "unstable": _spread_notes(measured),
            "finished": facts.utc_now(),
        }
        write_scaling(tmp, manifest, measured.table, fits, projection)
        rundir.commit()
    return read_scaling(final)


def show_scaling(
    label: str, name: str, profiles_dir: Path | None = None, at: Mapping[str, float] | None = None
) -> Stored:
    """A stored result; `at` re-projects from its stored measurements (nothing is run)."""
    stored = read_scaling(scaling_path(label, name, profiles_dir))
    if at is None:
        return stored
    fit_options = stored.manifest.get("fit_options") or {}
    fit = FitOptions(float(fit_options.get("min_share", 0.01)), fit_options.get("top"))
    fits, projection = _fit_and_project(stored.measurements, fit, at)
    return replace(stored, fits=fits, projection=projection)


def scaling_view(stored: Stored) -> Document:
    """The exponents (and projection) tables, with where they came from."""
    doc = scaling_document(stored.fits, stored.projection)
    m = stored.manifest
    what = f"scenario {m['scenario']}" if m.get("scenario") else f"`{' '.join(m['command'])}`"
    notes = [
        f"{what}: {m['plan']}; cProfile timer: {m.get('timer')}; stored in {stored.path}",
        *doc.notes,
        *(f"Unstable: {n}; more --repeat narrows the intervals." for n in m.get("unstable", [])),
    ]
    meta = doc.meta | {"label": m.get("label"), "name": m.get("name"), "path": str(stored.path)}
    title = f"Scaling: {m.get('label')}/{files.scaling_dir_name(stored.name)}"
    return replace(doc, title=title, notes=tuple(notes), meta=meta)
