"""Fill the `category` and `owner` columns of a run's function table.

    annotate_functions(profile, samples=None, project="rustybt") -> pl.DataFrame
        FUNCTIONS_SCHEMA rows of `profile` with `category` (built-in rules plus the py-spy
        evidence the samples allow; no float twin, which may not exist yet) and `owner`
        (`function_owners`: the project function owning most of its self time, or
        "(outside PROJECT)").

`rbprofile run` calls it once every profiler of a scenario has finished, so functions.parquet
is self-describing; `categorize` and `analyze` recompute with all evidence available then.
"""

from __future__ import annotations

import polars as pl

from rbprofile.analysis.categories import categorize
from rbprofile.analysis.crosscheck import profiled_window
from rbprofile.analysis.owners import function_owners
from rbprofile.analysis.pstats_source import CProfile
from rbprofile.analysis.pyspy_source import Samples
from rbprofile.analysis.rules import load_rules
from rbprofile.schema import FUNCTIONS_SCHEMA


def annotate_functions(
    profile: CProfile, samples: Samples | None = None, project: str = "rustybt"
) -> pl.DataFrame:
    if samples is not None:
        samples, _ = profiled_window(samples, profile)
    functions = profile.functions
    assigned = categorize(functions, load_rules(), samples=samples).functions
    categories = dict(assigned.select("key", "category").iter_rows())
    owners = function_owners(profile, project)
    return functions.with_columns(
        pl.col("key").replace_strict(categories, default=None).alias("category"),
        pl.col("key").replace_strict(owners, default=None).alias("owner"),
    ).select(FUNCTIONS_SCHEMA.names())
