"""Decimal overhead vs float baseline: for each scenario that ran in both numeric modes, the
end-to-end ratio (decimal / float) of the timing repeats with its Welch verdict, against the
30% target, and the per-function Decimal cost (self-time difference, decimal minus float).

The ratio and verdict come from `rbprofile.compare` (`timings`, `common_measure`, `judge`), so
they match `rbprofile compare <float-label> <decimal-label>`; the per-function cost from
`compare.functions.function_deltas` with `analysis.decimal_cost.decimal_vs_float`'s share. The
float run is `rbprofile.rundir.locate.float_twin`'s (same scenario and bundle, preferring the
label `<label>-float`), the same twin the run's categories used when it was recorded.
"""

from __future__ import annotations

import polars as pl

from rbprofile.analysis.decimal_cost import decimal_vs_float
from rbprofile.compare.functions import function_deltas
from rbprofile.compare.runs import common_measure, timings
from rbprofile.compare.stats import Sample, judge
from rbprofile.render import Table
from rbprofile.report.model import Block, ReportContext, Section, missing, not_available
from rbprofile.rundir import files
from rbprofile.rundir.locate import float_twin
from rbprofile.rundir.run import Run

TITLE = "Decimal overhead vs float baseline"
TARGET_PCT = 30.0
TOP = 15


def pairs(ctx: ReportContext) -> list[tuple[Run, Run]]:
    if "decimal_pairs" not in ctx.cache:
        found = []
        for run in ctx.runs:
            if run.numeric == "decimal" and (partner := float_twin(run)) is not None:
                found.append((run, partner))
        ctx.cache["decimal_pairs"] = found
    result: list[tuple[Run, Run]] = ctx.cache["decimal_pairs"]
    return result


def _target(change_pct: float) -> str:
    if change_pct <= TARGET_PCT:
        return f"within the {TARGET_PCT:.0f}% target"
    return f"over the {TARGET_PCT:.0f}% target by {change_pct - TARGET_PCT:.1f} points"


def _significance(verdict: str, p: float | None) -> str:
    if verdict == "not enough repeats":
        return "not enough repeats (fewer than 3 on a side)"
    words = {"slower": "Decimal significantly slower", "faster": "Decimal significantly faster"}
    return f"{words.get(verdict, 'not significant')} (Welch p={p:.3g})"


def ratio_row(decimal: Run, floating: Run) -> dict[str, object]:
    row: dict[str, object] = {
        "scenario": decimal.scenario,
        "decimal run": decimal.name,
        "float run": floating.name,
    }
    dec, flt = timings(decimal), timings(floating)
    measure = common_measure(flt, dec)
    if measure is None:
        return row | {"measure": "not comparable: the two runs share no timing measure"}
    key, described = measure
    verdict = judge(Sample(flt[key]), Sample(dec[key]), min_change=0.0)
    return row | {
        "measure": described,
        "decimal median s": Sample(dec[key]).median,
        "float median s": Sample(flt[key]).median,
        "decimal / float": verdict.ratio,
        "overhead": f"{verdict.change_pct:+.1f}%",
        "target": _target(verdict.change_pct),
        "significance": _significance(verdict.verdict, verdict.p),
    }


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


COST_FORMATS = {
    "float self s": "{:.4f}",
    "decimal self s": "{:.4f}",
    "Decimal cost s": "{:.4f}",
    "share change pp": "{:+.2f}",
    "Decimal share of self": "{:.0%}",
}


def cost_block(decimal: Run, floating: Run) -> Block:
    title = f"Per-function Decimal cost, {decimal.scenario} (self time decimal - float, top {TOP})"
    if decimal.functions is None or floating.functions is None:
        absent = decimal if decimal.functions is None else floating
        return f"**{title}**\n\n" + not_available(absent.why_missing(files.FUNCTIONS))
    if "Decimal" not in decimal.code_seen():
        return f"**{title}**\n\n" + not_available(
            f"{decimal.name} records numeric decimal but no decimal module appears in its profile"
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
    return Table("decimal_cost", title, frame, formats=COST_FORMATS)


def summary_lines(ctx: ReportContext) -> list[str]:
    lines = []
    for dec, flt in pairs(ctx):
        row = ratio_row(dec, flt)
        if "overhead" in row:
            lines.append(
                f"Decimal overhead, {dec.scenario}: {row['overhead']} vs {flt.name} "
                f"({row['target']}; {row['significance']})."
            )
    return lines


def section(ctx: ReportContext) -> Section:
    found = pairs(ctx)
    if not found and all(r.numeric is None for r in ctx.runs):
        return missing(
            TITLE,
            "the runs have no numeric mode (commands or imported profiles, not rustybt "
            "scenarios): the Decimal overhead compares one scenario in decimal and float mode",
        )
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
    blocks: list[Block] = [intro, ratio_table(found), *(cost_block(d, f) for d, f in found)]
    return Section(TITLE, tuple(blocks))
