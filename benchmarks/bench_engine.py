"""rustybt engine speed and memory per scenario and numeric mode.

Every measurement is one fresh interpreter (so the calendar cache, imports and allocator
start cold, as for a user's run): the child times ``import rustybt.run`` (import time), then
one ``run_algorithm`` call from call to return (bundle load and calendar construction
included), and reports its peak RSS. ``exchange_calendars``, which the bundle layer imports
lazily, is imported in the import phase: imports are excluded from simulation time.

Each (scenario, mode) is run REPEATS times; the table shows the medians and the decimal/float
ratio of those medians, measured here in this one run. CPU seconds are shown beside wall
seconds because on a shared machine wall time also measures the neighbours.

Targets (issue 2): simulation daily < 0.5 s, hourly < 0.5 s, minute < 1.5 s in decimal
mode; decimal within 1.3x of float; peak RSS < 250 MB for daily.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

REPEATS = 5
SCENARIOS = ("daily", "hourly", "minute")
MODES = ("decimal", "float")
TARGET_S = {"daily": 0.5, "hourly": 0.5, "minute": 1.5}
RATIO_TARGET = 1.3
RSS_TARGET_MIB = {"daily": 250 * 1_000_000 / 2**20}

CHILD = """
import json, pathlib, sys, time


def peak_rss_mib():
    # VmHWM belongs to this process's address space; ru_maxrss would survive execve and
    # report the parent's peak when the parent was bigger.
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


t0 = time.perf_counter()
import rustybt.run
import exchange_calendars  # imported lazily by the bundle layer: an import, not simulation
import_s = time.perf_counter() - t0
scenario, numeric, strategy, root = sys.argv[1:5]
namespace = rustybt.run.load_algorithm_file(strategy)
t1, c1 = time.perf_counter(), time.process_time()
result = rustybt.run.run_algorithm(
    bundle=scenario, namespace=namespace, numeric=numeric, bundle_root=pathlib.Path(root)
)
simulate_s, simulate_cpu_s = time.perf_counter() - t1, time.process_time() - c1
print(json.dumps({
    "import_s": import_s,
    "simulate_s": simulate_s,
    "simulate_cpu_s": simulate_cpu_s,
    "peak_rss_mib": peak_rss_mib(),
    "transactions": result.summary["transactions"],
    "final_value": round(float(result.summary["final_portfolio_value"]), 2),
}))
"""


def ensure_bundles(root: Path) -> None:
    """Write any missing scenario bundle (same spec and seed as `rbprofile ingest`)."""
    from rbprofile.scenarios import SCENARIOS as ROWS
    from rustybt.data.bundles import BundleSpec, list_bundles, write_bundle

    present = set(list_bundles(root))
    for name in SCENARIOS:
        if name not in present:
            s = ROWS[name]
            write_bundle(BundleSpec(s.bundle, s.frequency, s.assets, s.start, s.end, s.seed), root)


def measure_once(scenario: str, numeric: str, root: Path) -> dict[str, Any]:
    from rbprofile.scenarios import SCENARIOS as ROWS

    strategy = str(ROWS[scenario].strategy_file)
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, scenario, numeric, strategy, str(root)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{scenario}/{numeric} child failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def measure(scenario: str, numeric: str, root: Path) -> dict[str, Any]:
    runs = [measure_once(scenario, numeric, root) for _ in range(REPEATS)]
    sim = [r["simulate_s"] for r in runs]
    return {
        "scenario": scenario,
        "numeric": numeric,
        "simulate_s": statistics.median(sim),
        "simulate_min_s": min(sim),
        "simulate_max_s": max(sim),
        "simulate_cpu_s": statistics.median(r["simulate_cpu_s"] for r in runs),
        "import_s": statistics.median(r["import_s"] for r in runs),
        "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
        "transactions": runs[0]["transactions"],
        "final_value": runs[0]["final_value"],
    }


def main() -> list[dict[str, Any]]:
    from rustybt.data.bundles import default_bundle_root

    root = default_bundle_root()
    ensure_bundles(root)
    rows = [measure(s, m, root) for s in SCENARIOS for m in MODES]
    by_key = {(r["scenario"], r["numeric"]): r for r in rows}
    for row in rows:
        scenario = row["scenario"]
        flt = by_key[(scenario, "float")]
        ratio = row["simulate_s"] / flt["simulate_s"]
        cpu_ratio = row["simulate_cpu_s"] / flt["simulate_cpu_s"]
        row["decimal_float_ratio"] = ratio if row["numeric"] == "decimal" else None
        row["decimal_float_cpu_ratio"] = cpu_ratio if row["numeric"] == "decimal" else None
        row["target_s"] = TARGET_S[scenario] if row["numeric"] == "decimal" else None
        checks = [row["simulate_s"] < TARGET_S[scenario]] if row["numeric"] == "decimal" else []
        if row["numeric"] == "decimal":
            checks.append(ratio < RATIO_TARGET)
        if scenario in RSS_TARGET_MIB:
            checks.append(row["peak_rss_mib"] < RSS_TARGET_MIB[scenario])
        row["meets_targets"] = all(checks)
    return rows


if __name__ == "__main__":
    for row in main():
        print(row)
