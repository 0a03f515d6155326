"""`categorize` core: one target -> a `Document` of category shares (and, with --explain, the
rule or evidence that decided each function).

    categorize_run(target, options=CategorizeOptions()) -> rbprofile.render.Document
    categorize_loaded(data, options) -> Document            (data: analysis.analyze.Loaded)
    categorized_for(data, rules, min_loop_samples=5) -> Categorized
        the category table for loaded sources, using every evidence they allow: the float
        twin of a decimal run (same scenario, manifest numeric "float"), py-spy samples.
    targets_table(data, *, project, rules_path=None, speedups=None, top=10) -> Table
        optimization targets for `analyze --targets` (speedups override the rules' table).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from rbprofile.analysis.analyze import Loaded, load_sources
from rbprofile.analysis.categories import Categorized, categorize, sampled_functions
from rbprofile.analysis.decimal_cost import find_float_twin
from rbprofile.analysis.evidence import DECIMAL_METHOD, DECIMAL_NATIVE, DECIMAL_VS_FLOAT, LOOP_LINES
from rbprofile.analysis.locate import PSTATS, locate
from rbprofile.analysis.pstats_source import load_pstats
from rbprofile.analysis.rules import RuleSet, load_rules
from rbprofile.analysis.targets import optimization_targets
from rbprofile.render import Document, Table

PCT = "{:.1%}"


@dataclass(frozen=True)
class CategorizeOptions:
    scenario: str | None = None
    rules: Path | None = None
    explain: bool = False
    top: int = 25
    min_loop_samples: int = 5
    profiles_dir: Path | None = None


@dataclass(frozen=True)
class _FloatTwin:
    functions: pl.DataFrame
    label: str


def _float_twin(data: Loaded) -> _FloatTwin | None:
    run_dir = data.sources.run_dir
    if run_dir is None or data.profile is None:
        return None
    twin = find_float_twin(run_dir)
    if twin is None or not (twin / PSTATS).is_file():
        return None
    return _FloatTwin(load_pstats(twin / PSTATS).functions, f"{twin.parent.name}/{twin.name}")


def categorized_for(data: Loaded, rules: RuleSet, min_loop_samples: int = 5) -> Categorized:
    """Categories for loaded sources with all the evidence they allow."""
    twin = _float_twin(data)
    if data.profile is not None:
        functions, unit = data.profile.functions, "s"
    elif data.samples is not None:
        functions, unit = sampled_functions(data.samples), "samples"
    else:  # locate() never returns sources without a profile
        raise ValueError("no profile to categorize")
    return categorize(
        functions,
        rules,
        samples=data.samples,
        float_functions=twin.functions if twin else None,
        float_label=twin.label if twin else "float",
        unit=unit,
        min_loop_samples=min_loop_samples,
    )


def _evidence_notes(data: Loaded, result: Categorized, min_loop_samples: int) -> list[str]:
    used = set(result.evidence_kinds)
    decimal = [k for k in (DECIMAL_VS_FLOAT, DECIMAL_NATIVE, DECIMAL_METHOD) if k in used]
    notes = [
        "Decimal arithmetic evidence: " + ("; ".join(decimal) if decimal else "none found")
        + ("" if DECIMAL_VS_FLOAT in used else
           " (run the scenario with --numeric float under another label to measure it).")
    ]  # fmt: skip
    if data.samples is None:
        notes.append("Loops: not decided -- no py-spy line samples (run with --profiler pyspy).")
    else:
        found = "found" if LOOP_LINES in used else "no function had enough samples"
        notes.append(
            f"Loops: {LOOP_LINES} with the function's source parsed by ast "
            f"(at least {min_loop_samples} own samples; {found})."
        )
    return notes


def _unit_column(unit: str) -> tuple[str, str]:
    return ("self_s", "{:.4f}") if unit == "s" else ("samples", "{:.0f}")


def _tables(result: Categorized, opts: CategorizeOptions) -> list[Table]:
    column, spec = _unit_column(result.unit)
    summary = result.summary.rename({"self": column})
    tables = [
        Table(
            "categories",
            "Bottleneck categories (share of self time)",
            summary,
            ("One primary category per function; shares sum to 100%.",),
            {column: spec, "share": PCT},
        )
    ]
    if opts.explain:
        frame = result.functions.rename({"self": column}).drop("module", "qualname").head(opts.top)
        note = (
            f"Top {opts.top} functions by self time, with the rule or evidence that decided each."
        )
        formats = {column: spec, "share": PCT}
        tables.append(
            Table("functions", "Why each function got its category", frame, (note,), formats)
        )
    return tables


def categorize_loaded(data: Loaded, opts: CategorizeOptions) -> Document:
    rules = load_rules(opts.rules)
    result = categorized_for(data, rules, opts.min_loop_samples)
    notes = [
        f"Rules: built-in{f' + {opts.rules}' if opts.rules else ''} ({len(rules.rules)} rules)."
    ]
    notes += _evidence_notes(data, result, opts.min_loop_samples)
    return Document(
        title=f"rbprofile categorize: {data.sources.name}",
        tables=tuple(_tables(result, opts)),
        notes=tuple(notes),
        primary="categories",
        meta={
            "target": data.sources.name,
            "unit": result.unit,
            "evidence": list(result.evidence_kinds),
        },
    )


def categorize_run(target: str, options: CategorizeOptions | None = None) -> Document:
    """Resolve `target`, load its profiles, categorize every function."""
    opts = options or CategorizeOptions()
    sources = locate(target, opts.scenario, opts.profiles_dir)
    return categorize_loaded(load_sources(sources), opts)


def targets_table(
    data: Loaded,
    *,
    project: str,
    rules_path: Path | None = None,
    speedups: Mapping[str, float] | None = None,
    top: int = 10,
) -> Table:
    """Optimization targets for loaded sources (`analyze --targets`)."""
    rules = load_rules(rules_path)
    result = categorized_for(data, rules)
    factors = {**rules.speedups, **(speedups or {})}
    return optimization_targets(
        result, profile=data.profile, samples=data.samples, speedups=factors,
        project=project, top=top,
    )  # fmt: skip
