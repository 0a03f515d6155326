"""`analyze` core: one run -> a `Document` of hotspots, modules, owners, categories or targets.

    analyze_run(target, options=AnalyzeOptions()) -> rbprofile.render.Document
    analyze(run, options) -> Document        (the same for a `Run` already at hand: the report)

`by="function"`: hotspots (sorted by `sort`), the other ranking, bottlenecks over the
threshold, the py-spy function view, and the cProfile vs py-spy cross-check when both exist.
`by="module"`: self time per module (cProfile) and inclusive share per module (py-spy).
`by="owner"`: the deepest project frame's share (py-spy exact, cProfile estimated).
`by="category"`: the `categorize --explain` tables (rbprofile.views.categorize).
`by="memory"`: the top allocating functions (rbprofile.views.memory: memray, else tracemalloc).
`targets=True` puts the optimization targets table first (`rules` and `speedups` adjust it).
Tables cut to `top` rows carry an "(other ...)" row so shares still sum to 1. The project under
profile is `project`, else the one the run recorded (rustybt for rustybt strategies).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from rbprofile.analysis import hotspots as hs
from rbprofile.analysis.crosscheck import (
    AGREE,
    DISAGREE,
    INFLATED_CALLS,
    INFLATED_PER_CALL_US,
    UNCERTAIN,
    CrossCheck,
    crosscheck,
)
from rbprofile.analysis.intervals import judge_expr, with_intervals
from rbprofile.analysis.modules import module_inclusive_table, module_self_table
from rbprofile.analysis.owners import owners_from_cprofile, owners_from_samples
from rbprofile.errors import RbprofileError
from rbprofile.render import Document, Table
from rbprofile.rundir import files
from rbprofile.rundir.locate import locate
from rbprofile.rundir.run import Run
from rbprofile.views.sampled import filenames_note, sampling_note
from rbprofile.views.tables import table, top_with_rest

if TYPE_CHECKING:
    from rbprofile.analysis.samples import Samples

By = Literal["function", "module", "owner", "category", "memory"]


@dataclass(frozen=True)
class AnalyzeOptions:
    scenario: str | None = None
    top: int = 20
    sort: hs.SortKey = "cumulative"
    threshold: float = 5.0
    by: By = "function"
    depth: int = 3
    project: str | None = None  # None: the project the run recorded
    profiles_dir: Path | None = None
    targets: bool = False
    rules: Path | None = None  # user rules TOML (categories, kernel speedups)
    speedups: tuple[str, ...] = ()  # "CATEGORY=FACTOR" overrides for --targets


@dataclass(frozen=True)
class _Job:
    run: Run
    opts: AnalyzeOptions
    project: str


def _hotspot_tables(job: _Job) -> list[Table]:
    profile, opts = job.run.cprofile, job.opts
    if profile is None:
        return []
    other: hs.SortKey = "self" if opts.sort == "cumulative" else "cumulative"
    tables = [
        table(
            f"top_{sort}",
            f"Top {opts.top} by {sort} time (cProfile)",
            hs.hotspots(profile.functions, profile.total_s, opts.top, sort),
        )
        for sort in (opts.sort, other)
    ]
    flagged = hs.bottlenecks(profile.functions, profile.total_s, opts.threshold)
    note = f"Functions whose cumulative time is above {opts.threshold:g}% of the run."
    return [*tables, table("bottlenecks", "Bottlenecks", flagged, note)]


def _crosscheck_table(job: _Job) -> list[Table]:
    profile, samples, top = job.run.cprofile, job.run.samples, job.opts.top
    if profile is None or samples is None:
        return []
    check = crosscheck(profile, samples, top)
    notes = (*crosscheck_notes(check, top, samples.total), sampling_note(job.run, samples))
    return [table("crosscheck", "cProfile vs py-spy", check.table, *notes)]


def crosscheck_notes(check: CrossCheck, top: int, samples: int) -> tuple[str, str]:
    """What the cross-check compared, its rho (and without which functions), its verdicts."""
    counts = dict(check.table.group_by("verdict").len().iter_rows())
    rho = "n/a (fewer than 3 functions)" if check.rho is None else f"{check.rho:.2f}"
    every = "n/a" if check.rho_all is None else f"{check.rho_all:.2f}"
    excluded = (
        f"left out as inflated by cProfile's per-call cost (at least {INFLATED_CALLS} calls "
        f"under {INFLATED_PER_CALL_US:g} us of self time each): {', '.join(check.excluded)}; "
        f"rho with them = {every}"
        if check.excluded
        else "no function was inflated by cProfile's per-call cost"
    )
    verdicts = ", ".join(f"{counts.get(v, 0)} {v}" for v in (AGREE, DISAGREE, UNCERTAIN))
    return (
        f"Spearman's rank correlation of Python-level self-time shares over the union of "
        f"both top-{top} lists ({check.n} functions): rho = {rho}; {excluded}. "
        f"py-spy side: {check.window}, {samples} samples.",
        f"Verdicts: {verdicts}. A function disagrees when one share is more than 2x the "
        "other; uncertain when py-spy's 95% interval reaches both sides of that line.",
    )


def _pyspy_function_table(job: _Job, samples: Samples) -> Table:
    threshold = job.opts.threshold
    sampled = with_intervals(
        hs.function_samples(samples, job.opts.top),
        {"self_share": "self_samples", "inclusive_share": "inclusive_samples"},
        samples.total,
        samples.design,
    ).with_columns(
        judge_expr("inclusive_share_lo", "inclusive_share_hi", threshold / 100, "yes", "no").alias(
            "bottleneck"
        )
    )
    note = (
        f"bottleneck: inclusive share above {threshold:g}% of the samples (yes), below (no), "
        "or uncertain when its 95% interval contains the threshold."
    )
    title = f"Top {job.opts.top} by py-spy samples"
    return table("pyspy_functions", title, sampled, sampling_note(job.run, samples), note)


def _function_tables(job: _Job) -> list[Table]:
    tables = _hotspot_tables(job)
    samples = job.run.samples
    if samples is not None:
        tables.append(_pyspy_function_table(job, samples))
    return tables + _crosscheck_table(job)


def _module_tables(job: _Job) -> list[Table]:
    run, opts, project = job.run, job.opts, job.project
    tables: list[Table] = []
    if run.cprofile is not None:
        frame = module_self_table(run.cprofile.functions, project, opts.depth)
        note = f"Self time by module ({project} at depth {opts.depth}); shares sum to 100%."
        frame = top_with_rest(frame, "module", opts.top, "modules")
        tables.append(table("modules", "Self time by module (cProfile)", frame, note))
    if run.samples is not None:
        frame = with_intervals(
            module_inclusive_table(run.samples, project, opts.depth).head(opts.top),
            {"inclusive_share": "inclusive_samples", "self_share": "self_samples"},
            run.samples.total,
            run.samples.design,
        )
        note = "inclusive_share: share of samples whose stack contains the module (overlaps)."
        title = "Inclusive time by module (py-spy)"
        sampled = sampling_note(run, run.samples)
        tables.append(table("modules_inclusive", title, frame, note, sampled))
    return tables


def _owner_tables(job: _Job) -> list[Table]:
    run, opts, project = job.run, job.opts, job.project
    tables: list[Table] = []
    if run.samples is not None:
        frame = owners_from_samples(run.samples, project)
        frame = with_intervals(
            top_with_rest(frame, "owner", opts.top, "owners"),
            {"share": "samples"},
            run.samples.total,
            run.samples.design,
        )
        note = f"Each sample charged to its deepest {project} frame (exact)."
        sampled = sampling_note(run, run.samples)
        tables.append(table("owners", "Owners (py-spy)", frame, note, sampled))
    if run.cprofile is not None:
        frame = top_with_rest(
            owners_from_cprofile(run.cprofile, project), "owner", opts.top, "owners"
        )
        note = (
            f"Self time of non-{project} code spread to its {project} callers along "
            "cProfile's caller edges (estimate: assumes every call of a function costs the "
            "same, so a helper shared by several callers, such as functools.cached_property, "
            "mixes their time; py-spy's owner table is exact)."
        )
        name = "owners" if run.samples is None else "owners_cprofile"
        tables.append(table(name, "Owners (cProfile, estimated)", frame, note))
    return tables


def _category_tables(job: _Job) -> list[Table]:
    """`categorize --explain`'s tables, its notes attached to the first (but for the
    --full-filenames note, which `source_notes` already gives once)."""
    from rbprofile.views.categorize import CategorizeOptions, categorize

    doc = categorize(
        job.run, CategorizeOptions(rules=job.opts.rules, explain=True, top=job.opts.top)
    )
    first, *rest = doc.tables
    notes = (n for n in doc.notes if n != filenames_note(job.run.samples))
    return [replace(first, notes=(*first.notes, *notes)), *rest]


def _target_table(job: _Job) -> Table:
    from rbprofile.analysis.targets import parse_speedups
    from rbprofile.views.targets import targets_table

    return targets_table(
        job.run,
        project=job.project,
        rules=job.opts.rules,
        speedups=parse_speedups(job.opts.speedups),
        top=job.opts.top,
    )


def _memory_tables(job: _Job) -> list[Table]:
    from rbprofile.views.memory import allocation_tables

    return allocation_tables(job.run, job.opts.top)


BUILDERS: dict[str, Callable[[_Job], list[Table]]] = {
    "function": _function_tables,
    "module": _module_tables,
    "owner": _owner_tables,
    "category": _category_tables,
    "memory": _memory_tables,
}


def source_notes(run: Run) -> tuple[list[str], dict[str, object]]:
    """What the views of `run` were computed from (files, totals, sample window)."""
    notes: list[str] = []
    meta: dict[str, object] = {"target": run.name}
    profile, samples = run.cprofile, run.samples
    if profile is not None:
        notes.append(
            f"cProfile: {run.shown(run.pstats_path)} -- {profile.total_s:.4f} s total "
            f"(pstats total_tt), {profile.functions.height} functions; shares are of that total."
            if run.cprofile_repeats == 1
            else f"cProfile: medians over {run.cprofile_repeats} repeats "
            f"({run.shown(run.pstats_path)} is the median-total one) -- {profile.total_s:.4f} s "
            f"total (that repeat's total), {profile.functions.height} functions; shares are of "
            "that total; self_spread = range of self time over the repeats / median."
        )
        meta["cprofile_repeats"] = run.cprofile_repeats
        meta |= {"total_s": profile.total_s, "functions": profile.functions.height}
    pyspy_run = run.profiler("pyspy")
    pyspy_failed = pyspy_run is not None and pyspy_run.status == "failed"
    if samples is None and (run.pyspy_path is not None or pyspy_failed):
        notes.append(f"py-spy: not used ({run.why_missing(files.PYSPY_COLLAPSED)}).")
    if samples is not None:
        native = "with" if samples.has_native else "without"
        notes.append(
            f"py-spy: {run.shown(run.pyspy_path)} -- {samples.format}, {native} native frames, "
            f"{samples.total} samples."
        )
        meta |= {"samples": samples.total}
        short = filenames_note(samples)
        if short is not None:
            notes.append(short)
    if run.samples_window is not None:
        notes.append(
            f"py-spy views use {run.samples_window}; the other samples are interpreter start-up "
            "and imports, outside the call cProfile measured."
        )
    return notes, meta


def project_note(run: Run, given: str | None) -> str:
    """Which package the owner, module and target views treat as the project, and why."""
    if given:
        return f"Project: {given} (--project)."
    found = run.discovered
    if run.manifest is not None:
        return f"Project: {run.project} (recorded by the run; --project to change)."
    if found is None:
        return (
            f"Project: {run.project} (none found outside the standard library and the data "
            "libraries; pass --project PKG)."
        )
    other = f"; next: {found.runner_up}" if found.runner_up else ""
    return (
        f"Project: {found.project} (discovered: {found.share:.0%} of the self time outside the "
        f"standard library and the data libraries{other}; --project to change)."
    )


def _nothing_to_analyze(run: Run, by: str) -> str | None:
    """Why `run` has nothing for `by` (None when it has something)."""
    if by == "memory":
        if run.allocations is None and run.memory is None:
            return run.why_missing(files.MEMRAY)
        return None
    if run.cprofile is None and run.samples is None:
        return run.why_no_profile()
    return None


def analyze(run: Run, opts: AnalyzeOptions) -> Document:
    why = _nothing_to_analyze(run, opts.by)
    if why is not None:
        raise RbprofileError(f"{run.name}: nothing to analyze ({why})")
    job = _Job(run, opts, opts.project or run.project)
    tables = BUILDERS[opts.by](job)
    if opts.targets:
        tables.insert(0, _target_table(job))
    notes, meta = source_notes(run)
    notes.append(project_note(run, opts.project))
    meta |= {"by": opts.by, "project": job.project, "depth": opts.depth, "top": opts.top}
    return Document(
        title=f"rbprofile analyze: {run.name}",
        tables=tuple(tables),
        notes=tuple(notes),
        meta=meta,
    )


def analyze_run(target: str, options: AnalyzeOptions | None = None) -> Document:
    """Resolve `target`, load its profiles and build the analysis document."""
    opts = options or AnalyzeOptions()
    run = locate(target, opts.scenario, opts.profiles_dir, profiles_required=opts.by != "memory")
    return analyze(run, opts)
