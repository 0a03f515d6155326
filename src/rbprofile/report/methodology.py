"""Profiling Methodology: tools and versions, scenarios as their manifests record them,
machine, timing repeats, and each profiler's measured overhead (all read from manifest.json)."""

from __future__ import annotations

from typing import Any

import polars as pl

from rbprofile.render import Table
from rbprofile.report.model import ReportContext, Section, bullets, missing, table_block
from rbprofile.report.runs import Run

TITLE = "Profiling Methodology"
PROFILERS = ("cprofile", "pyspy", "memory")
TOOLS = (
    ("python", "Python"),
    ("rbprofile", "rbprofile"),
    ("rustybt", "rustybt"),
    ("polars", "Polars"),
    ("pandas", "pandas"),
    ("py_spy", "py-spy"),
    ("memory_profiler", "memory_profiler"),
)
HOW = bullets(
    [
        "Every run is a fresh child process. Timing repeats run with no profiler attached; "
        "each profiler then runs the same backtest once more on its own.",
        "cProfile (deterministic, standard library) profiles the backtest call only, "
        "not interpreter start-up; it adds per-call overhead, so very small functions called "
        "very often look more expensive than they are.",
        "py-spy (sampling, out of process) records full stacks with file names and line "
        "numbers; its overhead on the profiled process is small.",
        "memory_profiler samples resident memory of the run; tracemalloc attributes "
        "allocations to functions; gc callbacks count collections per generation.",
        "Overhead is the profiled run's wall time divided by the median of the unprofiled "
        "timing repeats, as recorded in each manifest.",
    ]
)


def _distinct(runs: list[Run], get: Any) -> str:
    values = sorted({str(v) for r in runs if (v := get(r)) is not None})
    return ", ".join(values) if values else "not recorded"


def tools_table(runs: list[Run]) -> Table:
    rows = [
        {
            "tool": name,
            "version": _distinct(
                runs, lambda r, k=key: (r.manifest or {}).get("versions", {}).get(k)
            ),
        }
        for key, name in TOOLS
    ]
    return Table("tools", "Tools and versions", pl.DataFrame(rows))


def machine_lines(runs: list[Run]) -> str:
    def field(key: str) -> str:
        return _distinct(runs, lambda r: (r.manifest or {}).get("platform", {}).get(key))

    return bullets(
        [
            f"System: {field('system')} {field('release')} ({field('machine')})",
            f"CPU: {field('cpu')}, {field('cpu_count')} logical cores",
            f"Git commit: {_distinct(runs, lambda r: (r.manifest or {}).get('git_commit'))}",
        ]
    )


def scenarios_table(runs: list[Run]) -> Table:
    rows = []
    for run in runs:
        m = run.manifest or {}
        params = m.get("scenario_params") or {}
        bundle = m.get("bundle") or {}
        rows.append(
            {
                "run": run.name,
                "numeric": run.numeric,
                "code seen in profile": ", ".join(run.code_seen()) or "none recorded",
                "strategy": params.get("strategy"),
                "frequency": params.get("frequency"),
                "assets": params.get("assets"),
                "sessions": params.get("sessions"),
                "bars": params.get("bars"),
                "start": params.get("start"),
                "end": params.get("end"),
                "bundle hash": (bundle.get("content_hash") or "")[:12] or None,
                "started": m.get("started"),
            }
        )
    note = (
        '"code seen in profile" names Decimal or Polars only when modules of that library '
        "appear in the run's functions table (cProfile)."
    )
    return Table(
        "scenarios",
        "Scenarios (parameters recorded in each manifest)",
        pl.DataFrame(rows),
        notes=(note,),
    )


def _profiler_cell(run: Run, name: str) -> str:
    record = run.profiler(name)
    status = record.get("status")
    if status is None:
        return "not recorded"
    if status != "ok":
        return f"{status}: {record.get('reason') or 'no reason recorded'}"
    overhead = record.get("overhead")
    text = f"{overhead:.2f}x" if isinstance(overhead, int | float) else "ok (overhead not recorded)"
    if name == "pyspy" and "native" in record:
        text += " (native)" if record["native"] else " (Python frames only)"
    return text


def overhead_table(runs: list[Run]) -> Table:
    rows = []
    for run in runs:
        timing = (run.manifest or {}).get("timing") or {}
        rows.append(
            {
                "run": run.name,
                "repeats": timing.get("repeats"),
                **{f"{name} overhead": _profiler_cell(run, name) for name in PROFILERS},
            }
        )
    return Table("overhead", "Timing repeats and measured profiler overhead", pl.DataFrame(rows))


def section(ctx: ReportContext) -> Section:
    runs = [r for r in ctx.runs if r.manifest is not None]
    if not runs:
        reasons = "; ".join(r.problems.get("manifest.json", r.name) for r in ctx.runs)
        return missing(TITLE, f"no readable manifest.json ({reasons})")
    return Section(
        TITLE,
        (
            HOW,
            table_block(tools_table(runs)),
            "**Machine**\n\n" + machine_lines(runs),
            table_block(scenarios_table(runs)),
            table_block(overhead_table(runs)),
        ),
    )
