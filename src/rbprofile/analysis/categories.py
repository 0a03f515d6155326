"""Bottleneck categories: one primary category per function, so shares of self time sum to 100%.

categorize(functions, rules, *, samples=None, float_functions=None, float_label="float",
           unit="s", min_loop_samples=5) -> Categorized
    functions: FUNCTIONS_SCHEMA rows (cProfile) or `sampled_functions(samples)` (py-spy).
    Candidates per function: the best matching rule (its priority) and every piece of
    evidence covering more than half its self time (priority 50; a decimal-module entry
    100). The highest priority wins; on a tie evidence beats rules, and Decimal evidence
    beats loop evidence (it says what the loop does). No candidate -> "other".
Categorized.functions  key, module, qualname, self, share, category, decided_by, evidence
Categorized.summary    category, self, share, functions (all nine categories)
sampled_functions(samples) -> pl.DataFrame
    FUNCTIONS_SCHEMA-like table from py-spy: self_s/cum_s hold sample counts (every
    stack charged to its deepest Python frame, or its leaf when it has none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from rbprofile.analysis.decimal_cost import decimal_methods, decimal_native, decimal_vs_float
from rbprofile.analysis.evidence import (
    DECIDING_SHARE,
    DECIMAL_METHOD,
    DECIMAL_NATIVE,
    DECIMAL_VS_FLOAT,
    EVIDENCE_SCHEMA,
    LOOP_LINES,
)
from rbprofile.analysis.loops import loop_evidence
from rbprofile.analysis.rules import CATEGORIES, EVIDENCE_PRIORITY, OTHER, RuleSet
from rbprofile.analysis.samples import sample_counts
from rbprofile.schema import FUNCTIONS_SCHEMA

if TYPE_CHECKING:
    from rbprofile.analysis.samples import Samples

# evidence kind -> (priority, tie order: lower first)
_EVIDENCE_RANK = {
    DECIMAL_VS_FLOAT: (EVIDENCE_PRIORITY, 0),
    DECIMAL_NATIVE: (EVIDENCE_PRIORITY, 1),
    DECIMAL_METHOD: (100, 2),
    LOOP_LINES: (EVIDENCE_PRIORITY, 3),
}
CATEGORY_COLUMNS = ("key", "category", "decided_by", "evidence")
MIN_LOOP_SAMPLES = 5  # own py-spy samples a function needs before its loop lines count


@dataclass(frozen=True)
class Categorized:
    functions: pl.DataFrame
    summary: pl.DataFrame
    unit: str  # "s" (cProfile self seconds) or "samples" (py-spy)
    evidence_kinds: tuple[str, ...]  # the kinds of evidence found for at least one function


def sampled_functions(samples: Samples) -> pl.DataFrame:
    """py-spy stacks -> one row per function; self_s / cum_s are sample counts."""
    frames = samples.frames
    no_python = pl.col("native").all().over("stack")
    charged = pl.col("python_leaf") | (pl.col("leaf") & no_python)
    counts = sample_counts(frames, "key", own=charged)
    first = frames.group_by("key").agg(pl.col("module", "qualname", "file", "line").first())
    return (
        counts.join(first, on="key", how="left", maintain_order="left")
        .with_columns(
            pl.col("self_samples").alias("self_s"),
            pl.col("inclusive_samples").alias("cum_s"),
            *(
                pl.lit(None).alias(c)
                for c in (
                    "ncalls",
                    "primcalls",
                    "category",
                    "decided_by",
                    "owner",
                    "self_s_repeats",
                    "cum_s_repeats",
                )
            ),
        )
        .select(FUNCTIONS_SCHEMA.names())
        .cast(dict(FUNCTIONS_SCHEMA))  # type: ignore[arg-type]
    )


def gather_evidence(
    functions: pl.DataFrame,
    samples: Samples | None,
    float_functions: pl.DataFrame | None,
    float_label: str = "float",
    min_loop_samples: int = MIN_LOOP_SAMPLES,
) -> pl.DataFrame:
    """All evidence rows (EVIDENCE_SCHEMA) available for these inputs."""
    parts = [decimal_methods(functions)]
    if float_functions is not None:
        parts.append(decimal_vs_float(functions, float_functions, float_label))
    if samples is not None:
        parts.append(decimal_native(samples))
        parts.append(loop_evidence(samples, min_loop_samples))
    return pl.concat(parts) if parts else pl.DataFrame(schema=EVIDENCE_SCHEMA)


def _decide(
    row: dict[str, object], rules: RuleSet, evidence: list[dict[str, object]]
) -> tuple[str, str]:
    """(category, decided_by) for one function."""
    candidates: list[tuple[int, int, str, str]] = []
    for ev in evidence:
        share = ev["share"]
        if isinstance(share, float) and share > DECIDING_SHARE:
            priority, order = _EVIDENCE_RANK[str(ev["kind"])]
            candidates.append((-priority, order, str(ev["category"]), f"evidence: {ev['kind']}"))
    rule = rules.match(str(row["module"] or ""), str(row["qualname"] or ""), str(row["file"] or ""))
    if rule is not None:
        candidates.append((-rule.priority, 9, rule.category, f"rule {rule.name} ({rule.where})"))
    if not candidates:
        return OTHER, "no rule or evidence matched"
    _, _, category, why = min(candidates)
    return category, why


def _evidence_text(evidence: list[dict[str, object]]) -> str:
    return "; ".join(f"{ev['kind']}: {ev['detail']} ({ev['share']:.0%})" for ev in evidence)


def assign(functions: pl.DataFrame, rules: RuleSet, evidence: pl.DataFrame) -> pl.DataFrame:
    """key, category, decided_by, evidence for every function."""
    by_key: dict[str, list[dict[str, object]]] = {}
    for ev in evidence.iter_rows(named=True):
        by_key.setdefault(ev["key"], []).append(ev)
    rows = []
    for row in functions.select("key", "module", "qualname", "file").iter_rows(named=True):
        found = by_key.get(row["key"], [])
        category, why = _decide(row, rules, found)
        rows.append((row["key"], category, why, _evidence_text(found)))
    schema = dict.fromkeys(CATEGORY_COLUMNS, pl.String)
    return pl.DataFrame(rows, schema=schema, orient="row")


def summarize(table: pl.DataFrame) -> pl.DataFrame:
    """category, self, share, functions -- every category, largest share first."""
    total = float(table["self"].sum()) or 1.0
    grouped = table.group_by("category").agg(pl.col("self").sum(), pl.len().alias("functions"))
    every = pl.DataFrame({"category": list(CATEGORIES)})
    return (
        every.join(grouped, on="category", how="left")
        .with_columns(
            pl.col("self").fill_null(0.0), pl.col("functions").fill_null(0).cast(pl.Int64)
        )
        .with_columns((pl.col("self") / total).alias("share"))
        .with_columns(
            pl.col("category").replace_strict(CATEGORIES, range(len(CATEGORIES))).alias("_o")
        )
        .sort(["self", "_o"], descending=[True, False])
        .select("category", "self", "share", "functions")
    )


def categorize(
    functions: pl.DataFrame,
    rules: RuleSet,
    *,
    samples: Samples | None = None,
    float_functions: pl.DataFrame | None = None,
    float_label: str = "float",
    unit: str = "s",
    min_loop_samples: int = MIN_LOOP_SAMPLES,
    evidence: pl.DataFrame | None = None,
) -> Categorized:
    """One primary category per function with the rule or evidence that decided it.

    `evidence` (EVIDENCE_SCHEMA, e.g. recorded with the run) is used as given; without it the
    evidence the other inputs allow is gathered here."""
    if evidence is None:
        evidence = gather_evidence(
            functions, samples, float_functions, float_label, min_loop_samples
        )
    return _categorized(functions, assign(functions, rules, evidence), evidence, unit)


def recorded(functions: pl.DataFrame, evidence: pl.DataFrame, unit: str = "s") -> Categorized:
    """The categories a run recorded (functions.parquet's category and decided_by columns)."""
    assigned = functions.select(
        "key",
        pl.col("category").fill_null(OTHER),
        pl.col("decided_by").fill_null("recorded category"),
    ).join(_evidence_texts(evidence), on="key", how="left")
    return _categorized(functions, assigned.select(CATEGORY_COLUMNS), evidence, unit)


def _evidence_texts(evidence: pl.DataFrame) -> pl.DataFrame:
    by_key: dict[str, list[dict[str, object]]] = {}
    for ev in evidence.iter_rows(named=True):
        by_key.setdefault(ev["key"], []).append(ev)
    rows = [(key, _evidence_text(found)) for key, found in by_key.items()]
    return pl.DataFrame(rows, schema={"key": pl.String, "evidence": pl.String}, orient="row")


def _categorized(
    functions: pl.DataFrame, assigned: pl.DataFrame, evidence: pl.DataFrame, unit: str
) -> Categorized:
    total = float(functions["self_s"].sum()) or 1.0
    table = (
        functions.select("key", "module", "qualname", pl.col("self_s").alias("self"))
        .join(assigned.unique("key", keep="first"), on="key", how="left", maintain_order="left")
        .with_columns((pl.col("self") / total).alias("share"), pl.col("evidence").fill_null(""))
        .sort(["self", "key"], descending=[True, False])
        .select("key", "module", "qualname", "self", "share", "category", "decided_by", "evidence")
    )
    kinds = tuple(sorted(set(evidence["kind"].to_list())))
    return Categorized(table, summarize(table), unit, kinds)
