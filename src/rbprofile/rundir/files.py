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
MEMRAY: Final = "memray.parquet"
PYSPY_RUNS: Final = "pyspy_runs.parquet"
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
    PYSPY_RUNS: "py-spy samples per run of the backtest (they measure the design effect that "
    "widens the intervals)",
    ACTIVITY: "py-spy samples per function by what they were doing (loop line, own code, "
    "native frames below): the split category breakdown",
    MEMORY: "memory timeline, allocations, GC, frame sizes",
    MEMRAY: "memray: bytes per allocating function at peak and in total, native frames",
    LOG: "structured run log",
}

# A scaling directory, `<profiles-dir>/<label>/scaling-<name>/` (`rbprofile scale`). It holds
# no MANIFEST, TIMING or PSTATS at its top, so run discovery never takes it for a run.
SCALING_PREFIX: Final = "scaling-"
SCALING_MANIFEST: Final = "scaling.json"
SCALING_MEASUREMENTS: Final = "measurements.parquet"
SCALING_FITS: Final = "fits.parquet"
SCALING_PROJECTION: Final = "projection.parquet"
SCALING_PSTATS_DIR: Final = "pstats"  # one cProfile file per run: <point>-r<repeat>.pstats
SCALING_DESCRIPTIONS: Final[dict[str, str]] = {
    SCALING_MANIFEST: "scaling manifest (sizes, runs, bundles, versions, fit settings)",
    SCALING_MEASUREMENTS: "one row per size point, repeat and function: self, inclusive, calls",
    SCALING_FITS: "power-law fits: exponent, 95% interval, r2, rse per function and variable",
    SCALING_PROJECTION: "projection to --at: predicted time, 95% interval, share, refusals",
    SCALING_PSTATS_DIR: "the cProfile output of every run",
}


def scaling_dir_name(name: str) -> str:
    return f"{SCALING_PREFIX}{name}"


# Hidden siblings the writer uses (`.<scenario>.tmp-<pid>`, `.<scenario>.lock`) start with ".".
HIDDEN_PREFIX: Final = "."


def is_hidden(name: str) -> bool:
    return name.startswith(HIDDEN_PREFIX)
