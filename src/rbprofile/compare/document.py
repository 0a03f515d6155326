"""`to_document(Comparison) -> Document`: the tables and notes `rbprofile compare` renders.

Tables: `timing` (primary; one row per compared scenario with the verdict), `functions`
(the largest function changes per scenario), `modules`, and `categories` when recorded.
"""

from __future__ import annotations

import polars as pl

from rbprofile.compare.core import Comparison, ScenarioTiming
from rbprofile.compare.functions import CHANGE_COLUMNS
from rbprofile.render import Document, Table

TOP_FUNCTIONS = 20

_TIMING_FORMATS = {
    "before_median_s": "{:.4f}",
    "before_spread_s": "{:.4f}",
    "after_median_s": "{:.4f}",
    "after_spread_s": "{:.4f}",
    "change_pct": "{:+.1f}",
    "p_value": "{:.3g}",
}
_DELTA_FORMATS = {
    "before_self_s": "{:.4f}",
    "after_self_s": "{:.4f}",
    "before_s": "{:.4f}",
    "after_s": "{:.4f}",
    "change_s": "{:+.4f}",
    "before_share_pct": "{:.1f}",
    "after_share_pct": "{:.1f}",
    "change_pp": "{:+.1f}",
}


def _timing_row(t: ScenarioTiming) -> dict[str, object]:
    return {
        "scenario": t.scenario,
        "measure": t.measure,
        "before_median_s": t.before.median,
        "before_spread_s": t.before.spread,
        "before_n": t.before.n,
        "after_median_s": t.after.median,
        "after_spread_s": t.after.spread,
        "after_n": t.after.n,
        "change_pct": t.result.change_pct,
        "p_value": t.result.p,
        "result": t.result.describe(),
        "verdict": t.result.verdict,
    }


def timing_table(comparison: Comparison) -> Table:
    schema = {
        "scenario": pl.String,
        "measure": pl.String,
        "before_median_s": pl.Float64,
        "before_spread_s": pl.Float64,
        "before_n": pl.Int64,
        "after_median_s": pl.Float64,
        "after_spread_s": pl.Float64,
        "after_n": pl.Int64,
        "change_pct": pl.Float64,
        "p_value": pl.Float64,
        "result": pl.String,
        "verdict": pl.String,
    }
    frame = pl.DataFrame([_timing_row(t) for t in comparison.timings], schema=schema, orient="row")
    notes = (
        "spread = standard deviation of the repeats; p_value = Welch's t-test (two-sided). "
        f"A change is significant at 95% and at least {comparison.min_change:g}% in size; "
        "fewer than 3 repeats on a side gives 'not enough repeats'.",
    )
    return Table("timing", "Run time (median of repeats)", frame, notes, _TIMING_FORMATS)


def functions_table(comparison: Comparison, top: int = TOP_FUNCTIONS) -> Table:
    frame = comparison.functions
    if frame.height:
        frame = (
            frame.filter(pl.col("status") != "unchanged")
            .filter(pl.int_range(pl.len()).over("scenario") < top)
            .select(
                "scenario",
                pl.col("key").alias("function"),
                *CHANGE_COLUMNS,
            )
        )
    notes = (
        f"Top {top} changes per scenario by self time; functions matched by module + qualified "
        "name (not line). change_s = seconds of self time; change_pp = change in share of the "
        "run, percentage points.",
    )
    return Table(
        "functions", "Functions: improved, regressed, new, vanished", frame, notes, _DELTA_FORMATS
    )


def _group_table(name: str, title: str, frame: pl.DataFrame) -> Table:
    notes = ("Self time summed per group on each side; change_pp in percentage points of the run.",)
    return Table(name, title, frame, notes, _DELTA_FORMATS)


def summary_notes(comparison: Comparison) -> tuple[str, ...]:
    notes = []
    if comparison.geomean_speedup is not None:
        g = comparison.geomean_speedup
        words = f"{g:.2f}x faster" if g > 1 else f"{1 / g:.2f}x slower" if g < 1 else "1.00x"
        notes.append(
            f"Geometric-mean speedup over {len(comparison.timings)} scenario(s): {words} "
            f"({comparison.after} vs {comparison.before})."
        )
    if comparison.only_before:
        notes.append(
            f"Only in {comparison.before} (not compared): {', '.join(comparison.only_before)}."
        )
    if comparison.only_after:
        notes.append(
            f"Only in {comparison.after} (not compared): {', '.join(comparison.only_after)}."
        )
    notes.extend(f"Missing: {p}." for p in comparison.problems)
    notes.extend(f"Diff flamegraph ({s}): {p}" for s, p in sorted(comparison.flamegraphs.items()))
    return tuple(notes)


def to_document(comparison: Comparison, top: int = TOP_FUNCTIONS) -> Document:
    tables = [timing_table(comparison), functions_table(comparison, top)]
    tables.append(_group_table("modules", "Modules", comparison.modules))
    if comparison.categories.height:
        tables.append(_group_table("categories", "Categories", comparison.categories))
    meta: dict[str, object] = {
        "before": comparison.before,
        "after": comparison.after,
        "min_change_pct": comparison.min_change,
        "geomean_speedup": comparison.geomean_speedup,
        "only_before": list(comparison.only_before),
        "only_after": list(comparison.only_after),
        "problems": list(comparison.problems),
        "flamegraphs": {s: str(p) for s, p in comparison.flamegraphs.items()},
    }
    return Document(
        title=f"Comparison: {comparison.before} -> {comparison.after}",
        tables=tuple(tables),
        notes=summary_notes(comparison),
        primary="timing",
        meta=meta,
    )
