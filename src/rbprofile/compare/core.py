"""`compare_runs`: two labels (or run directories) -> a `Comparison` value.

Every scenario complete on both sides is compared: timing verdict (`stats.judge`) on the
preferred measure both sides recorded (simulate CPU time, else wall time), function / module /
category deltas when both sides have functions.parquet (function verdicts from the cProfile
repeats, `function_verdicts.judge_functions`), and a differential flamegraph when both
have pyspy.collapsed.txt and an output directory is given. Scenarios on one side only, partial
runs and missing profiler files are named in the result, never crashed on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from rbprofile.analysis.modules import module_at_depth
from rbprofile.compare.diff_flamegraph import write_diff_flamegraph
from rbprofile.compare.function_verdicts import FunctionTest
from rbprofile.compare.functions import (
    categorized_functions,
    compare_functions,
    function_deltas,
    group_deltas,
)
from rbprofile.compare.runs import Side, common_measure, resolve_side, timings, unlike
from rbprofile.compare.stats import (
    MIN_FUNCTION_CHANGE_PCT,
    Sample,
    TimingVerdict,
    geometric_mean_speedup,
    judge,
)
from rbprofile.compare.targets import OUTCOME_SCHEMA, target_outcomes
from rbprofile.errors import RbprofileError
from rbprofile.rundir import files
from rbprofile.rundir.run import Run
from rbprofile.schema import FUNCTIONS_SCHEMA

DEFAULT_DEPTH = 3


@dataclass(frozen=True)
class ScenarioTiming:
    scenario: str
    measure: str  # e.g. "simulate CPU time"
    before: Sample
    after: Sample
    result: TimingVerdict


@dataclass(frozen=True)
class Comparison:
    before: str
    after: str
    min_change: float  # run-time verdicts
    min_function_change: float  # function verdicts
    timings: tuple[ScenarioTiming, ...]
    functions: pl.DataFrame  # scenario + functions.function_deltas columns
    modules: pl.DataFrame  # scenario + group_deltas columns, by module
    categories: pl.DataFrame  # scenario + group_deltas columns, by category
    geomean_speedup: float | None  # before/after over compared scenarios; > 1 is faster
    only_before: tuple[str, ...] = ()
    only_after: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()  # partial runs, missing profiler files
    notes: tuple[str, ...] = ()  # how something was computed
    flamegraphs: dict[str, Path] = field(default_factory=dict)
    # BEFORE's optimization targets, predicted against measured (compare.targets)
    targets: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=OUTCOME_SCHEMA))
    function_tests: dict[str, FunctionTest] = field(default_factory=dict)  # by scenario

    def regressions(self, threshold_pct: float) -> list[ScenarioTiming]:
        """Scenarios significantly slower by more than `threshold_pct` percent."""
        return [
            t
            for t in self.timings
            if t.result.verdict == "slower" and t.result.change_pct > threshold_pct
        ]


def _timing(
    scenario: str, before: Run, after: Run, min_change: float, out: _Collected
) -> ScenarioTiming | None:
    left, right = timings(before), timings(after)
    measure = common_measure(left, right)
    if measure is None:
        sides = [name for name, t in (("BEFORE", left), ("AFTER", right)) if not t]
        why = (
            f"the {' and '.join(sides)} side{'s' * (len(sides) - 1)} recorded no timing repeats"
            if sides
            else "the two sides share no timing measure"
        )
        out.problems.append(
            f"{scenario}: no run-time verdict ({why}); record both with `rbprofile run`"
        )
        return None
    key, description = measure
    b, a = Sample(left[key]), Sample(right[key])
    return ScenarioTiming(scenario, description, b, a, judge(b, a, min_change))


def _with_scenario(frames: list[tuple[str, pl.DataFrame]], empty: pl.DataFrame) -> pl.DataFrame:
    """Concatenate per-scenario tables under a leading `scenario` column (`empty`: no rows)."""
    return pl.concat(
        [f.select(pl.lit(s).alias("scenario"), pl.all()) for s, f in [("", empty), *frames]]
    )


def _empty_tables(project: str) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    none = pl.DataFrame(schema=FUNCTIONS_SCHEMA)
    deltas = function_deltas(none, none)
    by_category = pl.col("category").fill_null("uncategorized")
    return (
        deltas,
        group_deltas(deltas, _module_expr(project), "module"),
        group_deltas(deltas, by_category, "category"),
    )


def _select(side: Side, scenario: str | None) -> Side:
    if scenario is None:
        return side
    runs = {k: v for k, v in side.runs.items() if k == scenario}
    partial = {k: v for k, v in side.partial.items() if k == scenario}
    return Side(side.name, side.root, runs, partial)


def _problems(before: Side, after: Side) -> list[str]:
    return [
        f"{side.name}/{scenario}: {reason}"
        for side in (before, after)
        for scenario, reason in sorted(side.partial.items())
    ]


def _module_expr(project: str) -> pl.Expr:
    return pl.col("module").map_elements(
        lambda m: module_at_depth(m, project, DEFAULT_DEPTH), return_dtype=pl.String
    )


@dataclass
class _Collected:
    functions: list[tuple[str, pl.DataFrame]] = field(default_factory=list)
    modules: list[tuple[str, pl.DataFrame]] = field(default_factory=list)
    categories: list[tuple[str, pl.DataFrame]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    flamegraphs: dict[str, Path] = field(default_factory=dict)
    targets: list[pl.DataFrame] = field(default_factory=list)
    function_tests: dict[str, FunctionTest] = field(default_factory=dict)


def _collect_functions(
    scenario: str, before: Run, after: Run, project: str, min_change: float, out: _Collected
) -> None:
    """Function, module and category deltas (functions judged at `min_change` percent)."""
    sides = (("BEFORE", before), ("AFTER", after))
    found = {side: categorized_functions(run) for side, run in sides}
    tables = {side: table for side, (table, _) in found.items()}
    unreadable = [
        r.problems[files.FUNCTIONS]
        for _, r in sides
        if files.FUNCTIONS in r.problems and r.file(files.FUNCTIONS)
    ]
    if unreadable:
        out.problems.append(f"{scenario}: no function deltas: {'; '.join(unreadable)}")
        return
    missing = [side for side, run in sides if tables[side] is None]
    if missing:
        out.problems.append(
            f"{scenario}: no {files.FUNCTIONS} on the {' and '.join(missing)} "
            f"side{'s' * (len(missing) - 1)}; "
            "function, module and category deltas need `rbprofile run --profiler cprofile`"
        )
        return
    b, a = tables["BEFORE"], tables["AFTER"]
    assert b is not None and a is not None
    if any(filled for _, filled in found.values()):
        out.notes.append(
            f"{scenario}: categories assigned from the built-in rules at compare time."
        )
    compared = compare_functions(b, a, min_change)
    deltas = compared.deltas
    out.function_tests[scenario] = compared.test
    out.functions.append((scenario, deltas))
    out.modules.append((scenario, group_deltas(deltas, _module_expr(project), "module")))
    by_category = pl.col("category").fill_null("uncategorized")
    out.categories.append((scenario, group_deltas(deltas, by_category, "category")))


def _flamegraph(
    scenario: str, before: Run, after: Run, out_dir: Path, force: bool, out: _Collected
) -> None:
    b, a = before.raw_samples, after.raw_samples
    if b is None or a is None:
        why = "; ".join(
            f"{side}: {run.why_missing(files.PYSPY_COLLAPSED).rstrip('.')}"
            for side, run, samples in (("BEFORE", before, b), ("AFTER", after, a))
            if samples is None
        )
        out.problems.append(
            f"{scenario}: no diff flamegraph (needs py-spy samples on both sides; {why})"
        )
        return
    target = out_dir / f"diff_{scenario}.svg"
    title = f"{scenario}: {before.label} -> {after.label}"
    try:
        out.flamegraphs[scenario] = write_diff_flamegraph(b, a, target, title, force=force)
    except ValueError as exc:
        out.problems.append(f"{scenario}: no diff flamegraph ({exc})")


def compare_runs(
    before: str,
    after: str,
    *,
    scenario: str | None = None,
    min_change: float = 2.0,
    min_function_change: float = MIN_FUNCTION_CHANGE_PCT,
    profiles_dir: Path | None = None,
    flamegraph_dir: Path | None = None,
    force: bool = False,
    project: str | None = None,
) -> Comparison:
    """Compare BEFORE and AFTER (labels under the profiles dir, or run directories).
    `project` overrides the package under profile the BEFORE runs recorded."""
    left = _select(resolve_side(before, profiles_dir), scenario)
    right = _select(resolve_side(after, profiles_dir), scenario)
    common = sorted(set(left.runs) & set(right.runs))
    if not common:
        raise RbprofileError(_nothing_to_compare(left, right, scenario))
    collected = _Collected(problems=_problems(left, right))
    project = project or left.runs[common[0]].project
    empty = _empty_tables(project)
    verdicts = []
    for name in common:
        b, a = left.runs[name], right.runs[name]
        verdict = _timing(name, b, a, min_change, collected)
        if verdict is not None:
            verdicts.append(verdict)
        if differs := unlike(b, a):
            collected.notes.append(f"{name}: not like for like ({'; '.join(differs)}).")
        _collect_functions(name, b, a, project, min_function_change, collected)
        if (outcomes := target_outcomes(name, b, a, project=project)) is not None:
            collected.targets.append(outcomes)
        if flamegraph_dir is not None:
            _flamegraph(name, b, a, flamegraph_dir, force, collected)
    return Comparison(
        before=before,
        after=after,
        min_change=min_change,
        min_function_change=min_function_change,
        timings=tuple(verdicts),
        functions=_with_scenario(collected.functions, empty[0]),
        modules=_with_scenario(collected.modules, empty[1]),
        categories=_with_scenario(collected.categories, empty[2]),
        geomean_speedup=geometric_mean_speedup([t.result.speedup for t in verdicts]),
        only_before=tuple(sorted(set(left.runs) - set(right.runs) - set(right.partial))),
        only_after=tuple(sorted(set(right.runs) - set(left.runs) - set(left.partial))),
        problems=tuple(collected.problems),
        notes=tuple(collected.notes),
        flamegraphs=collected.flamegraphs,
        targets=pl.concat([pl.DataFrame(schema=OUTCOME_SCHEMA), *collected.targets]),
        function_tests=collected.function_tests,
    )


def _nothing_to_compare(left: Side, right: Side, scenario: str | None) -> str:
    def listing(side: Side) -> str:
        names = sorted(side.runs) + [
            f"{s} (partial: {why})" for s, why in sorted(side.partial.items())
        ]
        return ", ".join(names) or "nothing"

    what = f"scenario {scenario!r} does not have" if scenario else "no scenario has"
    return (
        f"{what} complete runs on both sides ({left.name}: {listing(left)}; "
        f"{right.name}: {listing(right)}); run the missing scenarios with `rbprofile run`"
    )
