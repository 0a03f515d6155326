"""`analyze` core: one run -> a `Document` of hotspots, modules, owners, categories or targets.

    analyze_run(target, options=AnalyzeOptions()) -> rbprofile.render.Document
    analyze(run, options) -> Document        (the same for a `Run` already at hand: the report)

`by="function"`: hotspots (sorted by `sort`), the other ranking, bottlenecks over the
threshold, the py-spy function view, and the cProfile vs py-spy cross-check when both exist.
`by="module"`: self time per module (cProfile) and inclusive share per module (py-spy).
`by="owner"`: the deepest project frame's share (py-spy exact, cProfile estimated).
`by="category"`: the `categorize --explain` tables (rbprofile.views.categorize).
`targets=True` puts the optimization targets table first (`rules` and `speedups` adjust it).
Tables cut to `top` rows carry an "(other ...)" row so shares still sum to 1. The project under
profile is `project`, else the one the run recorded (rustybt for rustybt strategies).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import polars as pl

from rbprofile.analysis import hotspots as hs
from rbprofile.analysis.crosscheck import crosscheck
from rbprofile.analysis.modules import module_inclusive_table, module_self_table
from rbprofile.analysis.owners import owners_from_cprofile, owners_from_samples
from rbprofile.errors import RbprofileError
from rbprofile.render import Document, Table
from rbprofile.rundir.locate import locate
from rbprofile.rundir.run import Run
from rbprofile.views.tables import table, top_with_rest

By = Literal["function", "module", "owner", "category"]


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
    rho = "n/a (fewer than 3 functions)" if check.rho is None else f"{check.rho:.2f}"
    disagree = check.table.filter(pl.col("verdict") == "disagree").height
    note = (
        f"Spearman's rank correlation of Python-level self-time shares over the union of "
        f"both top-{top} lists ({check.n} functions): rho = {rho}; {disagree} function(s) "
        f"disagree (one profiler's share more than 2x the other's). py-spy side: "
        f"{check.window}, {samples.total} samples."
    )
    return [table("crosscheck", "cProfile vs py-spy", check.table, note)]


def _function_tables(job: _Job) -> list[Table]:
    tables = _hotspot_tables(job)
    samples = job.run.samples
    if samples is not None:
        sampled = hs.function_samples(samples, job.opts.top)
        tables.append(table("pyspy_functions", f"Top {job.opts.top} by py-spy samples", sampled))
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
        frame = module_inclusive_table(run.samples, project, opts.depth).head(opts.top)
        note = "inclusive_share: share of samples whose stack contains the module (overlaps)."
        tables.append(table("modules_inclusive", "Inclusive time by module (py-spy)", frame, note))
    return tables


def _owner_tables(job: _Job) -> list[Table]:
    run, opts, project = job.run, job.opts, job.project
    tables: list[Table] = []
    if run.samples is not None:
        frame = owners_from_samples(run.samples, project)
        frame = top_with_rest(frame, "owner", opts.top, "owners")
        note = f"Each sample charged to its deepest {project} frame (exact)."
        tables.append(table("owners", "Owners (py-spy)", frame, note))
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
    """`categorize --explain`'s tables, its notes attached to the first."""
    from rbprofile.views.categorize import CategorizeOptions, categorize

    doc = categorize(
        job.run, CategorizeOptions(rules=job.opts.rules, explain=True, top=job.opts.top)
    )
    first, *rest = doc.tables
    return [replace(first, notes=(*first.notes, *doc.notes)), *rest]


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


BUILDERS: dict[str, Callable[[_Job], list[Table]]] = {
    "function": _function_tables,
    "module": _module_tables,
    "owner": _owner_tables,
    "category": _category_tables,
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
    if samples is not None:
        native = "with" if samples.has_native else "without"
        notes.append(
            f"py-spy: {run.shown(run.pyspy_path)} -- {samples.format}, {native} native frames, "
            f"{samples.total} samples."
        )
        meta |= {"samples": samples.total}
    if run.samples_window is not None:
        notes.append(
            f"py-spy views use {run.samples_window}; the other samples are interpreter start-up "
            "and imports, outside the call cProfile measured."
        )
    return notes, meta


def analyze(run: Run, opts: AnalyzeOptions) -> Document:
    if run.cprofile is None and run.samples is None:
        raise RbprofileError(
            f"{run.name}: nothing to analyze ({run.why_missing('cprofile.pstats')})"
        )
    job = _Job(run, opts, opts.project or run.project)
    tables = BUILDERS[opts.by](job)
    if opts.targets:
        tables.insert(0, _target_table(job))
    notes, meta = source_notes(run)
    meta |= {"by": opts.by, "project": job.project, "depth": opts.depth, "top": opts.top}
    return Document(
        title=f"rbprofile analyze: {run.name}",
        tables=tuple(tables),
        notes=tuple(notes),
        primary=tables[0].name if tables else None,
        meta=meta,
    )


def analyze_run(target: str, options: AnalyzeOptions | None = None) -> Document:
    """Resolve `target`, load its profiles and build the analysis document."""
    opts = options or AnalyzeOptions()
    return analyze(locate(target, opts.scenario, opts.profiles_dir), opts)
