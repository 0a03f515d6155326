"""The `run` summary as a `Document`: one row per scenario, profiler status and overhead.

Times are medians of the timing repeats: the child's whole wall time, the measured call's
(`run_wall_s`: the backtest, or a command's program or --root call) and rustybt's simulation."""

from __future__ import annotations

import polars as pl

from rbprofile import profilers
from rbprofile.render import Document, Table
from rbprofile.rundir.manifest import ProfilerRecord
from rbprofile.runner.orchestrate import RunSummary


def _cell(record: ProfilerRecord | None) -> str:
    if record is None:
        return "not recorded"
    if record.status == "ok" and record.overhead is not None:
        return f"ok ({record.overhead:.2f}x)"
    return record.status


def summary_document(summary: RunSummary) -> Document:
    rows = [
        {
            "scenario": r.scenario,
            "wall_median_s": r.timing_median.get("total_wall_s"),
            "run_median_s": r.timing_median.get("run_wall_s"),
            "simulate_median_s": r.timing_median.get("simulate_wall_s"),
            **{name: _cell(r.profilers.get(name)) for name in profilers.names()},
            "path": str(r.path),
        }
        for r in summary.results
    ]
    schema = {"scenario": pl.String, "wall_median_s": pl.Float64, "run_median_s": pl.Float64}
    schema |= {"simulate_median_s": pl.Float64}
    schema |= {name: pl.String for name in profilers.names()} | {"path": pl.String}
    notes = tuple(
        f"{r.scenario}: {name} failed: {r.profilers[name].reason}"
        for r in summary.results
        for name in r.failed
    )
    table = Table(
        "runs",
        f"Runs under label {summary.label!r}",
        pl.DataFrame(rows, schema=schema),
        formats={k: "{:.3f}" for k in ("wall_median_s", "run_median_s", "simulate_median_s")},
    )
    return Document(
        f"rbprofile run: {summary.label}",
        (table,),
        notes=notes,
        meta={
            "label": summary.label,
            "failed": summary.failed,
            "profilers": {
                r.scenario: {n: p.to_json() for n, p in r.profilers.items()}
                for r in summary.results
            },
        },
    )
