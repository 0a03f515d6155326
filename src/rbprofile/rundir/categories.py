"""The categories of a run: one decision, shown everywhere.

    categorized(run, rules=None) -> Categorized | None

What a run recorded (functions.parquet's `category` / `decided_by`, evidence.parquet,
activity.parquet) is what `analyze`, `categorize`, `compare` and every report section show.
Only `--rules` recomputes, and then from the recorded evidence and activity (so no source file
is needed). Bare profiler files, and runs recorded before categories were stored, are
categorized here from the evidence their data allows (py-spy loop lines and native Decimal
frames, Decimal-module entries, a float-mode twin's self times, static loop and Decimal
candidates from the sources); a run recorded before activity.parquet existed gets its split
breakdown from its samples here. None when the run has neither a cProfile profile nor py-spy
samples.
"""

from __future__ import annotations

from pathlib import Path

from rbprofile.analysis.categories import Categorized, categorize, recorded, sampled_functions
from rbprofile.analysis.rules import load_rules
from rbprofile.analysis.split import activity
from rbprofile.rundir import files
from rbprofile.rundir.locate import float_twin
from rbprofile.rundir.run import Run


def categorized(run: Run, rules: Path | None = None) -> Categorized | None:
    key = f"categorized:{rules}"
    if key not in run.cache:
        run.cache[key] = _compute(run, rules)
    result: Categorized | None = run.cache[key]
    return result


def _compute(run: Run, rules: Path | None) -> Categorized | None:
    profile = run.cprofile
    if profile is not None:
        functions, unit = profile.functions, "s"
    elif run.samples is not None:
        functions, unit = sampled_functions(run.samples), "samples"
    else:
        return None
    stored = run.evidence if run.path is not None else None
    doing = run.activity if run.file(files.ACTIVITY) is not None else None
    if doing is None and run.samples is not None:
        doing = activity(run.samples)
    has_categories = unit == "s" and functions["category"].is_not_null().any()
    if rules is None and stored is not None and has_categories:
        return recorded(functions, stored, unit, doing, design=run.sampling_design)
    twin = float_twin(run) if stored is None and unit == "s" else None
    twin_profile = twin.cprofile if twin is not None else None
    return categorize(
        functions,
        load_rules(rules),
        samples=run.samples,
        float_functions=twin_profile.functions if twin_profile is not None else None,
        float_label=twin.name if twin is not None else "float",
        unit=unit,
        evidence=stored,
        activity=doing,
        numeric=run.numeric,
    )
