"""`compare` core: noise-aware timing verdicts, function/module/category deltas, diff flamegraph.

compare_runs(before, after, *, scenario=None, min_change=2.0, min_function_change=10.0,
             profiles_dir=None, flamegraph_dir=None, force=False, project=None) -> Comparison
to_document(Comparison, top=20) -> rbprofile.render.Document
Comparison.regressions(pct) -> scenarios significantly slower by more than pct percent
write_diff_flamegraph(before_collapsed, after_collapsed, out_svg, title) -> Path

The names are imported on first use: the core reads the run's bundle (pandas,
exchange_calendars), which the CLI's other commands and `--help` should not pay for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rbprofile.compare.core import Comparison, ScenarioTiming, compare_runs
    from rbprofile.compare.diff_flamegraph import write_diff_flamegraph
    from rbprofile.compare.document import to_document

_WHERE = {
    "Comparison": "core",
    "ScenarioTiming": "core",
    "compare_runs": "core",
    "to_document": "document",
    "write_diff_flamegraph": "diff_flamegraph",
}
__all__ = ["Comparison", "ScenarioTiming", "compare_runs", "to_document", "write_diff_flamegraph"]


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"rbprofile.compare.{module}"), name)
