"""`categorize` core: one run -> a `Document` of category shares (and, with --explain, the
rule or evidence that decided each function).

With py-spy samples the first table ("categories") is the breakdown split inside functions
by what the samples were doing, with 95% intervals, and "labels" adds up self time by each
function's single category; without samples "categories" is that single-label table.

    categorize_run(target, options=CategorizeOptions()) -> rbprofile.render.Document
    categorize(run, options) -> Document          (for a `Run` already at hand: the report)

The categories are the run's recorded ones (`rbprofile.rundir.categories.categorized`);
`--rules` recomputes them from the recorded evidence with the user's rules added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from rbprofile.analysis.categories import MIN_LOOP_SAMPLES, Categorized
from rbprofile.analysis.evidence import (
    DECIDING_SHARE,
    DECIMAL_METHOD,
    DECIMAL_NATIVE,
    DECIMAL_STATIC,
    DECIMAL_VS_FLOAT,
    LOOP_LINES,
    LOOP_STATIC,
)
from rbprofile.analysis.intervals import (
    UNCERTAIN,
    interval_note,
    interval_text,
    judge,
    wilson,
    with_intervals,
)
from rbprofile.analysis.rules import load_rules
from rbprofile.errors import RbprofileError
from rbprofile.render import Document, Table
from rbprofile.rundir.categories import categorized
from rbprofile.rundir.locate import locate
from rbprofile.rundir.run import Run
from rbprofile.views.sampled import filenames_note, sampling_note
from rbprofile.views.tables import PCT


@dataclass(frozen=True)
class CategorizeOptions:
    scenario: str | None = None
    rules: Path | None = None
    explain: bool = False
    top: int = 25
    profiles_dir: Path | None = None


def _evidence_notes(run: Run, result: Categorized) -> list[str]:
    used = set(result.evidence_kinds)
    kinds = (DECIMAL_VS_FLOAT, DECIMAL_NATIVE, DECIMAL_METHOD, DECIMAL_STATIC)
    decimal = [k for k in kinds if k in used]
    twin = (
        ""
        if DECIMAL_VS_FLOAT in used
        else (
            " (record the scenario with --numeric float under another label first to measure it)."
            if run.numeric == "decimal"
            else ""
        )
    )
    notes = [
        "Decimal arithmetic evidence: " + ("; ".join(decimal) if decimal else "none found") + twin
    ]
    static = f" Without them: {LOOP_STATIC} ({'found' if LOOP_STATIC in used else 'none found'})."
    if run.samples is None:
        notes.append(
            "Loops: no py-spy line samples (run with --profiler pyspy to measure them)." + static
        )
    elif run.samples.short_filenames:
        notes.append(
            f"Loops: {LOOP_LINES} not measured (the py-spy frames name no source file)." + static
        )
    else:
        found = "found" if LOOP_LINES in used else "no function had enough samples"
        notes.append(
            f"Loops: {LOOP_LINES} with the function's source parsed by ast "
            f"(at least {MIN_LOOP_SAMPLES} own samples; {found})." + static
        )
    if used & {LOOP_STATIC, DECIMAL_STATIC}:
        notes.append(
            "Static evidence (kinds starting 'static:') is read from the source, not measured: "
            "its share is 'not measured' and it decides only where no rule or measured "
            "evidence does."
        )
    return notes


def _unit_column(unit: str) -> tuple[str, str]:
    return ("self_s", "{:.4f}") if unit == "s" else ("samples", "{:.0f}")


_SAMPLED_EVIDENCE = (LOOP_LINES, DECIMAL_NATIVE)
_OWN_SAMPLES = re.compile(r"(\d+)/(\d+) own")
SAMPLED_FORMATS = {"share": PCT, "share_lo": PCT, "share_hi": PCT}


def evidence_certainty(evidence: str, design: float = 1.0) -> str:
    """ "uncertain: ..." when a py-spy evidence share's 95% interval holds the deciding 50%
    (the evidence text says `k/n own samples`; `design`: the samples' design effect), else ""."""
    found = []
    for part in evidence.split("; "):
        kind = next((k for k in _SAMPLED_EVIDENCE if part.startswith(f"{k}:")), None)
        counts = _OWN_SAMPLES.search(part) if kind else None
        if kind is None or counts is None:
            continue
        k, n = int(counts[1]), int(counts[2])
        lo, hi = wilson(k, n, design=design)
        if judge(lo, hi, DECIDING_SHARE) == UNCERTAIN:
            found.append(f"{kind} {k}/{n}, 95% interval {interval_text(lo, hi)} holds 50%")
    return f"uncertain: {'; '.join(found)}" if found else ""


def _sampled(frame: pl.DataFrame, result: Categorized) -> pl.DataFrame:
    """Shares of py-spy samples get their 95% interval."""
    if result.unit != "samples":
        return frame
    total = float(result.summary["self"].sum())
    return with_intervals(frame, {"share": "samples"}, total, result.design)


def _split_table(split: pl.DataFrame, design: float) -> Table:
    total = int(split["samples"].sum())
    note = (
        f"Split inside functions by what the {total} py-spy samples were doing: native "
        "_decimal/libmpdec frames under a function are Decimal arithmetic; under project code, "
        "polars/pandas/numpy/pyarrow frames are data processing, its lines inside a loop "
        "loops, its other lines its rule's category (its own code: Python per-call logic); "
        "library code keeps its rule's category; 'other' is what nothing explains. Shares sum "
        "to 100%; share_low..share_high is the 95% Wilson interval"
        + (
            f", widened for the samples' measured correlation (design effect {design:.2f})."
            if design > 1.0
            else "."
        )
    )
    formats = {"share": PCT, "share_low": PCT, "share_high": PCT}
    title = "Bottleneck categories (share of sampled time, split inside functions)"
    return Table("categories", title, split, (note,), formats)


def _tables(result: Categorized, opts: CategorizeOptions) -> list[Table]:
    column, spec = _unit_column(result.unit)
    summary = _sampled(result.summary.rename({"self": column}), result)
    notes = ["One primary category per function; shares sum to 100%."]
    if result.unit == "samples":
        notes.append(interval_note(result.design))
    by_label = Table(
        "categories" if result.split is None else "labels",
        "Bottleneck categories (share of self time)"
        if result.split is None
        else "Self time by each function's single category",
        summary,
        tuple(notes),
        {column: spec, **SAMPLED_FORMATS},
    )
    tables = (
        [by_label]
        if result.split is None
        else [_split_table(result.split, result.design), by_label]
    )
    if opts.explain:
        frame = result.functions.rename({"self": column}).drop("module", "qualname").head(opts.top)
        if result.split is None:
            frame = frame.drop("split")
        frame = _sampled(frame, result).with_columns(
            pl.col("evidence")
            .map_elements(
                lambda text: evidence_certainty(text, result.design), return_dtype=pl.String
            )
            .alias("certainty")
        )
        split_note = (
            "; split: its own py-spy samples by category" if result.split is not None else ""
        )
        note = (
            f"Top {opts.top} functions by self time, with the rule or evidence that decided each"
            f"{split_note}. certainty: 'uncertain' when a py-spy evidence share (loop lines, "
            "Decimal native frames) has a 95% Wilson interval that holds the deciding 50%."
        )
        formats = {column: spec, **SAMPLED_FORMATS}
        tables.append(
            Table("functions", "Why each function got its category", frame, (note,), formats)
        )
    return tables


def _rules_note(run: Run, rules: Path | None) -> str:
    count = len(load_rules(rules).rules)
    if rules is not None:
        return f"Rules: built-in + {rules} ({count} rules), applied to the recorded evidence."
    if run.path is not None and run.evidence is not None:
        # the rules of the run's rbprofile, not today's: their count is not recorded
        return "Categories as recorded with the run (its rbprofile's built-in rules)."
    return f"Rules: built-in ({count} rules)."


def categorize(run: Run, opts: CategorizeOptions) -> Document:
    result = categorized(run, opts.rules)
    if result is None:
        raise RbprofileError(f"{run.name}: nothing to categorize ({run.why_no_profile()})")
    notes = [_rules_note(run, opts.rules), *_evidence_notes(run, result)]
    if run.samples is not None:
        notes.append(sampling_note(run, run.samples))
    short = filenames_note(run.samples)
    if short is not None:
        notes.append(short)
    return Document(
        title=f"rbprofile categorize: {run.name}",
        tables=tuple(_tables(result, opts)),
        notes=tuple(notes),
        meta={
            "target": run.name,
            "unit": result.unit,
            "evidence": list(result.evidence_kinds),
            "split_samples": None if result.split is None else int(result.split["samples"].sum()),
        },
    )


def categorize_run(target: str, options: CategorizeOptions | None = None) -> Document:
    """Resolve `target`, then its categories."""
    opts = options or CategorizeOptions()
    return categorize(locate(target, opts.scenario, opts.profiles_dir), opts)
