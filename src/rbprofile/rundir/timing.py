"""`timing.json`: the plain (unprofiled) timing repeats of a run.

    Timing.from_rows(rows) / read_timing(path) -> Timing      (typed, immutable)
    Timing.series(key) -> tuple[float, ...] | None            every repeat's value, or None
    MEASURES                                                  what `compare` judges, preferred first

Format history: 1: first version (`repeats`, `runs` [{key: seconds}], `median` {key: seconds}).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from rbprofile.rundir.jsonfile import Fields, is_number, read_versioned

SCHEMA_VERSION = 1

# Per-repeat keys, in display order: interpreter start-up, import of the engine and strategy
# (a command's: its start before the --root call), bundle load and simulation phase (wall and
# CPU), the measured call (wall; CPU for a command), and the child's whole wall time.
RUN_KEYS: tuple[str, ...] = (
    "startup_s",
    "import_s",
    "load_wall_s",
    "load_cpu_s",
    "simulate_wall_s",
    "simulate_cpu_s",
    "run_wall_s",
    "run_cpu_s",
    "total_wall_s",
)
# Measures in order of preference: the first present on both sides of a comparison is judged.
MEASURES: tuple[tuple[str, str], ...] = (
    ("simulate_cpu_s", "sim CPU"),
    ("simulate_wall_s", "sim wall"),
    ("run_cpu_s", "run CPU"),
    ("total_wall_s", "total wall"),
)


@dataclass(frozen=True)
class Timing:
    repeats: int
    runs: tuple[Mapping[str, float], ...]
    median: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def from_rows(cls, rows: Sequence[Mapping[str, float]]) -> Timing:
        keys = [k for k in RUN_KEYS if rows and all(k in r for r in rows)]
        median = {k: statistics.median(r[k] for r in rows) for k in keys}
        frozen = tuple(MappingProxyType(dict(r)) for r in rows)
        return cls(len(rows), frozen, MappingProxyType(median))

    def series(self, key: str) -> tuple[float, ...] | None:
        """Every repeat's positive value of `key`, or None when any repeat lacks it."""
        values = [r.get(key) for r in self.runs]
        if not values or not all(isinstance(v, float) and v > 0 for v in values):
            return None
        return tuple(float(v) for v in values if v is not None)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "repeats": self.repeats,
            "runs": [dict(r) for r in self.runs],
            "median": dict(self.median),
        }


def _read_v1(f: Fields) -> Timing:
    rows = []
    for item in f.items("runs"):
        bad = [k for k, v in item.data.items() if v is not None and not is_number(v)]
        if bad:
            raise item.fail(bad[0], "a finite number of seconds")
        rows.append({k: float(v) for k, v in item.data.items() if v is not None})
    return Timing.from_rows(rows)


READERS = {1: _read_v1}


def read_timing(path: Path) -> Timing:
    return read_versioned(path, READERS)
