"""`compare` core: noise-aware timing verdicts, function/module/category deltas, diff flamegraph.

compare_runs(before, after, *, scenario=None, min_change=2.0, min_function_change=10.0,
             profiles_dir=None, flamegraph_dir=None, force=False, project=None) -> Comparison
to_document(Comparison, top=20) -> rbprofile.render.Document
Comparison.regressions(pct) -> scenarios significantly slower by more than pct percent
write_diff_flamegraph(before_collapsed, after_collapsed, out_svg, title) -> Path
"""

from __future__ import annotations

from rbprofile.compare.core import Comparison, ScenarioTiming, compare_runs
from rbprofile.compare.diff_flamegraph import write_diff_flamegraph
from rbprofile.compare.document import to_document

__all__ = ["Comparison", "ScenarioTiming", "compare_runs", "to_document", "write_diff_flamegraph"]
