"""rustybt's data layer, per profiled scenario (default bundle sizes, written to a temp dir).

- ingest_s: `write_bundle` wall time (median of 3), bundle_mib: bytes on disk.
- load_ms: `load_bundle` (reads metadata, sha256 of every file), portal_ms: building the
  dense arrays from Parquet (`PolarsDataPortal`).
- history_us: one `history(all assets, "close", window)` per bar across the whole bundle,
  median per call; slice_us: the bare numpy slice it wraps, history_x_slice their ratio.
- polars_filter_us: the naive alternative, filtering the Polars bars per call (measured on a
  sample of bars), and dense_speedup = polars_filter_us / history_us.
- loop_s: the whole clock loop with set_bar + history per bar (the data layer's share of a run).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import polars as pl

from rbprofile.ingest import bundle_spec
from rbprofile.scenarios import PROFILED_SCENARIOS, SCENARIOS
from rustybt.data.bundles import get_calendar, load_bundle, write_bundle
from rustybt.data.polars import PolarsDataPortal
from rustybt.gens.clock import ClockEvent, trading_clock

WINDOW = {"daily": 30, "hourly": 20, "minute": 20}
POLARS_SAMPLE = 50
P = ParamSpec("P")
R = TypeVar("R")


def _timed(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> tuple[float, R]:
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def _history_costs(portal: PolarsDataPortal, window: int) -> dict[str, float]:
    assets, freq = portal.assets, portal.history_frequency
    arr = portal.reader.arrays["close"]
    bars = [
        t
        for t, e in trading_clock(portal.bundle.calendar, portal.sessions, portal.frequency)
        if e is ClockEvent.BAR
    ]
    hist, slices = [], []
    loop_start = time.perf_counter()
    for t in bars:
        portal.set_bar(t)
        s = time.perf_counter()
        portal.history(assets, "close", window, freq)
        hist.append(time.perf_counter() - s)
    loop = time.perf_counter() - loop_start
    for i in range(len(bars)):
        s = time.perf_counter()
        arr[max(0, i + 1 - window) : i + 1]
        slices.append(time.perf_counter() - s)
    frame = portal.bundle.bars()
    naive = []
    for t in bars[:: max(1, len(bars) // POLARS_SAMPLE)]:
        s = time.perf_counter()
        (
            frame.filter(pl.col("dt") <= t.to_pydatetime())
            .group_by("sid")
            .tail(window)
            .pivot(on="sid", index="dt", values="close")
        )
        naive.append(time.perf_counter() - s)
    h, sl, nv = (statistics.median(x) * 1e6 for x in (hist, slices, naive))
    return {
        "bars": len(bars),
        "history_us": h,
        "slice_us": sl,
        "history_x_slice": h / sl,
        "polars_filter_us": nv,
        "dense_speedup": nv / h,
        "loop_s": loop,
    }


def _scenario(name: str, root: Path) -> dict[str, object]:
    spec = bundle_spec(SCENARIOS[name])
    ingest = [_timed(write_bundle, spec, root, force=True)[0] for _ in range(3)]
    load_s, bundle = _timed(load_bundle, spec.name, root)
    portal_s, portal = _timed(PolarsDataPortal, bundle)
    size = sum(p.stat().st_size for p in (root / spec.name).iterdir())
    row: dict[str, object] = {
        "scenario": name,
        "frequency": spec.frequency,
        "assets": spec.assets,
        "rows": bundle.metadata.row_count,
        "bundle_mib": size / 2**20,
        "ingest_s": statistics.median(ingest),
        "load_ms": load_s * 1e3,
        "portal_ms": portal_s * 1e3,
    }
    row.update(_history_costs(portal, WINDOW[spec.frequency]))
    return row


def main() -> list[dict[str, object]]:
    get_calendar("XNYS")  # build the calendar once, outside every measurement
    with tempfile.TemporaryDirectory() as tmp:
        return [_scenario(name, Path(tmp)) for name in PROFILED_SCENARIOS]
