"""A stored scaling result with exact, known power laws (no processes), for store and report
tests: quad = 1e-6 assets^2 sessions, lin = 1e-4 assets sessions, const = 0.05 s."""

from __future__ import annotations

import itertools
from pathlib import Path

import polars as pl

from rbprofile.rundir import files
from rbprofile.scale.fit import fit_scaling
from rbprofile.scale.project import project
from rbprofile.scaling.store import write_scaling

ASSETS = (25, 50, 100)
SESSIONS = (250, 500)
REPEATS = 2
LAWS = {
    "m:quad": lambda a, s: (1e-6 * a * a * s, a * s),
    "m:lin": lambda a, s: (1e-4 * a * s, a * s),
    "m:const": lambda a, s: (0.05, 1),
}


def measurements() -> pl.DataFrame:
    rows = []
    for (a, s), repeat in itertools.product(itertools.product(ASSETS, SESSIONS), range(REPEATS)):
        for key, law in LAWS.items():
            seconds, calls = law(a, s)
            rows.append(
                {"assets": float(a), "sessions": float(s), "repeat": repeat, "key": key,
                 "self_s": seconds, "cum_s": seconds, "ncalls": calls}
            )  # fmt: skip
    return pl.DataFrame(rows)


def write_stored(label_dir: Path, name: str = "daily", at: dict[str, float] | None = None) -> Path:
    table = measurements()
    fits = fit_scaling(table, min_share=0.0)
    projection = project(fits, at) if at else None
    directory = label_dir / files.scaling_dir_name(name)
    directory.mkdir(parents=True)
    manifest = {
        "name": name,
        "label": label_dir.name,
        "kind": "scenario",
        "scenario": name,
        "command": None,
        "plan": "6 size points (assets 3 x sessions 2) x 2 repeats x 1 profiler = 12 runs",
        "timer": "wall clock",
        "fit_options": {"min_share": 0.0, "top": None},
        "unstable": [],
    }
    write_scaling(directory, manifest, table, fits, projection)
    return directory
