"""Bottleneck categories: one primary category per function (the function table), and the
category breakdown, split inside functions by what the py-spy samples were doing.

categorize(functions, rules, *, samples=None, float_functions=None, float_label="float",
           unit="s", min_loop_samples=5, evidence=None, activity=None, numeric=None)
           -> Categorized
    functions: FUNCTIONS_SCHEMA rows (cProfile) or `sampled_functions(samples)` (py-spy).
    Candidates per function: the best matching rule (its priority) and every piece of
    measured evidence covering more than half its self time (priority 50; a decimal-module
    entry 100); static evidence (ast, no share) has priority 20, above only the python-code
    fallback rule. The highest priority wins; on a tie evidence beats rules, and Decimal
    evidence beats loop evidence (it says what the loop does). No candidate -> "other".
Categorized.functions  key, module, qualname, self, share, category, decided_by, evidence,
                       split (its own samples by category, "" without samples)
Categorized.summary    category, self, share, functions (every category, by single label)
Categorized.split      category, samples, share, share_low, share_high, functions -- or None
    without samples: every sample (rbprofile.analysis.split.activity) goes to
      1. Decimal arithmetic when a `_decimal`/libmpdec frame is under its Python frame;
      2. for a function the rules do not place in a library (no rule above priority 50:
         project and unknown code), the category of the nearest native frame under it that
         a rule places outside Python overhead: data processing (polars, pandas, numpy,
         pyarrow ...), datetime/calendar ...; then "loops" for a line inside one of its
         loops; then, for its other lines, its rule's category (a project function's own
         code: Python per-call logic);
      3. else (library code, waiting, no Python frame, py-spy without native frames) the
         function's single label.
    share_low/high: the 95% Wilson interval of each share.
sampled_functions(samples) -> pl.DataFrame
    FUNCTIONS_SCHEMA-like table from py-spy: self_s/cum_s hold sample counts (every
    stack charged to its deepest Python frame, or its leaf when it has none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from rbprofile.analysis.decimal_ast import static_decimal_evidence
from rbprofile.analysis.decimal_cost import (
    DECIMAL_MODULES,
    decimal_methods,
    decimal_native,
    decimal_vs_float,
)
from rbprofile.analysis.evidence import (
    DECIDING_SHARE,
    DECIMAL_METHOD,
    DECIMAL_NATIVE,
    DECIMAL_STATIC,
    DECIMAL_VS_FLOAT,
    EVIDENCE_SCHEMA,
    LOOP_LINES,
    LOOP_STATIC,
    STATIC_KINDS,
    STATIC_PRIORITY,
    own_samples,
)
from rbprofile.analysis.intervals import wilson_exprs
from rbprofile.analysis.loops import loop_evidence, static_loop_evidence
from rbprofile.analysis.rules import (
    CATEGORIES,
    DECIMAL,
    EVIDENCE_PRIORITY,
    LOOPS,
    OTHER,
    OVERHEAD,
    PER_CALL,
    RuleSet,
    load_rules,
)
from rbprofile.analysis.samples import sample_counts
from rbprofile.analysis.split import IDLE, LOOP, NATIVE, PYTHON
from rbprofile.schema import FUNCTIONS_SCHEMA

if TYPE_CHECKING:
    from rbprofile.analysis.samples import Samples

# evidence kind -> (priority, tie order: lower first)
_EVIDENCE_RANK = {
    DECIMAL_VS_FLOAT: (EVIDENCE_PRIORITY, 0),
    DECIMAL_NATIVE: (EVIDENCE_PRIORITY, 1),
    DECIMAL_METHOD: (100, 2),
    LOOP_LINES: (EVIDENCE_PRIORITY, 3),
    DECIMAL_STATIC: (STATIC_PRIORITY, 4),
    LOOP_STATIC: (STATIC_PRIORITY, 5),
}
# measured evidence that makes a static guess of the same category moot
_MEASURED = {
    DECIMAL_STATIC: (DECIMAL_NATIVE, DECIMAL_VS_FLOAT, DECIMAL_METHOD),
    LOOP_STATIC: (LOOP_LINES,),
}
CATEGORY_COLUMNS = ("key", "category", "decided_by", "evidence")
MIN_LOOP_SAMPLES = 5  # own py-spy samples a function needs before its loop lines count


@dataclass(frozen=True)
class Categorized:
    functions: pl.DataFrame
    summary: pl.DataFrame
    unit: str  # "s" (cProfile self seconds) or "samples" (py-spy)
    evidence_kinds: tuple[str, ...]  # the kinds of evidence found for at least one function
    split: pl.DataFrame | None = None  # the breakdown split inside functions by samples
    design: float = 1.0  # the samples' design effect (rbprofile.analysis.intervals)


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
    numeric: str | None = None,
) -> pl.DataFrame:
    """All evidence rows (EVIDENCE_SCHEMA) available for these inputs. Static evidence is
    gathered for every input with times and sources, and kept only for functions no measured
    evidence of its category covers (a float-mode run gets no static Decimal evidence)."""
    parts = [decimal_methods(functions)]
    if float_functions is not None:
        parts.append(decimal_vs_float(functions, float_functions, float_label))
    if samples is not None:
        parts.append(decimal_native(samples))
        parts.append(loop_evidence(samples, min_loop_samples))
    measured = pl.concat(parts)
    static = [(LOOP_STATIC, static_loop_evidence(functions))]
    if numeric != "float":
        static.append((DECIMAL_STATIC, static_decimal_evidence(functions)))
    sampled: list[str] = []
    if samples is not None and samples.has_native:  # enough samples measure Decimal work
        own = own_samples(samples).group_by("key").agg(pl.col("count").sum())
        sampled = own.filter(pl.col("count") >= min_loop_samples)["key"].to_list()
    kept = []
    for kind, rows in static:
        moot = measured.filter(pl.col("kind").is_in(_MEASURED[kind]))
        covered = [*moot["key"], *(sampled if kind == DECIMAL_STATIC else [])]
        kept.append(rows.filter(~pl.col("key").is_in(covered)))
    return pl.concat([measured, *kept])


def _decide(
    row: dict[str, object], rules: RuleSet, evidence: list[dict[str, object]]
) -> tuple[str, str]:
    """(category, decided_by) for one function."""
    candidates: list[tuple[int, int, str, str]] = []
    for ev in evidence:
        share, kind = ev["share"], str(ev["kind"])
        static = kind in STATIC_KINDS
        if static or (isinstance(share, float) and share > DECIDING_SHARE):
            priority, order = _EVIDENCE_RANK[kind]
            candidates.append((-priority, order, str(ev["category"]), f"evidence: {ev['kind']}"))
    rule = rules.match(str(row["module"] or ""), str(row["qualname"] or ""), str(row["file"] or ""))
    if rule is not None:
        candidates.append((-rule.priority, 9, rule.category, f"rule {rule.name} ({rule.where})"))
    if not candidates:
        return OTHER, "no rule or evidence matched"
    _, _, category, why = min(candidates)
    return category, why


def _evidence_text(evidence: list[dict[str, object]]) -> str:
    def one(ev: dict[str, object]) -> str:
        share = ev["share"]
        shown = "not measured" if share is None else f"{share:.0%}"
        return f"{ev['kind']}: {ev['detail']} ({shown})"

    return "; ".join(one(ev) for ev in evidence)


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


def _split_category(row: dict[str, object], label: str, rules: RuleSet, has_native: bool) -> str:
    """The category of one activity row (see the module doc, steps 1-3)."""
    doing = row["doing"]
    if doing in (IDLE, NATIVE):
        return label
    rule = rules.match(str(row["module"] or ""), str(row["qualname"] or ""), str(row["file"] or ""))
    library = rule is not None and rule.priority > EVIDENCE_PRIORITY
    if has_native:
        modules = [m for m in str(row["native"] or "").split(";") if m]
        if any(m.split(".")[0] in DECIMAL_MODULES for m in modules):
            return DECIMAL
        for module in [] if library else modules:
            found = rules.match(module, "", "")
            if found is not None and found.category not in (OVERHEAD, PER_CALL, OTHER):
                return found.category
    if library:
        return label
    if doing == LOOP:
        return LOOPS
    if doing == PYTHON and has_native:
        return rule.category if rule is not None else OTHER
    return label


def split_rows(
    activity: pl.DataFrame,
    labels: dict[str, str],
    rules: RuleSet,
    evidence: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """key, category, samples: every activity row's category (see the module doc); keys
    without a label (py-spy-only frames) are labelled by the rules and `evidence` first."""
    has_native = bool((activity["native"] != "").any())
    unlabelled = activity.filter(~pl.col("key").is_in(list(labels))).unique("key")
    if unlabelled.height:
        extra = unlabelled.select("key", "module", "qualname", "file")
        found = evidence if evidence is not None else pl.DataFrame(schema=EVIDENCE_SCHEMA)
        assigned = assign(extra, rules, found).select("key", "category").iter_rows()
        labels = {**labels, **dict(assigned)}
    categories = [
        _split_category(row, labels.get(str(row["key"]), OTHER), rules, has_native)
        for row in activity.iter_rows(named=True)
    ]
    return activity.select("key", pl.Series("category", categories, pl.String), "samples")


def split_breakdown(rows: pl.DataFrame, design: float = 1.0) -> pl.DataFrame:
    """category, samples, share, share_low, share_high, functions from `split_rows`: every
    category listed, largest share first; share_low/high the 95% Wilson interval (of
    samples / design: rbprofile.analysis.intervals)."""
    total = int(rows["samples"].sum())
    grouped = rows.group_by("category").agg(
        pl.col("samples").sum(), pl.col("key").n_unique().alias("functions")
    )
    low, high = wilson_exprs("samples", float(total), "share", design)
    return (
        pl.DataFrame({"category": list(CATEGORIES)})
        .join(grouped, on="category", how="left")
        .with_columns(pl.col("samples").fill_null(0), pl.col("functions").fill_null(0))
        .with_columns(
            (pl.col("samples") / max(total, 1)).alias("share"),
            low.alias("share_low"),
            high.alias("share_high"),
            pl.col("category").replace_strict(CATEGORIES, range(len(CATEGORIES))).alias("_o"),
        )
        .sort(["samples", "_o"], descending=[True, False])
        .select("category", "samples", "share", "share_low", "share_high", "functions")
        .cast({"samples": pl.Int64, "functions": pl.Int64})
    )


def split_texts(rows: pl.DataFrame) -> pl.DataFrame:
    """key, split: "Decimal arithmetic 25%, Python per-call logic 75% of 12 samples"."""
    per = (
        rows.group_by("key", "category")
        .agg(pl.col("samples").sum())
        .sort(["key", "samples", "category"], descending=[False, True, False])
    )
    out = []
    for (key,), group in per.group_by("key", maintain_order=True):
        n = int(group["samples"].sum())
        parts = ", ".join(f"{c} {k / n:.0%}" for c, k in group.select("category", "samples").rows())
        out.append((key, f"{parts} of {n} samples"))
    return pl.DataFrame(out, schema={"key": pl.String, "split": pl.String}, orient="row")


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
    activity: pl.DataFrame | None = None,
    numeric: str | None = None,
) -> Categorized:
    """One primary category per function with the rule or evidence that decided it, and the
    breakdown split by samples when there are samples.

    `evidence` (EVIDENCE_SCHEMA, e.g. recorded with the run) is used as given; without it the
    evidence the other inputs allow is gathered here. `activity` (split.ACTIVITY_SCHEMA, e.g.
    recorded) likewise; without it, it is read from `samples`."""
    if evidence is None:
        evidence = gather_evidence(
            functions, samples, float_functions, float_label, min_loop_samples, numeric
        )
    if activity is None and samples is not None:
        from rbprofile.analysis.split import activity as sample_activity

        activity = sample_activity(samples)
    assigned = assign(functions, rules, evidence)
    design = samples.design if samples is not None else 1.0
    return _categorized(functions, assigned, evidence, unit, rules, activity, design)


def recorded(
    functions: pl.DataFrame,
    evidence: pl.DataFrame,
    unit: str = "s",
    activity: pl.DataFrame | None = None,
    rules: RuleSet | None = None,
    design: float = 1.0,
) -> Categorized:
    """The categories a run recorded (functions.parquet's category and decided_by columns);
    `design`: the samples' design effect, for the split breakdown's intervals."""
    assigned = functions.select(
        "key",
        pl.col("category").fill_null(OTHER),
        pl.col("decided_by").fill_null("recorded category"),
    ).join(_evidence_texts(evidence), on="key", how="left")
    return _categorized(
        functions, assigned.select(CATEGORY_COLUMNS), evidence, unit, rules, activity, design
    )


def _evidence_texts(evidence: pl.DataFrame) -> pl.DataFrame:
    by_key: dict[str, list[dict[str, object]]] = {}
    for ev in evidence.iter_rows(named=True):
        by_key.setdefault(ev["key"], []).append(ev)
    rows = [(key, _evidence_text(found)) for key, found in by_key.items()]
    return pl.DataFrame(rows, schema={"key": pl.String, "evidence": pl.String}, orient="row")


def _categorized(
    functions: pl.DataFrame,
    assigned: pl.DataFrame,
    evidence: pl.DataFrame,
    unit: str,
    rules: RuleSet | None = None,
    activity: pl.DataFrame | None = None,
    design: float = 1.0,
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
    split = None
    if activity is not None and activity.height and int(activity["samples"].sum()) > 0:
        labels = dict(table.select("key", "category").iter_rows())
        rows = split_rows(activity, labels, rules or load_rules(), evidence)
        split = split_breakdown(rows, design)
        table = table.join(split_texts(rows), on="key", how="left", maintain_order="left")
    else:
        table = table.with_columns(pl.lit(None, pl.String).alias("split"))
    table = table.with_columns(pl.col("split").fill_null(""))
    return Categorized(table, summarize(table), unit, kinds, split, design)
