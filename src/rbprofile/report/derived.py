"""Analysis results per run, computed once per report by the analysis core and shared by the
sections that show them (Executive Summary, Bottleneck Categories, Optimization Targets).

    float_twin(run) -> Run | None          `analysis.decimal_cost.find_float_twin`
    categorized(run) -> Categorized | None `analysis.categories.categorize` with the built-in
                                           rules, py-spy evidence and the float twin's functions
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from rbprofile.analysis.categories import Categorized, categorize
from rbprofile.analysis.decimal_cost import find_float_twin
from rbprofile.analysis.rules import load_rules
from rbprofile.report.runs import Run

T = TypeVar("T")


def _memo(run: Run, name: str, compute: Callable[[], T]) -> T:
    if name not in run.derived:
        run.derived[name] = compute()
    value: T = run.derived[name]
    return value


def float_twin(run: Run) -> Run | None:
    """The float-mode run of the same scenario and bundle, for a decimal-mode run."""

    def find() -> Run | None:
        twin = find_float_twin(run.path)
        return None if twin is None else Run(twin.parent.name, twin.name, twin)

    return _memo(run, "float_twin", find)


def categorized(run: Run) -> Categorized | None:
    """Categories of the run's cProfile functions, or None without cprofile.pstats."""

    def compute() -> Categorized | None:
        profile = run.cprofile
        if profile is None:
            return None
        twin = float_twin(run)
        twin_functions = None if twin is None or twin.cprofile is None else twin.cprofile.functions
        return categorize(
            profile.functions,
            load_rules(),
            samples=run.samples,
            float_functions=twin_functions,
            float_label=twin.label if twin is not None else "float",
        )

    return _memo(run, "categorized", compute)
