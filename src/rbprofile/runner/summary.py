"""The `run` summary as a `Document`: one row per scenario, profiler status and overhead."""

from __future__ import annotations

import polars as pl

from rbprofile.render import Document, Table
from rbprofile.runner.orchestrate import RunSummary
from rbprofile.runner.profilers import NAMES


def _cell(entry: dict[str, object]) -> str:
    status = str(entry["status"])
    overhead = entry.get("overhead")
    if status == "ok" and isinstance(overhead, float):
        return f"ok ({overhead:.2f}x)"
    return status


def summary_document(summary: RunSummary) -> Document:
    rows = [
        {
            "scenario": r.scenario,
            "wall_median_s": r.timing_median.get("total_wall_s"),
            "simulate_median_s": r.timing_median.get("simulate_wall_s"),
            **{name: _cell(r.profilers[name]) for name in NAMES},
            "path": str(r.path),
        }
        for r in summary.results
    ]
    schema = {"scenario": pl.String, "wall_median_s": pl.Float64, "simulate_median_s": pl.Float64}
    schema |= {name: pl.String for name in NAMES} | {"path": pl.String}
    notes = tuple(
        f"{r.scenario}: {name} failed: {r.profilers[name]['reason']}"
        for r in summary.results
        for name in r.failed
    )
    table = Table(
        "runs",
        f"Runs under label {summary.label!r}",
        pl.DataFrame(rows, schema=schema),
        formats={"wall_median_s": "{:.3f}", "simulate_median_s": "{:.3f}"},
    )
    return Document(
        f"rbprofile run: {summary.label}",
        (table,),
        notes=notes,
        primary="runs",
        meta={
            "label": summary.label,
            "failed": summary.failed,
            "profilers": {r.scenario: r.profilers for r in summary.results},
        },
    )
