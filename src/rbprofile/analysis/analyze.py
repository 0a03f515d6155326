"""`analyze` core: one target -> a `Document` of hotspots, modules or owners.

    analyze_run(target, options=AnalyzeOptions()) -> rbprofile.render.Document
    AnalyzeOptions(scenario, top, sort, threshold, by, depth, project, profiles_dir)

`by="function"`: hotspots (sorted by `sort`), the other ranking, bottlenecks over the
threshold, and the cProfile vs py-spy cross-check when both exist. `by="module"`: self time
per module (cProfile) and inclusive share per module (py-spy). `by="owner"`: the deepest
project frame's share (py-spy exact, cProfile estimated). `by="category"`: self time by
bottleneck category with the rule or evidence behind each function (the `categorize`
core, rbprofile.analysis.categorize_run). `targets=True` puts the optimization targets
table first (`rules` and `speedups` adjust it). py-spy-only targets get the
sampled views. Tables cut to `top` rows carry an "(other ...)" row so shares still sum to 1.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import polars as pl

from rbprofile.analysis import hotspots as hs
from rbprofile.analysis.crosscheck import crosscheck, profiled_window
from rbprofile.analysis.locate import Sources, locate
from rbprofile.analysis.modules import ModuleResolver, module_inclusive_table, module_self_table
from rbprofile.analysis.owners import owners_from_cprofile, owners_from_samples
from rbprofile.analysis.pstats_source import CProfile, load_pstats
from rbprofile.analysis.pyspy_source import Samples, load_pyspy
from rbprofile.render import Document, Table

By = Literal["function", "module", "owner", "category"]
PCT = "{:.1%}"
SECONDS = "{:.4f}"


@dataclass(frozen=True)
class AnalyzeOptions:
    scenario: str | None = None
    top: int = 20
    sort: hs.SortKey = "cumulative"
    threshold: float = 5.0
    by: By = "function"
    depth: int = 3
    project: str = "rustybt"
    profiles_dir: Path | None = None
    targets: bool = False
    rules: Path | None = None  # user rules TOML (categories, kernel speedups)
    speedups: tuple[str, ...] = ()  # "CATEGORY=FACTOR" overrides for --targets


@dataclass(frozen=True)
class Loaded:
    sources: Sources
    profile: CProfile | None
    samples: Samples | None
    window: str | None = None  # set when py-spy samples were cut to cProfile's window


def load_sources(sources: Sources) -> Loaded:
    """Load the profiles; with both, py-spy is cut to the stacks cProfile also saw."""
    resolver = ModuleResolver()
    profile = load_pstats(sources.pstats, resolver) if sources.pstats else None
    samples = load_pyspy(sources.pyspy, resolver) if sources.pyspy else None
    window = None
    if profile is not None and samples is not None:
        cut, description = profiled_window(samples, profile)
        if cut.total != samples.total:
            samples, window = cut, description
    return Loaded(sources, profile, samples, window)


def top_with_rest(frame: pl.DataFrame, label: str, top: int, other: str) -> pl.DataFrame:
    """The first `top` rows plus one row summing the numeric columns of the rest."""
    if frame.height <= top:
        return frame
    rest = frame.slice(top)
    sums: dict[str, object] = {
        c: (rest[c].sum() if dt.is_numeric() else None)
        for c, dt in zip(frame.columns, frame.dtypes, strict=True)
    }
    sums[label] = f"(other {rest.height} {other})"
    return pl.concat([frame.head(top), pl.DataFrame([sums], schema=frame.schema)])


def _formats(frame: pl.DataFrame) -> dict[str, str]:
    out = {}
    for c in frame.columns:
        if c.endswith("share"):
            out[c] = PCT
        elif "per_call" in c or c == "ratio":
            out[c] = "{:.3g}"
        elif c.endswith("_s"):
            out[c] = SECONDS
    return out


def _table(name: str, title: str, frame: pl.DataFrame, *notes: str) -> Table:
    return Table(name, title, frame, notes=tuple(notes), formats=_formats(frame))


def _hotspot_tables(profile: CProfile, opts: AnalyzeOptions) -> list[Table]:
    other: hs.SortKey = "self" if opts.sort == "cumulative" else "cumulative"
    tables = [
        _table(
            f"top_{sort}",
            f"Top {opts.top} by {sort} time (cProfile)",
            hs.hotspots(profile.functions, profile.total_s, opts.top, sort),
        )
        for sort in (opts.sort, other)
    ]
    flagged = hs.bottlenecks(profile.functions, profile.total_s, opts.threshold)
    note = f"Functions whose cumulative time is above {opts.threshold:g}% of the run."
    return [*tables, _table("bottlenecks", "Bottlenecks", flagged, note)]


def _crosscheck_table(profile: CProfile, samples: Samples, opts: AnalyzeOptions) -> Table:
    check = crosscheck(profile, samples, opts.top)
    rho = "n/a (fewer than 3 functions)" if check.rho is None else f"{check.rho:.2f}"
    note = (
        f"Spearman's rank correlation of Python-level self-time shares over the union of "
        f"both top-{opts.top} lists ({check.n} functions): rho = {rho}. "
        f"py-spy side: {check.window}. "
        "A function disagrees when one profiler's share is more than 2x the other's."
    )
    return _table("crosscheck", "cProfile vs py-spy", check.table, note)


def _function_tables(data: Loaded, opts: AnalyzeOptions) -> list[Table]:
    profile, samples = data.profile, data.samples
    tables = _hotspot_tables(profile, opts) if profile is not None else []
    if samples is not None:
        sampled = hs.function_samples(samples, opts.top)
        tables.append(_table("pyspy_functions", f"Top {opts.top} by py-spy samples", sampled))
    if profile is not None and samples is not None:
        tables.append(_crosscheck_table(profile, samples, opts))
    return tables


def _module_tables(data: Loaded, opts: AnalyzeOptions) -> list[Table]:
    tables: list[Table] = []
    if data.profile is not None:
        frame = module_self_table(data.profile.functions, opts.project, opts.depth)
        note = f"Self time by module ({opts.project} at depth {opts.depth}); shares sum to 100%."
        frame = top_with_rest(frame, "module", opts.top, "modules")
        tables.append(_table("modules", "Self time by module (cProfile)", frame, note))
    if data.samples is not None:
        frame = module_inclusive_table(data.samples, opts.project, opts.depth)
        note = "inclusive_share: share of samples whose stack contains the module."
        frame = frame.head(opts.top)
        tables.append(_table("modules_inclusive", "Inclusive time by module (py-spy)", frame, note))
    return tables


def _owner_tables(data: Loaded, opts: AnalyzeOptions) -> list[Table]:
    tables: list[Table] = []
    if data.samples is not None:
        frame = top_with_rest(
            owners_from_samples(data.samples, opts.project), "owner", opts.top, "owners"
        )
        note = f"Each sample charged to its deepest {opts.project} frame (exact)."
        tables.append(_table("owners", "Owners (py-spy)", frame, note))
    if data.profile is not None:
        frame = owners_from_cprofile(data.profile, opts.project)
        frame = top_with_rest(frame, "owner", opts.top, "owners")
        note = (
            f"Self time of non-{opts.project} code spread to its {opts.project} callers along "
            "cProfile's caller edges (estimate: assumes every call of a function costs the "
            "same, so a helper shared by several callers, such as functools.cached_property, "
            "mixes their time; py-spy's owner table is exact)."
        )
        name = "owners" if data.samples is None else "owners_cprofile"
        tables.append(_table(name, "Owners (cProfile, estimated)", frame, note))
    return tables


def _category_tables(data: Loaded, opts: AnalyzeOptions) -> list[Table]:
    """`categorize --explain`'s tables (rbprofile.analysis.categorize_run), notes attached."""
    from rbprofile.analysis.categorize_run import CategorizeOptions, categorize_loaded

    options = CategorizeOptions(rules=opts.rules, explain=True, top=opts.top)
    doc = categorize_loaded(data, options)
    first, *rest = doc.tables
    return [replace(first, notes=(*first.notes, *doc.notes)), *rest]


def _target_table(data: Loaded, opts: AnalyzeOptions) -> Table:
    from rbprofile.analysis.categorize_run import targets_table
    from rbprofile.analysis.targets import parse_speedups

    return targets_table(
        data,
        project=opts.project,
        rules_path=opts.rules,
        speedups=parse_speedups(opts.speedups),
        top=opts.top,
    )


BUILDERS = {
    "function": _function_tables,
    "module": _module_tables,
    "owner": _owner_tables,
    "category": _category_tables,
}


def _notes(data: Loaded) -> tuple[list[str], dict[str, object]]:
    notes: list[str] = []
    meta: dict[str, object] = {"target": data.sources.name}
    if data.profile is not None:
        notes.append(
            f"cProfile: {data.profile.path} -- {data.profile.total_s:.4f} s total "
            f"(pstats total_tt), {data.profile.functions.height} functions; "
            "shares are of that total."
        )
        meta |= {"pstats": str(data.profile.path), "total_s": data.profile.total_s}
    if data.samples is not None:
        native = "with" if data.samples.has_native else "without"
        notes.append(
            f"py-spy: {data.samples.path} -- {data.samples.format}, {native} native frames."
        )
        meta |= {"pyspy": str(data.samples.path), "samples": data.samples.total}
    if data.window is not None:
        notes.append(
            f"py-spy views use {data.window}; the other samples are interpreter start-up and "
            "imports, outside the call cProfile measured."
        )
    return notes, meta


def analyze_loaded(data: Loaded, opts: AnalyzeOptions) -> Document:
    tables = BUILDERS[opts.by](data, opts)
    if opts.targets:
        tables.insert(0, _target_table(data, opts))
    notes, meta = _notes(data)
    meta |= {"by": opts.by, "project": opts.project, "depth": opts.depth, "top": opts.top}
    return Document(
        title=f"rbprofile analyze: {data.sources.name}",
        tables=tuple(tables),
        notes=tuple(notes),
        primary=tables[0].name if tables else None,
        meta=meta,
    )


def analyze_run(target: str, options: AnalyzeOptions | None = None) -> Document:
    """Resolve `target`, load its profiles and build the analysis document."""
    opts = options or AnalyzeOptions()
    sources = locate(target, opts.scenario, opts.profiles_dir)
    return analyze_loaded(load_sources(sources), opts)
