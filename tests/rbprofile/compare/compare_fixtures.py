"""Hand-built run directories (manifest.json, timing.json, functions.parquet) with known numbers.

Imported by the tests here by module name (pytest puts this directory on sys.path).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import polars as pl

from rbprofile.schema import FUNCTIONS_SCHEMA

# (key, file, line, ncalls, self_s, cum_s, category)
FunctionRow = tuple[str, str, int, int, float, float, str | None]
MakeRun = Callable[..., Path]


def functions_frame(
    rows: Sequence[FunctionRow], repeats: Mapping[str, Sequence[float]] | None = None
) -> pl.DataFrame:
    """`rows` as a functions table; `repeats` gives a key's self time in each cProfile repeat
    (then its self_s is their median); other keys have one repeat."""
    repeats = repeats or {}
    return pl.DataFrame(
        [
            {
                "key": key,
                "module": key.split(":")[0],
                "qualname": key.split(":")[1],
                "file": file,
                "line": line,
                "ncalls": ncalls,
                "primcalls": ncalls,
                "self_s": statistics.median(repeats.get(key, [self_s])),
                "cum_s": cum_s,
                "category": category,
                "owner": None,
                "self_s_repeats": list(repeats[key]) if key in repeats else None,
            }
            for key, file, line, ncalls, self_s, cum_s, category in rows
        ],
        schema=FUNCTIONS_SCHEMA,
    )


def write_run(
    root: Path,
    label: str,
    scenario: str,
    cpu: Sequence[float | None],
    *,
    functions: Sequence[FunctionRow] | None = None,
    collapsed: str | None = None,
) -> Path:
    """A run directory whose timing repeats have simulate CPU times `cpu` (None = not recorded)."""
    run = root / label / scenario
    run.mkdir(parents=True)
    runs = [
        {
            "startup_s": 0.05,
            "import_s": 0.4,
            "load_wall_s": 0.2,
            "load_cpu_s": 0.2,
            "simulate_wall_s": (c or 1.0) * 1.1,
            "simulate_cpu_s": c,
            "total_wall_s": (c or 1.0) * 1.1 + 0.65,
        }
        for c in cpu
    ]
    (run / "timing.json").write_text(
        json.dumps({"schema_version": 1, "repeats": len(cpu), "runs": runs})
    )
    manifest = {
        "schema_version": 1,
        "label": label,
        "scenario": scenario,
        "numeric": "decimal",
        "timing": {
            "repeats": len(cpu),
            "wall_s": [r["total_wall_s"] for r in runs],
            "simulate_cpu_s": list(cpu),
        },
    }
    (run / "manifest.json").write_text(json.dumps(manifest))
    if functions is not None:
        functions_frame(functions).write_parquet(run / "functions.parquet")
    if collapsed is not None:
        (run / "pyspy.collapsed.txt").write_text(collapsed)
    return run
