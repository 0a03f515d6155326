"""Every file name of a run directory, spelled once.

A run directory is `<profiles-dir>/<label>/<scenario>/`. Raw profiler output is kept as the
profilers wrote it (readable by pstats, snakeviz, speedscope ...); the tables next to it are
written by rbprofile at record time with identities (modules, qualified names, owners,
categories) already resolved, so a run directory analyses the same on any machine.
"""

from __future__ import annotations

from typing import Final

# Written for every run.
MANIFEST: Final = "manifest.json"
TIMING: Final = "timing.json"
LOG: Final = "run.log.jsonl"

# Raw profiler output.
PSTATS: Final = "cprofile.pstats"
PSTATS_SUMMARY: Final = "cprofile_summary.txt"
PYSPY_COLLAPSED: Final = "pyspy.collapsed.txt"
PYSPY_SVG: Final = "pyspy.svg"
PYSPY_SPEEDSCOPE: Final = "pyspy.speedscope.json"
MEMORY: Final = "memory.json"

# Tables resolved at record time.
FUNCTIONS: Final = "functions.parquet"
CALLERS: Final = "callers.parquet"
EVIDENCE: Final = "evidence.parquet"
SAMPLES: Final = "samples.parquet"
ACTIVITY: Final = "activity.parquet"

# What each file holds, in the order the report's Raw data section lists them.
DESCRIPTIONS: Final[dict[str, str]] = {
    MANIFEST: "run manifest (versions, machine, parameters, profilers)",
    TIMING: "unprofiled timing repeats",
    PSTATS: "cProfile stats (pstats, snakeviz, gprof2dot)",
    PSTATS_SUMMARY: "cProfile top 20 by cumulative time",
    FUNCTIONS: "one row per function: calls, times, category, owner",
    CALLERS: "cProfile caller edges (caller, callee, calls, times)",
    EVIDENCE: "measured category evidence per function (loop lines, Decimal frames)",
    PYSPY_SVG: "py-spy flamegraph",
    PYSPY_SPEEDSCOPE: "py-spy speedscope profile (speedscope.app)",
    PYSPY_COLLAPSED: "py-spy collapsed stacks with line numbers",
    SAMPLES: "py-spy samples, one row per stack frame, identities resolved",
    ACTIVITY: "py-spy samples per function by what they were doing (loop line, own code, "
    "native frames below): the split category breakdown",
    MEMORY: "memory timeline, allocations, GC, frame sizes",
    LOG: "structured run log",
}

# Hidden siblings the writer uses (`.<scenario>.tmp-<pid>`, `.<scenario>.lock`) start with ".".
HIDDEN_PREFIX: Final = "."


def is_hidden(name: str) -> bool:
    return name.startswith(HIDDEN_PREFIX)
