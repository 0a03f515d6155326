"""Hand-built run directories for report tests.

Each run holds a REAL cprofile.pstats (cProfile over report_tinyprog.py: Decimal arithmetic in a
loop plus a Polars call), its functions.parquet, manifest/timing/memory JSON with known numbers,
and a small py-spy collapsed file with known stacks, so every section has measured data.
"""

from __future__ import annotations

import cProfile
import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

HERE = Path(__file__).parent
SCENARIO_PARAMS = {
    "strategy": "sma_crossover",
    "strategy_file": "rustybt/examples/sma_crossover.py",
    "frequency": "daily",
    "assets": 3,
    "sessions": 10,
    "bars": 30,
    "start": "2026-10-19",
    "end": "2026-10-30",
}
# Known timing medians per numeric mode: decimal simulate CPU 0.25 s, float 0.2 s -> 1.25x.
SIMULATE_CPU = {"decimal": [0.24, 0.25, 0.26], "float": [0.19, 0.20, 0.21]}


def _tinyprog() -> Any:
    spec = importlib.util.spec_from_file_location("report_tinyprog", HERE / "report_tinyprog.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def functions_from_pstats(path: Path) -> pl.DataFrame:
    from rbprofile.analysis.pstats_source import load_pstats

    return load_pstats(path).functions


def manifest(label: str, scenario: str, numeric: str, profilers: dict[str, Any]) -> dict[str, Any]:
    cpu = SIMULATE_CPU[numeric]
    return {
        "schema_version": 1,
        "label": label,
        "scenario": scenario,
        "started": "2026-11-20T10:00:00Z",
        "finished": "2026-11-20T10:01:00Z",
        "versions": {
            "rbprofile": "0.1.0",
            "rustybt": "0.1.0",
            "python": "3.11.7",
            "polars": "2.1.0",
            "pandas": "3.1.0",
            "py_spy": "0.4.3",
            "memory_profiler": "0.61.0",
        },
        "platform": {
            "system": "Linux",
            "release": "6.1.0",
            "machine": "x86_64",
            "cpu": "Test CPU @ 2.0GHz",
            "cpu_count": 2,
        },
        "git_commit": "abc1234",
        "bundle": {
            "name": scenario,
            "content_hash": "f" * 64,
            "frequency": "daily",
            "first_session": "2026-10-19",
            "last_session": "2026-10-30",
            "assets": 3,
        },
        "scenario_params": SCENARIO_PARAMS,
        "numeric": numeric,
        "timing": {"repeats": 3, "wall_s": [c + 0.5 for c in cpu], "simulate_cpu_s": cpu},
        "profilers": profilers,
    }


def timing(numeric: str) -> dict[str, Any]:
    runs = [
        {
            "startup_s": 0.02,
            "import_s": 0.3,
            "load_wall_s": 0.1,
            "load_cpu_s": 0.09,
            "simulate_wall_s": cpu + 0.01,
            "simulate_cpu_s": cpu,
            "total_wall_s": cpu + 0.5,
        }
        for cpu in SIMULATE_CPU[numeric]
    ]
    return {"schema_version": 1, "repeats": 3, "runs": runs, "median": runs[1]}


MEMORY = {
    "schema_version": 1,
    "interval_s": 0.1,
    "samples": [[0.0, 50.0], [0.1, 80.0], [0.2, 120.5], [0.3, 90.0]],
    "baseline_mib": 50.0,
    "peak_mib": 120.5,
    "mean_mib": 85.125,
    "tracemalloc": {
        "top_by_peak": [
            {
                "function": "money",
                "file": "report_tinyprog.py",
                "line": 22,
                "size_mib": 12.5,
                "count": 4000,
            },
            {
                "function": "frame",
                "file": "report_tinyprog.py",
                "line": 29,
                "size_mib": 3.25,
                "count": 12,
            },
        ],
        "top_by_total": [
            {
                "function": "money",
                "file": "report_tinyprog.py",
                "line": 22,
                "size_mib": 40.0,
                "count": 60000,
            },
        ],
        "flagged": [],
    },
    "gc": {"collections": {"0": 120, "1": 10, "2": 1}, "time_s": 0.015},
    "polars_frames": [{"name": "daily_bars", "rows": 30, "columns": 7, "estimated_mib": 0.002}],
}

COLLAPSED = (
    "main (report_tinyprog.py:33);money (report_tinyprog.py:24) 80\n"
    "main (report_tinyprog.py:33);frame (report_tinyprog.py:30) 20\n"
)

ALL_PROFILERS = ("cprofile", "pyspy", "memory")
MIB = 1024 * 1024
# memray's totals (manifest) and table (memray.parquet), MEMRAY_SCHEMA, largest at peak first.
MEMRAY_RECORD = {
    "status": "ok", "reason": None, "wall_s": 5.0, "overhead": 5.5, "native": True,
    "peak_bytes": 80 * MIB, "peak_mmap_bytes": 64 * MIB, "total_bytes": 400 * MIB,
    "allocations": 1_000_000,
}  # fmt: skip
MEMRAY_ROWS = [
    ("frame", "report_tinyprog", "report_tinyprog.py", 30, "__pyx_pw_7pyarrow_3lib_199array",
     64 * MIB, 2, 64 * MIB, 100 * MIB, 10),
    ("money", "report_tinyprog", "report_tinyprog.py", 22, "ctx_create_decimal",
     12 * MIB, 100_000, 0, 300 * MIB, 900_000),
]  # fmt: skip


def write_run(
    run_dir: Path,
    label: str,
    scenario: str,
    numeric: str,
    pstats_path: Path,
    profilers: tuple[str, ...] = ALL_PROFILERS,
) -> None:
    """Write one run directory; profilers not in `profilers` are recorded as skipped."""
    run_dir.mkdir(parents=True)
    records: dict[str, Any] = {}
    for name in ALL_PROFILERS:
        if name in profilers:
            records[name] = {"status": "ok", "reason": None, "wall_s": 1.0, "overhead": 1.8}
        else:
            records[name] = {"status": "skipped", "reason": "not requested (--profiler)"}
    if "memray" in profilers:
        records["memray"] = dict(MEMRAY_RECORD, files=["memray.parquet"])
    if "pyspy" in records and records["pyspy"]["status"] == "ok":
        records["pyspy"].update(native=True, overhead=1.05)
    (run_dir / "manifest.json").write_text(json.dumps(manifest(label, scenario, numeric, records)))
    (run_dir / "timing.json").write_text(json.dumps(timing(numeric)))
    if "cprofile" in profilers:
        (run_dir / "cprofile.pstats").write_bytes(pstats_path.read_bytes())
        functions_from_pstats(pstats_path).write_parquet(run_dir / "functions.parquet")
    if "pyspy" in profilers:
        (run_dir / "pyspy.collapsed.txt").write_text(COLLAPSED)
        (run_dir / "pyspy.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"></svg>\n')
        (run_dir / "pyspy.speedscope.json").write_text('{"shared": {"frames": []}, "profiles": []}')
    if "memory" in profilers:
        (run_dir / "memory.json").write_text(json.dumps(MEMORY))
    if "memray" in profilers:
        from rbprofile.schema import MEMRAY_SCHEMA

        pl.DataFrame(MEMRAY_ROWS, schema=MEMRAY_SCHEMA, orient="row").write_parquet(
            run_dir / "memray.parquet"
        )


@pytest.fixture(scope="session")
def pstats_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One real pstats per numeric mode, profiled once per test session."""
    prog = _tinyprog()
    out = tmp_path_factory.mktemp("pstats")
    files = {}
    prog.main("float")  # warm: first-call costs (polars) would otherwise land in one mode only
    for numeric in ("decimal", "float"):
        profiler = cProfile.Profile()
        profiler.runcall(prog.main, numeric)
        path = out / f"{numeric}.pstats"
        profiler.dump_stats(path)
        files[numeric] = path
    return files


@pytest.fixture
def context(profiles: Path, tmp_path: Path) -> Callable[..., Any]:
    """`context(*labels, compare=None) -> ReportContext`; the report goes to tmp_path/docs."""
    from rbprofile.report.model import LinkBase, ReportContext
    from rbprofile.rundir.locate import label_runs

    def make(
        *labels: str, compare: tuple[str, str] | None = None, project: str | None = None
    ) -> ReportContext:
        runs = tuple(run for label in labels for run in label_runs(label, profiles))
        return ReportContext(labels, runs, LinkBase(tmp_path / "docs"), profiles, compare, project)

    return make


@pytest.fixture
def make_run(profiles: Path, pstats_files: dict[str, Path]) -> Callable[..., Path]:
    """`make_run(label, scenario="smoke", numeric="decimal", profilers=...) -> run dir`."""

    def make(
        label: str,
        scenario: str = "smoke",
        numeric: str = "decimal",
        profilers: tuple[str, ...] = ALL_PROFILERS,
    ) -> Path:
        run_dir = profiles / label / scenario
        write_run(run_dir, label, scenario, numeric, pstats_files[numeric], profilers)
        return run_dir

    return make
