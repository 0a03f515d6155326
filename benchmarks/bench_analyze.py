"""How fast is `rbprofile analyze` on a large profile, and `rbprofile --help`?

- A ~7,500-function pstats is made for real: a child interpreter imports many stdlib and
  site packages (pandas, polars, numpy, matplotlib, exchange_calendars, asyncio, email, ...)
  under `python -m cProfile -o`. Then `rbprofile analyze FILE` runs end to end (a fresh
  process, interpreter start included) for each `--by`; target < 1 s (median of 3).
- `rbprofile --help`: target < 0.5 s (median of 3).
The bare interpreter start (`python -c pass`) is measured in the same run as the reference,
and each row gives its ratio to it.
"""

from __future__ import annotations

import pstats
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
    "rich.console, rich.table, typer, structlog, pyarrow, psutil, memory_profiler\n"
)
RBPROFILE = [sys.executable, "-m", "rbprofile"]


def _wall(command: list[str]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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
        reference = _wall([sys.executable, "-c", "pass"])
        rows: list[dict] = [
            {"case": "python -c pass (reference)", "functions": None, "wall_s": reference}
        ]
        for by in ("function", "module", "owner"):
            wall = _wall([*RBPROFILE, "analyze", str(big), "--by", by, "--format", "json"])
            rows.append(
                {
                    "case": f"analyze --by {by}",
                    "functions": functions,
                    "wall_s": wall,
                    "target_s": 1.0,
                }
            )
        rows.append(
            {
                "case": "rbprofile --help",
                "functions": None,
                "wall_s": _wall([*RBPROFILE, "--help"]),
                "target_s": 0.5,
            }
        )
    for row in rows[1:]:
        row["x_reference"] = row["wall_s"] / reference
        row["ok"] = row["wall_s"] < row["target_s"]
    return rows
