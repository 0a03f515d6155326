"""Optimization targets of a run, as a `Table` (`analyze --targets` and the report).

    targets_table(run, *, project, rules=None, speedups=None, top=10) -> Table

Categories are the run's own (`rbprofile.rundir.categories.categorized`); kernel speedups are
the rules' `[speedup]` table, overridden by `speedups` (`--speedup CATEGORY=X`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from rbprofile.analysis.rules import load_rules
from rbprofile.analysis.targets import optimization_targets
from rbprofile.errors import RbprofileError
from rbprofile.render import Table
from rbprofile.rundir.categories import categorized
from rbprofile.rundir.run import Run
from rbprofile.views.sampled import sampling_note


def targets_table(
    run: Run,
    *,
    project: str,
    rules: Path | None = None,
    speedups: Mapping[str, float] | None = None,
    top: int = 10,
) -> Table:
    result = categorized(run, rules)
    if result is None:
        raise RbprofileError(f"{run.name}: optimization targets need a .pstats or py-spy file")
    factors = {**load_rules(rules).speedups, **(speedups or {})}
    table = optimization_targets(
        result,
        profile=run.cprofile,
        samples=run.samples,
        speedups=factors,
        project=project,
        top=top,
    )
    if run.samples is None:
        return table
    return replace(table, notes=(*table.notes, sampling_note(run, run.samples)))
