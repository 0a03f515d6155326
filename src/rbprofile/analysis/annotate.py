"""Record-time annotations of a run: categories with their evidence, and owners.

    annotate(profile, samples=None, *, project, twin=None, numeric=None) -> Annotations
        .functions   FUNCTIONS_SCHEMA rows of `profile` with `category` and `decided_by` (the
                     built-in rules plus every piece of evidence the inputs allow) and `owner`
                     (`function_owners`: the project function owning most of its self time,
                     or "(outside PROJECT)"); None without a cProfile profile
        .evidence    EVIDENCE_SCHEMA rows: py-spy loop lines and native Decimal frames,
                     Decimal-module entries, decimal-minus-float self time against `twin`,
                     static loop and Decimal candidates read from the sources (`ast`)
        .activity    split.ACTIVITY_SCHEMA rows: what every py-spy sample was doing (loop
                     lines need the sources); None without samples

`rbprofile run` calls it once every profiler of a scenario has finished, while the sources are
at hand (loop evidence parses them), and stores both tables in the run directory; every
command and report section then shows what was stored (`rbprofile.rundir.categories`).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from rbprofile.analysis.categories import assign, gather_evidence, sampled_functions
from rbprofile.analysis.crosscheck import profiled_window
from rbprofile.analysis.owners import function_owners
from rbprofile.analysis.pstats_source import CProfile
from rbprofile.analysis.pyspy_source import Samples
from rbprofile.analysis.rules import load_rules
from rbprofile.analysis.split import activity
from rbprofile.schema import FUNCTIONS_SCHEMA


@dataclass(frozen=True)
class FloatTwin:
    functions: pl.DataFrame
    label: str


@dataclass(frozen=True)
class Annotations:
    functions: pl.DataFrame | None
    evidence: pl.DataFrame
    activity: pl.DataFrame | None = None


def annotate(
    profile: CProfile | None,
    samples: Samples | None = None,
    *,
    project: str,
    twin: FloatTwin | None = None,
    numeric: str | None = None,
) -> Annotations:
    if samples is not None and profile is not None:
        samples, _ = profiled_window(samples, profile)
    if profile is not None:
        functions = profile.functions
    elif samples is not None:
        functions = sampled_functions(samples)
    else:
        raise ValueError("annotate needs a cProfile profile or py-spy samples")
    evidence = gather_evidence(
        functions,
        samples,
        twin.functions if twin is not None and profile is not None else None,
        twin.label if twin is not None else "float",
        numeric=numeric,
    )
    doing = activity(samples) if samples is not None else None
    if profile is None:
        return Annotations(None, evidence, doing)
    assigned = assign(functions, load_rules(), evidence).select("key", "category", "decided_by")
    owners = function_owners(profile, project)
    annotated = (
        functions.drop("category", "decided_by", "owner")
        .join(assigned, on="key", how="left", maintain_order="left")
        .with_columns(pl.col("key").replace_strict(owners, default=None).alias("owner"))
        .select(FUNCTIONS_SCHEMA.names())
    )
    return Annotations(annotated, evidence, doing)
