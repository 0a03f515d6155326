"""memray's exact allocations of a run: memray.parquet (MEMRAY_SCHEMA) and the run's totals,
which the memray profiler records in the manifest (`profilers.memray`).

    Allocations.of(table, details) -> Allocations     (Run.allocations builds it)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

MIB = 1024 * 1024


def _int(details: Mapping[str, Any], key: str) -> int | None:
    value = details.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class Allocations:
    table: pl.DataFrame  # MEMRAY_SCHEMA, largest at the peak first
    peak_bytes: int | None  # memray's high-water mark of the measured call
    peak_mmap_bytes: int | None  # part of it mapped with mmap by arena allocators
    total_bytes: int | None  # allocated over the whole call
    allocations: int | None  # how many allocations
    native_traces: bool

    @classmethod
    def of(cls, table: pl.DataFrame, details: Mapping[str, Any]) -> Allocations:
        return cls(
            table,
            _int(details, "peak_bytes"),
            _int(details, "peak_mmap_bytes"),
            _int(details, "total_bytes"),
            _int(details, "allocations"),
            bool(details.get("native")),
        )
