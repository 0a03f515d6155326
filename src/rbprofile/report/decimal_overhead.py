"""Decimal overhead vs float baseline: for each scenario that ran in both numeric modes, the
end-to-end ratio (decimal / float) of the timing repeats with its Welch verdict, against the
30% target, and the per-function Decimal cost (self-time difference, decimal minus float).

The ratio and verdict come from `rbprofile.compare` (`load_run`, `common_measure`, `judge`),
so they match `rbprofile compare <float-label> <decimal-label>`; the per-function cost from
`compare.functions.function_deltas` with `analysis.decimal_cost.decimal_vs_float`'s share.
The float run is the one `rbprofile categorize` uses (`find_float_twin`: same scenario and
bundle, preferring the label `<label>-float`).
"""

from __future__ import annotations

import polars as pl

from rbprofile.analysis.decimal_cost import decimal_vs_float
from rbprofile.compare.functions import function_deltas
from rbprofile.compare.runs import common_measure, load_run
from rbprofile.compare.stats import Sample, judge
from rbprofile.render import Table
from rbprofile.report.derived import float_twin
from rbprofile.report.model import ReportContext, Section, missing, table_block
from rbprofile.report.runs import Run

TITLE = "Decimal overhead vs float baseline"
TARGET_PCT = 30.0
TOP = 15


def pairs(ctx: ReportContext) -> list[tuple[Run, Run]]:
    found = []
    for run in ctx.runs:
        if run.numeric == "decimal" and (partner := float_twin(run)) is not None:
            found.append((run, partner))
    return found


def _target(change_pct: float) -> str:
    if change_pct <= TARGET_PCT:
        return f"within the {TARGET_PCT:.0f}% target"
    return f"over the {TARGET_PCT:.0f}% target by {change_pct - TARGET_PCT:.1f} points"


def ratio_row(decimal: Run, floating: Run) -> dict[str, object]:
    try:
        dec, flt = load_run(decimal.path), load_run(floating.path)
        key, measure = common_measure(flt, dec)
    except ValueError as exc:
        return {
            "scenario": decimal.scenario,
            "decimal run": decimal.name,
            "float run": floating.name,
            "measure": f"not comparable: {exc}",
        }
    verdict = judge(Sample(flt.timings[key]), Sample(dec.timings[key]), min_change=0.0)
    return {
        "scenario": decimal.scenario,
        "decimal run": decimal.name,
        "float run": floating.name,
        "measure": measure,
        "decimal median s": Sample(dec.timings[key]).median,
        "float median s": Sample(flt.timings[key]).median,
        "decimal / float": verdict.ratio,
        "overhead": f"{verdict.change_pct:+.1f}%",
        "target": _target(verdict.change_pct),
        "significance": _significance(verdict.verdict, verdict.p),
    }


def _significance(verdict: str, p: float | None) -> str:
    if verdict == "not enough repeats":
        return "not enough repeats (fewer than 3 on a side)"
    words = {"slower": "Decimal significantly slower", "faster": "Decimal significantly faster"}
    return f"{words.get(verdict, 'not significant')} (Welch p={p:.3g})"


def ratio_table(found: list[tuple[Run, Run]]) -> Table:
    frame = pl.DataFrame([ratio_row(d, f) for d, f in found])
    return Table(
        "decimal_ratio",
        "End-to-end: decimal mode vs float mode",
        frame,
        formats={
            "decimal median s": "{:.4f}",
            "float median s": "{:.4f}",
            "decimal / float": "{:.3f}x",
        },
    )


def cost_block(decimal: Run, floating: Run) -> str:
    title = f"Per-function Decimal cost, {decimal.scenario} (self time decimal - float, top {TOP})"
    if decimal.functions is None or floating.functions is None:
        reason = (
            decimal.why_missing("functions.parquet", "cprofile")
            if decimal.functions is None
            else floating.why_missing("functions.parquet", "cprofile")
        )
        return f"**{title}**\n\n_Not available: {reason}_"
    if "Decimal" not in decimal.code_seen():
        return (
            f"**{title}**\n\n_Not available: {decimal.name} records numeric decimal but no "
            "decimal module appears in its profile._"
        )
    deltas = function_deltas(floating.functions, decimal.functions)
    shares = decimal_vs_float(decimal.functions, floating.functions, floating.name).select(
        "key", pl.col("share").alias("Decimal share of self")
    )
    frame = (
        deltas.join(shares, on="key", how="left")
        .filter(pl.col("change_s") > 0)
        .sort("change_s", "key", descending=[True, False])
        .head(TOP)
        .select(
            "key",
            "status",
            pl.col("before_self_s").alias("float self s"),
            pl.col("after_self_s").alias("decimal self s"),
            pl.col("change_s").alias("Decimal cost s"),
            "Decimal share of self",
            pl.col("change_pp").alias("share change pp"),
        )
    )
    return table_block(
        Table(
            "decimal_cost",
            title,
            frame,
            formats={
                "float self s": "{:.4f}",
                "decimal self s": "{:.4f}",
                "Decimal cost s": "{:.4f}",
                "share change pp": "{:+.2f}",
                "Decimal share of self": "{:.0%}",
            },
        )
    )


def section(ctx: ReportContext) -> Section:
    found = pairs(ctx)
    if not found:
        modes = ", ".join(sorted({f"{r.name}: {r.numeric}" for r in ctx.runs}))
        return missing(
            TITLE,
            f"no scenario ran in both numeric modes ({modes}); add a float "
            "baseline with `rbprofile run all --numeric float --label baseline-float`",
        )
    intro = (
        f"Overhead = decimal-mode median / float-mode median - 1 on the same scenario and "
        f"bundle; the target is at most {TARGET_PCT:.0f}%. Significance: Welch's t-test "
        "at 95% over the timing repeats (as in `rbprofile compare`)."
    )
    return Section(
        TITLE, (intro, table_block(ratio_table(found)), *(cost_block(d, f) for d, f in found))
    )
