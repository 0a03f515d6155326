"""Per-function, per-module and per-category deltas between two functions.parquet tables.

Functions are matched by `key` (module + qualified name), never by line number, so a function
that moved inside its file is still the same function. Rows sharing a key on one side (two
lambdas in one module, say) are summed first.

Columns of `function_deltas`: key, module, qualname, category, status (improved / regressed /
not significant / not enough repeats, judged by `compare.function_verdicts` over the cProfile
repeats; new / vanished), change_pct (normalized self time, see there), p_adj, p_spread, n (repeats,
"before/after"), before_self_s, after_self_s, change_s (medians over the repeats, seconds),
before_share_pct, after_share_pct, change_pp (share of run, percentage points), before_cum_s,
after_cum_s, before_calls, after_calls; sorted by |change_s|, largest first.
`compare_functions` returns the same table with the `FunctionTest` that judged it.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from rbprofile.compare.function_verdicts import FunctionTest, judge_functions
from rbprofile.compare.stats import MIN_FUNCTION_CHANGE_PCT
from rbprofile.rundir.categories import categorized
from rbprofile.rundir.run import Run
from rbprofile.schema import FUNCTIONS_SCHEMA

# The verdict, how it was judged, and the self-time / share-of-run columns, in display order.
CHANGE_COLUMNS = (
    "status",
    "n",
    "change_pct",
    "p_adj",
    "p_spread",
    "before_self_s",
    "after_self_s",
    "change_s",
    "before_share_pct",
    "after_share_pct",
    "change_pp",
)


def categorized_functions(run: Run) -> tuple[pl.DataFrame | None, bool]:
    """The run's functions table with the categories the run recorded (or, for older runs and
    bare files, the one categorization `rbprofile.rundir.categories` gives); None without it.
    The flag says whether the categories were assigned here rather than recorded."""
    table = run.functions
    if table is None:
        return None, False
    if table.height == 0 or table["category"].is_not_null().any():
        return table, False
    result = categorized(run)
    if result is None:
        return table, False
    assigned = result.functions.select("key", "category").unique("key")
    filled = table.drop("category").join(assigned, on="key", how="left", maintain_order="left")
    return filled.select(FUNCTIONS_SCHEMA.names()), True


def _side(frame: pl.DataFrame, prefix: str) -> pl.DataFrame:
    total = frame["self_s"].sum() or 1.0
    return (
        frame.group_by("key")
        .agg(
            pl.col("module").first(),
            pl.col("qualname").first(),
            pl.col("category").drop_nulls().first(),
            pl.col("self_s").sum().alias(f"{prefix}_self_s"),
            pl.col("cum_s").max().alias(f"{prefix}_cum_s"),
            pl.col("ncalls").sum().alias(f"{prefix}_calls"),
        )
        .with_columns((pl.col(f"{prefix}_self_s") / total * 100.0).alias(f"{prefix}_share_pct"))
    )


def _status() -> pl.Expr:
    return (
        pl.when(pl.col("before_calls").is_null())
        .then(pl.lit("new"))
        .when(pl.col("after_calls").is_null())
        .then(pl.lit("vanished"))
        .otherwise(pl.col("status"))
    )


def _change(name: str, before: str, after: str) -> pl.Expr:
    return (pl.col(after).fill_null(0.0) - pl.col(before).fill_null(0.0)).alias(name)


@dataclass(frozen=True)
class FunctionComparison:
    deltas: pl.DataFrame  # the `function_deltas` table
    test: FunctionTest  # how its verdicts were reached


def compare_functions(
    before: pl.DataFrame, after: pl.DataFrame, min_change: float = MIN_FUNCTION_CHANGE_PCT
) -> FunctionComparison:
    """One row per function key on either side, with its verdict, sorted by the size of the
    self-time change."""
    test = judge_functions(before, after, min_change)
    left, right = _side(before, "before"), _side(after, "after")
    joined = left.join(right, on="key", how="full", coalesce=True, suffix="_after").join(
        test.verdicts, on="key", how="left"
    )
    deltas = (
        joined.with_columns(
            pl.coalesce("module", "module_after").alias("module"),
            pl.coalesce("qualname", "qualname_after").alias("qualname"),
            pl.coalesce("category_after", "category").alias("category"),
            _change("change_s", "before_self_s", "after_self_s"),
            _change("change_pp", "before_share_pct", "after_share_pct"),
            pl.lit(f"{test.before_repeats}/{test.after_repeats}").alias("n"),
        )
        .with_columns(_status().alias("status"))
        .select(
            "key",
            "module",
            "qualname",
            "category",
            *CHANGE_COLUMNS,
            "before_cum_s",
            "after_cum_s",
            "before_calls",
            "after_calls",
        )
        .sort(pl.col("change_s").abs(), "key", descending=[True, False])
    )
    return FunctionComparison(deltas, test)


def function_deltas(
    before: pl.DataFrame, after: pl.DataFrame, min_change: float = MIN_FUNCTION_CHANGE_PCT
) -> pl.DataFrame:
    """The `compare_functions` table alone."""
    return compare_functions(before, after, min_change).deltas


def group_deltas(deltas: pl.DataFrame, by: pl.Expr, name: str) -> pl.DataFrame:
    """Self time summed by `by` (e.g. module or category) on each side, with the change.

    Columns: <name>, before_s, after_s, change_s, before_share_pct, after_share_pct, change_pp.
    """
    return (
        deltas.group_by(by.alias(name))
        .agg(
            pl.col("before_self_s").fill_null(0.0).sum().alias("before_s"),
            pl.col("after_self_s").fill_null(0.0).sum().alias("after_s"),
            pl.col("before_share_pct").fill_null(0.0).sum().alias("before_share_pct"),
            pl.col("after_share_pct").fill_null(0.0).sum().alias("after_share_pct"),
        )
        .with_columns(
            (pl.col("after_s") - pl.col("before_s")).alias("change_s"),
            (pl.col("after_share_pct") - pl.col("before_share_pct")).alias("change_pp"),
        )
        .select(
            name,
            "before_s",
            "after_s",
            "change_s",
            "before_share_pct",
            "after_share_pct",
            "change_pp",
        )
        .sort(pl.col("change_s").abs(), name, descending=[True, False])
    )
