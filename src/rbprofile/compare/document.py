"""`to_document(Comparison) -> Document`: the tables and notes `rbprofile compare` renders.

Tables: `timing` (one row per compared scenario with the verdict), `functions`
(per scenario the function verdicts, then the largest other changes, and how they were
judged), `modules`, `categories` when recorded, and `targets` / `calibration` (BEFORE's
optimization targets, predicted against measured) when both sides have a cProfile profile.
"""

from __future__ import annotations

import polars as pl

from rbprofile.compare.core import Comparison, ScenarioTiming
from rbprofile.compare.function_verdicts import (
    ANCHOR_MIN_SHARE_PCT,
    MAD_TO_SD,
    MIN_SHARE_PCT,
    MIN_SPREAD_FUNCTIONS,
    SPREAD_MIN_SHARE_PCT,
    FunctionTest,
)
from rbprofile.compare.functions import CHANGE_COLUMNS
from rbprofile.compare.stats import ALPHA, MIN_REPEATS
from rbprofile.compare.targets import outcome_tables
from rbprofile.render import Document, Table

TOP_FUNCTIONS = 20

_TIMING_FORMATS = {
    "before_s": "{:.4f}",
    "before_sd": "{:.4f}",
    "after_s": "{:.4f}",
    "after_sd": "{:.4f}",
    "p": "{:.3f}",
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
    "change_pct": "{:+.1f}",
    "p_adj": "{:.3g}",
    "p_spread": "{:.3g}",
}


_TIMING_SCHEMA = {
    "scenario": pl.String,
    "measure": pl.String,
    "before_s": pl.Float64,
    "before_sd": pl.Float64,
    "after_s": pl.Float64,
    "after_sd": pl.Float64,
    "n": pl.String,
    "p": pl.Float64,
    "result": pl.String,
    "verdict": pl.String,
}
_TIMING_NOTE = (
    "before_s / after_s = median of the repeats, _sd = their standard deviation, n = repeats "
    "(before/after), p = Welch's t-test (two-sided). measure: sim CPU = CPU time of the "
    "simulation phase; sim wall = its wall time; run CPU = CPU time of a command's measured "
    "call (the whole program, or its --root); total wall = the whole run. A change counts "
    "when significant at 95% and at least {min_change:g}% in size; fewer than 3 repeats on a "
    "side gives 'not enough repeats'."
)


def _timing_row(t: ScenarioTiming) -> tuple[object, ...]:
    return (
        t.scenario,
        t.measure,
        t.before.median,
        t.before.spread,
        t.after.median,
        t.after.spread,
        f"{t.before.n}/{t.after.n}",
        t.result.p,
        t.result.describe(),
        t.result.verdict,
    )


def timing_table(comparison: Comparison) -> Table:
    rows = [_timing_row(t) for t in comparison.timings]
    frame = pl.DataFrame(rows, schema=_TIMING_SCHEMA, orient="row")
    note = _TIMING_NOTE.format(min_change=comparison.min_change)
    return Table("timing", "Run time", frame, (note,), _TIMING_FORMATS)


def timing_details(comparison: Comparison) -> dict[str, dict[str, object]]:
    """Per scenario, everything behind the verdict (for `--format json`)."""
    return {
        t.scenario: {
            "measure": t.measure,
            "verdict": t.result.verdict,
            "ratio": t.result.ratio,
            "change_pct": t.result.change_pct,
            "p": t.result.p,
            "before": list(t.before.values),
            "after": list(t.after.values),
        }
        for t in comparison.timings
    }


_DECIDED = ("improved", "regressed", "new", "vanished")
_FUNCTIONS_NOTE = (
    "Top {top} per scenario: verdicts first, then the largest other changes, by self time; "
    "functions matched by module + qualified name (not line). Self times are medians over the "
    "cProfile repeats; change_s = seconds, change_pp = change in share of the run (percentage "
    "points). status is judged on normalized self time: each repeat divided by its speed "
    "factor (the median, over the Python functions holding {anchor_share:g}% of the run or "
    "more, of each one's ratio to its median), so a uniformly slower machine changes no "
    "verdict. change_pct = change of the normalized median; p_adj = Welch's t-test on its "
    "logarithm over the repeats (n = before/after); p_spread = its log change against the "
    "spread of the log changes of the Python functions holding {spread_share:g}% of the run "
    "(median, {mad_to_sd} x MAD, normal; empty with fewer than {spread_functions} of them); both "
    "Benjamini-Hochberg adjusted for the functions tested. improved / regressed "
    "= p_adj and p_spread < {alpha:g} and at least {min_change:g}% in size; not tested = under "
    "{min_share:g}% of the run on both sides; fewer than {min_repeats} repeats a side gives "
    "'not enough repeats'."
)


def _judged_note(scenario: str, test: FunctionTest) -> str:
    repeats = f"{test.before_repeats}/{test.after_repeats} cProfile repeats"
    if not test.enough:
        return (
            f"{scenario}: not enough repeats for function verdicts ({repeats}; {MIN_REPEATS} a "
            "side needed): record with `rbprofile run --profiler cprofile --cprofile-repeat 3`."
        )
    speed = (
        ""
        if test.speed_ratio is None
        else f"; speed factor AFTER/BEFORE {test.speed_ratio:.2f} (removed before judging)"
    )
    band = test.unnamed_band()
    spread = (
        f"; {test.spread_functions} functions over {SPREAD_MIN_SHARE_PCT:g}%, too few for a spread"
        if test.spread is None or band is None
        else f"; the changes of the {test.spread_functions} functions over "
        f"{SPREAD_MIN_SHARE_PCT:g}% spread by {100 * test.spread:.1f}% (sd), "
        f"so no change between {band[0]:+.0f}% and {band[1]:+.0f}% can be named"
    )
    return f"{scenario}: {repeats}, {test.tested} functions tested{speed}{spread}."


def functions_table(comparison: Comparison, top: int = TOP_FUNCTIONS) -> Table:
    frame = comparison.functions
    if frame.height:
        decided = pl.col("status").is_in(_DECIDED)
        frame = (
            frame.sort(decided, pl.col("change_s").abs(), descending=True, maintain_order=True)
            .filter(pl.int_range(pl.len()).over("scenario") < top)
            .select("scenario", pl.col("key").alias("function"), *CHANGE_COLUMNS)
        )
    note = _FUNCTIONS_NOTE.format(
        top=top,
        alpha=ALPHA,
        min_change=comparison.min_function_change,
        min_share=MIN_SHARE_PCT,
        anchor_share=ANCHOR_MIN_SHARE_PCT,
        spread_share=SPREAD_MIN_SHARE_PCT,
        spread_functions=MIN_SPREAD_FUNCTIONS,
        mad_to_sd=MAD_TO_SD,
        min_repeats=MIN_REPEATS,
    )
    judged = tuple(_judged_note(s, t) for s, t in sorted(comparison.function_tests.items()))
    return Table(
        "functions",
        "Functions: improved, regressed, new, vanished",
        frame,
        (note, *judged),
        _DELTA_FORMATS,
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
    notes.extend(comparison.notes)
    notes.extend(f"Diff flamegraph ({s}): {p}" for s, p in sorted(comparison.flamegraphs.items()))
    return tuple(notes)


def to_document(comparison: Comparison, top: int = TOP_FUNCTIONS) -> Document:
    tables = [timing_table(comparison), functions_table(comparison, top)]
    tables.append(_group_table("modules", "Modules", comparison.modules))
    if comparison.categories.height:
        tables.append(_group_table("categories", "Categories", comparison.categories))
    tables += outcome_tables(comparison.targets)
    meta: dict[str, object] = {
        "before": comparison.before,
        "after": comparison.after,
        "min_change_pct": comparison.min_change,
        "min_function_change_pct": comparison.min_function_change,
        "geomean_speedup": comparison.geomean_speedup,
        "scenarios": timing_details(comparison),
        "functions_judged": {s: t.to_json() for s, t in comparison.function_tests.items()},
        "only_before": list(comparison.only_before),
        "only_after": list(comparison.only_after),
        "problems": list(comparison.problems),
        "flamegraphs": {s: str(p) for s, p in comparison.flamegraphs.items()},
    }
    return Document(
        title=f"Comparison: {comparison.before} -> {comparison.after}",
        tables=tuple(tables),
        notes=summary_notes(comparison),
        meta=meta,
    )
