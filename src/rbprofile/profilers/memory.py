"""memory: memory_profiler timeline of the child + the child's own tracemalloc/gc report.

The RSS timeline is sampled from the parent (`memory_profiler.memory_usage` on the child's
Popen, every 0.1 s). Sampling from outside needs no GIL, so the interval holds even while the
child is deep in pure-Python Decimal work, and it adds no thread to the measured process. The
baseline is the child's own synchronous RSS reading right before `run_algorithm` (before the
bundle loads), which an outside sampler cannot place exactly. tracemalloc, gc callbacks and
the Polars frame sizes can only be seen from inside: see `rbprofile.runner.childmem`.
"""

from __future__ import annotations

import json
import statistics
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from rbprofile.errors import ChildKilledError, RbprofileError
from rbprofile.profilers.base import (
    Profiler,
    ProfilerContext,
    ProfilerOutcome,
    failed,
    installed_version,
)
from rbprofile.rundir import files
from rbprofile.rundir.memory import SCHEMA_VERSION

T = TypeVar("T")
INTERVAL_S = 0.1
CHILD_REPORT = "memory_child.json"  # the in-child report, in the child's scratch dir


def _sample(proc: subprocess.Popen[bytes]) -> list[tuple[float, float]]:
    from memory_profiler import memory_usage

    raw = memory_usage(proc, interval=INTERVAL_S, timestamps=True, include_children=False)
    return [(float(t), float(mib)) for mib, t in raw if mib > 0]  # a reaped child reads as 0


def memory_document(
    samples: list[tuple[float, float]], child: dict[str, Any], marks: dict[str, float]
) -> dict[str, Any]:
    """memory.json: timeline (seconds from the first sample), baseline/peak/mean and the rest.

    `marks` are the child's wall-clock phase marks, shifted onto the same time axis.
    """
    mibs = [m for _, m in samples]
    zero = samples[0][0] if samples else marks.get("main", 0.0)
    baseline = float(child["baseline_mib"])
    return {
        "schema_version": SCHEMA_VERSION,
        "interval_s": INTERVAL_S,
        "samples": [[round(t - zero, 4), m] for t, m in samples],
        "marks": {k: round(v - zero, 4) for k, v in marks.items()},
        # tracemalloc runs in the same process, so RSS here includes its bookkeeping.
        "rss_includes_tracemalloc": True,
        "baseline_mib": baseline,
        "peak_mib": max([*mibs, baseline]),
        "mean_mib": statistics.fmean(mibs) if mibs else baseline,
        "tracemalloc": _display_paths(child["tracemalloc"]),
        "gc": child["gc"],
        "polars_frames": child["polars_frames"],
    }


def _display_paths(traced: dict[str, Any]) -> dict[str, Any]:
    """tracemalloc rows with files shown without this machine's prefix (recorded once)."""
    from rbprofile.analysis.sourcepaths import display_path

    def fix(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r | {"file": display_path(r["file"])} if r.get("file") else r for r in rows]

    keys = ("top_by_peak", "top_by_total", "flagged")
    return traced | {k: fix(traced.get(k) or []) for k in keys}


class MemoryProfiler(Profiler):
    name = "memory"
    title = "memory_profiler"
    summary = "resident memory over time, top allocating functions (tracemalloc), GC"
    methodology = (
        "memory_profiler samples the resident memory of the run from the parent every "
        f"{INTERVAL_S:g} s (the timeline); inside the run, gc callbacks count collections per "
        "generation and their time, and tracemalloc snapshots give a lower bound on allocations "
        "per function, shown only for runs recorded without memray."
    )
    files = (files.MEMORY,)
    tool = "memory_profiler"
    child_mode = "memory"

    def version(self) -> str | None:
        return installed_version("memory-profiler")

    def in_child(self, call: Callable[[], T], out: Path) -> tuple[T, dict[str, Any] | None]:
        from rbprofile.profilers.memory_probe import MemoryProbe

        probe = MemoryProbe()
        probe.start()
        try:
            result = call()
        finally:
            probe.stop()
        portal = getattr(result, "portal", None)
        frames = portal.frames_info() if portal is not None else []
        report = probe.report(frames)
        (out / CHILD_REPORT).write_text(json.dumps(report, indent=2) + "\n")
        return result, report

    def run(self, ctx: ProfilerContext) -> ProfilerOutcome:
        from rbprofile.atomic import write_json

        work = ctx.work / self.name
        try:
            finished, result = ctx.run_child(self.child_mode, work, wait=_sample)
        except ChildKilledError:
            raise
        except RbprofileError as exc:
            return failed(exc.message)
        child = json.loads((work / CHILD_REPORT).read_text())
        doc = memory_document(finished.waited or [], child, result["marks"])
        write_json(ctx.run_dir / files.MEMORY, doc)
        return ProfilerOutcome(
            "ok",
            wall_s=finished.wall_s,
            files=[files.MEMORY],
            details={"samples": len(doc["samples"]), "peak_mib": doc["peak_mib"]},
        )
