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
from typing import Any

from memory_profiler import memory_usage

from rbprofile.errors import RbprofileError
from rbprofile.runner.child import MEMORY_CHILD
from rbprofile.runner.manifest import write_json
from rbprofile.runner.process import ChildKilledError
from rbprofile.runner.profilers import ProfilerContext, ProfilerOutcome, failed
from rbprofile.runner.timing import run_child

SCHEMA_VERSION = 1
MEMORY = "memory.json"
INTERVAL_S = 0.1


def _sample(proc: subprocess.Popen[bytes]) -> list[tuple[float, float]]:
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
        "tracemalloc": child["tracemalloc"],
        "gc": child["gc"],
        "polars_frames": child["polars_frames"],
    }


def profile(ctx: ProfilerContext) -> ProfilerOutcome:
    work = ctx.work / "memory"
    try:
        finished, result = run_child(ctx.spec, "memory", work, wait=_sample)
    except ChildKilledError:
        raise
    except RbprofileError as exc:
        return failed(exc.message)
    child = json.loads((work / MEMORY_CHILD).read_text())
    doc = memory_document(finished.waited or [], child, result["marks"])
    write_json(ctx.run_dir / MEMORY, doc)
    return ProfilerOutcome(
        "ok",
        wall_s=finished.wall_s,
        files=[MEMORY],
        extra={"samples": len(doc["samples"]), "peak_mib": doc["peak_mib"]},
    )
