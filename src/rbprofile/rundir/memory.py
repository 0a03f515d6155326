"""`memory.json`: resident-memory timeline, top allocating functions, GC pressure, frame sizes.

    read_memory(path) -> Memory      (typed, immutable; the raw object stays in `.raw`)

Format history: 1: first version (memory_profiler timeline sampled from the parent,
tracemalloc top functions, gc callbacks, Polars frame sizes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from rbprofile.rundir.jsonfile import Fields, read_versioned

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Allocation:
    function: str
    file: str | None
    line: int | None
    size_mib: float
    count: int | None

    @classmethod
    def from_fields(cls, f: Fields) -> Allocation:
        return cls(
            f.text("function") or "?",
            f.text("file"),
            f.integer("line"),
            f.number("size_mib") or 0.0,
            f.integer("count"),
        )


@dataclass(frozen=True)
class PolarsFrame:
    name: str
    rows: int | None
    columns: int | None
    estimated_mib: float | None


@dataclass(frozen=True)
class Memory:
    interval_s: float | None
    samples: tuple[tuple[float, float], ...]  # (seconds since the first sample, MiB)
    baseline_mib: float | None
    peak_mib: float | None
    mean_mib: float | None
    top_by_peak: tuple[Allocation, ...] = ()
    top_by_total: tuple[Allocation, ...] = ()
    flagged: tuple[str, ...] = ()
    gc_collections: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    gc_time_s: float | None = None
    polars_frames: tuple[PolarsFrame, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


def _samples(f: Fields) -> tuple[tuple[float, float], ...]:
    out = []
    for pair in f.array("samples"):
        if not (isinstance(pair, list) and len(pair) == 2 and all(_num(v) for v in pair)):
            raise f.fail("samples", "a list of [seconds, MiB] pairs")
        out.append((float(pair[0]), float(pair[1])))
    return tuple(out)


def _num(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _flag_text(item: object) -> str:
    if isinstance(item, dict):
        return f"{item.get('function')} ({item.get('file')}:{item.get('line')})"
    return str(item)


def _read_v1(f: Fields) -> Memory:
    traced = f.sub("tracemalloc") or Fields({}, f.where)
    gc = f.sub("gc") or Fields({}, f.where)
    counts = gc.sub("collections")
    collections = {}
    if counts is not None:
        for gen in counts.data:
            collections[str(gen)] = counts.integer(gen) or 0
    frames = tuple(
        PolarsFrame(
            p.text("name") or "?",
            p.integer("rows"),
            p.integer("columns"),
            p.number("estimated_mib"),
        )
        for p in f.items("polars_frames")
    )
    return Memory(
        interval_s=f.number("interval_s"),
        samples=_samples(f),
        baseline_mib=f.number("baseline_mib"),
        peak_mib=f.number("peak_mib"),
        mean_mib=f.number("mean_mib"),
        top_by_peak=tuple(Allocation.from_fields(a) for a in traced.items("top_by_peak")),
        top_by_total=tuple(Allocation.from_fields(a) for a in traced.items("top_by_total")),
        flagged=tuple(_flag_text(x) for x in traced.array("flagged")),
        gc_collections=MappingProxyType(collections),
        gc_time_s=gc.number("time_s"),
        polars_frames=frames,
        raw=MappingProxyType(dict(f.data)),
    )


READERS = {1: _read_v1}


def read_memory(path: Path) -> Memory:
    return read_versioned(path, READERS)
