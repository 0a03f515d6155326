"""How fast is `rbprofile analyze` on a large profile, and `rbprofile --help`?

- A ~7,500-function pstats is made for real: a child interpreter imports many stdlib and
  site packages (pandas, polars, numpy, matplotlib, exchange_calendars, asyncio, email, ...)
  under `python -m cProfile -o`. Then `rbprofile analyze FILE` runs end to end (a fresh
  process, interpreter start included) for each `--by`; target < 1 s (median of 3).
- `rbprofile analyze FILE --targets --project pandas` on the same whole-process profile: the
  categories (rules, static loop and Decimal evidence read from the sources), owner spreading
  over the whole call graph and the FFI check's loop callers; target < 2 s (median of 3).
- `rbprofile --help`: target < 0.5 s (median of 3).
The bare interpreter start (`python -c pass`) is measured in the same run as the reference,
and each row gives its ratio to it. `cpu_s` (the child's user + sys time) is shown next to
wall time because on a shared machine wall time also counts waiting for a core.
"""

from __future__ import annotations

import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPEATS = 3
IMPORTS = (
    "import pandas, polars, numpy, exchange_calendars, matplotlib.pyplot, asyncio, "
    "email.mime.multipart, http.server, xml.dom.minidom, unittest, argparse, logging.handlers, "
    "sqlite3, decimal, statistics, json, csv, tarfile, zipfile, difflib, pydoc, doctest, "
    "rich.console, rich.table, typer, structlog, pyarrow, psutil, memory_profiler, "
    "pyarrow.parquet, pyarrow.compute, matplotlib.backends.backend_svg, multiprocessing.pool, "
    "concurrent.futures, urllib.request, smtplib, imaplib, xmlrpc.server, wsgiref.simple_server, "
    "pdb, trace, timeit, mailbox, configparser, shelve, venv, hypothesis\n"
)
RBPROFILE = [sys.executable, "-m", "rbprofile"]
TARGETS_PROJECT = "pandas"  # a package the import script runs plenty of code from


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _measure(command: list[str]) -> tuple[float, float]:
    """Median wall and median CPU (user + sys) seconds of `command` over REPEATS runs."""
    walls, cpus = [], []
    for _ in range(REPEATS):
        cpu, start = _children_cpu(), time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
        cpus.append(_children_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def _row(case: str, command: list[str], functions: int | None, target: float | None) -> dict:
    wall, cpu = _measure(command)
    return {"case": case, "functions": functions, "wall_s": wall, "cpu_s": cpu, "target_s": target}


def make_big_pstats(workdir: Path) -> tuple[Path, int]:
    script = workdir / "import_many.py"
    script.write_text(IMPORTS)
    out = workdir / "big.pstats"
    subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(out), str(script)],
        check=True,
        capture_output=True,
    )
    return out, len(pstats.Stats(str(out)).stats)


def main() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        big, functions = make_big_pstats(Path(tmp))
        rows = [_row("python -c pass (reference)", [sys.executable, "-c", "pass"], None, None)]
        for by in ("function", "module", "owner"):
            command = [*RBPROFILE, "analyze", str(big), "--by", by, "--format", "json"]
            rows.append(_row(f"analyze --by {by}", command, functions, 1.0))
        command = [*RBPROFILE, "analyze", str(big), "--targets", "--project", TARGETS_PROJECT]
        rows.append(_row(f"analyze --targets --project {TARGETS_PROJECT}", command, functions, 2.0))
        rows.append(_row("rbprofile --help", [*RBPROFILE, "--help"], None, 0.5))
    reference = rows[0]["wall_s"]
    for row in rows[1:]:
        row["x_reference"] = row["wall_s"] / reference
        row["ok"] = row["wall_s"] < row["target_s"]
    return rows
