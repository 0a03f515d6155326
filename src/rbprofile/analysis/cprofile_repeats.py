"""K cProfile dumps of the same program -> one function table with medians and every repeat.

    merge_repeats(profiles) -> Repeats
    Repeats.functions      FUNCTIONS_SCHEMA: self_s / cum_s = median over the repeats;
                           self_s_repeats / cum_s_repeats = each repeat's value, in repeat order
                           (0.0 in a repeat that never called the function); ncalls / primcalls
                           and the identity columns from the kept repeat
    Repeats.edges          EDGES_SCHEMA: the kept repeat's caller edges (what cprofile.pstats holds)
    Repeats.totals_s       each repeat's total (pstats total_tt = the sum of its self times)
    Repeats.kept           index of the repeat whose total is the median (the lower one for an
                           even count): its raw dump is kept as the run's cprofile.pstats
    Repeats.calls_differ   keys whose call counts are not the same in every repeat (none for a
                           deterministic program; a function missing from a repeat counts)

A function's median is over all K values, zeros included, so medians stay comparable across
functions; the per-repeat lists let `compare` test each change against the repeat-to-repeat noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from rbprofile.analysis.pstats_source import CProfile
from rbprofile.schema import FUNCTIONS_SCHEMA


@dataclass(frozen=True)
class Repeats:
    functions: pl.DataFrame
    edges: pl.DataFrame
    totals_s: tuple[float, ...]
    kept: int
    calls_differ: tuple[str, ...]


def median_index(values: Sequence[float]) -> int:
    """The index of the median value (the lower middle one for an even count)."""
    if not values:
        raise ValueError("no values")
    order = sorted(range(len(values)), key=lambda i: (values[i], i))
    return order[(len(values) - 1) // 2]


def merge_repeats(profiles: Sequence[CProfile]) -> Repeats:
    """One table from the repeats' tables (see the module docstring)."""
    if not profiles:
        raise ValueError("merge_repeats needs at least one profile")
    totals = tuple(p.total_s for p in profiles)
    kept = median_index(totals)
    order = [kept, *(i for i in range(len(profiles)) if i != kept)]
    identity = pl.concat([profiles[i].functions for i in order]).unique(
        "key", keep="first", maintain_order=True
    )
    wide = identity.drop("self_s", "cum_s", "self_s_repeats", "cum_s_repeats")
    for i, profile in enumerate(profiles):
        per_repeat = profile.functions.select(
            "key",
            pl.col("self_s").alias(f"_self{i}"),
            pl.col("cum_s").alias(f"_cum{i}"),
            pl.col("ncalls").alias(f"_calls{i}"),
        )
        wide = wide.join(per_repeat, on="key", how="left", maintain_order="left")
    k = range(len(profiles))
    calls = [pl.col(f"_calls{i}") for i in k]
    differ = wide.filter(
        (pl.concat_list(calls).list.n_unique() > 1) | pl.any_horizontal(c.is_null() for c in calls)
    )["key"]
    functions = wide.with_columns(
        pl.concat_list([pl.col(f"_self{i}").fill_null(0.0) for i in k]).alias("self_s_repeats"),
        pl.concat_list([pl.col(f"_cum{i}").fill_null(0.0) for i in k]).alias("cum_s_repeats"),
    ).with_columns(
        pl.col("self_s_repeats").list.median().alias("self_s"),
        pl.col("cum_s_repeats").list.median().alias("cum_s"),
    )
    return Repeats(
        functions=functions.select(FUNCTIONS_SCHEMA.names()).cast(dict(FUNCTIONS_SCHEMA)),  # type: ignore[arg-type]
        edges=profiles[kept].edges,
        totals_s=totals,
        kept=kept,
        calls_differ=tuple(sorted(differ.to_list())),
    )
