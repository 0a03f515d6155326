"""In-child memory instrumentation for the `memory` mode (runs inside the profiled process).

- baseline: the process RSS right before `run_algorithm` (so before the bundle is loaded),
  read synchronously with psutil, the same reading memory_profiler takes.
- tracemalloc by function: a thread snapshots the traced allocations every `interval_s` (and
  once more at the end), groups them by the allocating function (innermost frame, resolved to
  its enclosing `def` from the source), and keeps per function:
  * `peak`: the largest live size seen in any snapshot;
  * `total`: the sum of the live-size increases between consecutive snapshots, a lower bound
    on what the function allocated (tracemalloc only sees blocks alive at a snapshot).
  Functions reaching 100 MB by either measure are flagged.
- gc: `gc.callbacks` counts collections per generation and the time spent in them.
"""

from __future__ import annotations

import ast
import functools
import gc
import threading
import time
import tracemalloc
from dataclasses import dataclass, field
from typing import Any

import psutil  # type: ignore[import-untyped]

MIB = 1024 * 1024
FLAG_BYTES = 100 * 1000 * 1000  # 100 MB
TOP = 20
_OWN_FILES = frozenset({__file__, tracemalloc.__file__, threading.__file__})


def rss_mib() -> float:
    return float(psutil.Process().memory_info().rss) / MIB


@functools.cache
def _function_spans(filename: str) -> tuple[tuple[int, int, str], ...]:
    """(first line, last line, qualified name) of every def in `filename`, innermost last."""
    try:
        with open(filename, encoding="utf-8") as fh:  # noqa: PTH123 - hot, cached
            tree = ast.parse(fh.read(), filename)
    except (OSError, SyntaxError, ValueError):
        return ()
    spans: list[tuple[int, int, str]] = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    spans.append((child.lineno, child.end_lineno or child.lineno, name))
                walk(child, f"{name}.")
            else:
                walk(child, prefix)

    walk(tree, "")
    return tuple(sorted(spans))


def function_at(filename: str, line: int) -> tuple[str, int]:
    """(qualified name, def line) of the innermost function holding `line`, else <module>."""
    best = ("<module>", 0)
    for first, last, name in _function_spans(filename):
        if first <= line <= last:
            best = (name, first)
    return best


@dataclass
class _Entry:
    size: int = 0
    count: int = 0


LineKey = tuple[str, int]  # (filename, line) of the allocating frame
FuncKey = tuple[str, str, int]  # (qualified name, filename, def line)


@dataclass
class MemoryProbe:
    """Sampling thread for tracemalloc; `report()` resolves lines to functions afterwards.

    Each snapshot keeps only its `lines_per_snapshot` largest allocating lines, so the
    probe's own memory and time stay small next to the backtest's; resolving lines to
    functions (parsing source files) happens after the run, not while it is measured.
    """

    interval_s: float = 0.25
    lines_per_snapshot: int = 500
    baseline_mib: float = 0.0
    traced_peak_mib: float = 0.0
    collections: dict[str, int] = field(default_factory=lambda: {"0": 0, "1": 0, "2": 0})
    gc_time_s: float = 0.0
    _snapshots: list[dict[LineKey, tuple[int, int]]] = field(default_factory=list)
    _gc_t0: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self.baseline_mib = rss_mib()
        gc.callbacks.append(self._on_gc)
        tracemalloc.start(1)
        self._thread = threading.Thread(
            target=self._loop, name="rbprofile-tracemalloc", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._snapshot()
        self.traced_peak_mib = tracemalloc.get_traced_memory()[1] / MIB
        tracemalloc.stop()
        gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_t0 = time.perf_counter()
            return
        self.gc_time_s += time.perf_counter() - self._gc_t0
        gen = str(info.get("generation", 0))
        self.collections[gen] = self.collections.get(gen, 0) + 1

    def _loop(self) -> None:
        wait = self.interval_s
        while not self._stop.wait(wait):
            started = time.perf_counter()
            self._snapshot()
            # Never spend more than ~1/4 of the run snapshotting a large heap.
            wait = max(self.interval_s, 3 * (time.perf_counter() - started))

    def _snapshot(self) -> None:
        stats = tracemalloc.take_snapshot().statistics("lineno")
        lines: dict[LineKey, tuple[int, int]] = {}
        for st in stats:
            frame = st.traceback[0]
            if frame.filename in _OWN_FILES:
                continue
            lines[(frame.filename, frame.lineno)] = (st.size, st.count)
            if len(lines) == self.lines_per_snapshot:
                break
        self._snapshots.append(lines)

    def _by_function(self) -> tuple[dict[FuncKey, _Entry], dict[FuncKey, _Entry]]:
        """(peak, total) per function over the snapshots (see the module docstring)."""
        peak: dict[FuncKey, _Entry] = {}
        total: dict[FuncKey, _Entry] = {}
        last: dict[FuncKey, int] = {}
        for lines in self._snapshots:
            live: dict[FuncKey, _Entry] = {}
            for (filename, lineno), (size, count) in lines.items():
                name, first = function_at(filename, lineno)
                entry = live.setdefault((name, filename, first), _Entry())
                entry.size += size
                entry.count += count
            for key, entry in live.items():
                best = peak.setdefault(key, _Entry())
                if entry.size > best.size:
                    best.size, best.count = entry.size, entry.count
                grown = entry.size - last.get(key, 0)
                if grown > 0:
                    acc = total.setdefault(key, _Entry())
                    acc.size += grown
                    acc.count += entry.count
            last = {key: e.size for key, e in live.items()}
        return peak, total

    def report(self, polars_frames: list[dict[str, Any]]) -> dict[str, Any]:
        peak, total = self._by_function()
        by_peak, by_total = _top(peak), _top(total)
        flagged = sorted(
            {
                (r["function"], r["file"], r["line"])
                for r in by_peak + by_total
                if r["size_mib"] * MIB >= FLAG_BYTES
            }
        )
        return {
            "baseline_mib": self.baseline_mib,
            "tracemalloc": {
                "method": f"snapshots every {self.interval_s:.2f} s or more (largest "
                f"{self.lines_per_snapshot} lines each); peak = largest live size per function; "
                "total = sum of live-size increases between snapshots (lower bound)",
                "snapshots": len(self._snapshots),
                "traced_peak_mib": self.traced_peak_mib,
                "top_by_peak": by_peak,
                "top_by_total": by_total,
                "flagged": [{"function": f, "file": p, "line": ln} for f, p, ln in flagged],
                "flag_threshold_mb": FLAG_BYTES // 1_000_000,
            },
            "gc": {"collections": self.collections, "time_s": self.gc_time_s},
            "polars_frames": polars_frames,
        }


def _top(table: dict[FuncKey, _Entry]) -> list[dict[str, Any]]:
    rows = sorted(table.items(), key=lambda kv: kv[1].size, reverse=True)[:TOP]
    return [
        {"function": name, "file": file, "line": line, "size_mib": e.size / MIB, "count": e.count}
        for (name, file, line), e in rows
    ]
