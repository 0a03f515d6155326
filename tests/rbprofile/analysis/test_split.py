"""The category breakdown split inside functions by what the samples were doing, on a
hand-built samples table with known counts."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

from rbprofile.analysis.categories import categorize
from rbprofile.analysis.intervals import wilson_exprs
from rbprofile.analysis.rules import CATEGORIES, load_rules
from rbprofile.analysis.samples import Frame, Samples, build_samples
from rbprofile.analysis.split import activity
from rbprofile.schema import FUNCTIONS_SCHEMA

SOURCE = """\
def fill(orders):
    total = 0
    for order in orders:
        total += order
    return [o for o in orders]
"""


def frame(name: str, file: str, line: int | None, module: str, native: bool = False) -> Frame:
    return Frame(name, file, line, module, native, name)


@pytest.fixture
def samples(tmp_path: Path) -> Samples:
    src = tmp_path / "proj" / "engine.py"
    src.parent.mkdir()
    src.write_text(SOURCE)
    engine = str(src)
    root = frame("main", engine, 1, "proj.engine")  # line 1: not a loop line of anything
    loop = frame("fill", engine, 4, "proj.engine")  # inside the for body
    own = frame("fill", engine, 2, "proj.engine")  # before the loop
    comp = frame("fill.<locals>.<listcomp>", engine, 5, "proj.engine")  # 3.11 comprehension
    dec = frame("nm_mpd_qmul", "/_decimal.c", 10, "decimal", native=True)
    pol = frame("sort", "/polars/_polars.so", None, "polars", native=True)
    libc = frame("malloc", "/libc.so.6", None, "<native libc>", native=True)
    pandas = frame("take", "/site-packages/pandas/core/frame.py", 9, "pandas.core.frame")
    wait = frame("Popen.wait", "/usr/lib/subprocess.py", 9, "subprocess")
    gc = frame("gc_collect", "/libpython3.11.so", None, "<native libpython>", native=True)
    cal = frame("day", "/site-packages/exchange_calendars/cal.py", 9, "exchange_calendars.cal")
    npy = frame("add", "/site-packages/numpy/_umath.so", None, "numpy", native=True)
    stacks = [
        ((root, loop), 6, False),  # loops
        ((root, own), 3, False),  # Python per-call logic
        ((root, own, dec), 4, False),  # Decimal arithmetic (native _decimal under fill)
        ((root, loop, pol), 5, False),  # data processing, even on a loop line
        ((root, own, libc), 2, False),  # libc is not an extension: per-call logic
        ((root, pandas), 3, False),  # a library's own Python: its rule (data processing)
        ((root, cal, npy), 2, False),  # library code keeps its rule's category over numpy's
        ((root, loop, comp), 2, False),  # the comprehension: loops, charged to fill
        ((root, wait), 1, True),  # waiting: its label (subprocesses)
        ((gc,), 1, False),  # no Python frame: its label (Python overhead)
        ((), 2, False),  # frameless samples: nothing explains them
    ]
    return build_samples(Path("hand.txt"), stacks, "collapsed")


def test_activity_records_what_each_sample_was_doing(samples: Samples) -> None:
    doing = activity(samples)
    assert int(doing["samples"].sum()) == samples.total == 31
    by = {
        (k, d, n): s for k, d, n, s in doing.select("key", "doing", "native", "samples").iter_rows()
    }
    assert by[("proj.engine:fill", "loop", "")] == 6 + 2  # its loop and its comprehension
    assert by[("proj.engine:fill", "python", "decimal")] == 4
    assert by[("proj.engine:fill", "loop", "polars")] == 5
    assert by[("proj.engine:fill", "python", "<native libc>")] == 2
    assert by[("subprocess:Popen.wait", "idle", "")] == 1
    assert by[("(no frames)", "native", "")] == 2


def test_split_breakdown_adds_up_what_the_samples_did(samples: Samples) -> None:
    functions = pl.DataFrame(
        [("proj.engine:fill", "proj.engine", "fill", "/x.py", 1, 1, 1, 1.0, 1.0, None, None,
          None, None, None)],
        schema=FUNCTIONS_SCHEMA,
        orient="row",
    )  # fmt: skip
    result = categorize(functions, load_rules(), samples=samples)
    assert result.split is not None
    split = {r["category"]: r for r in result.split.iter_rows(named=True)}
    counts = {c: r["samples"] for c, r in split.items() if r["samples"]}
    assert counts == {
        "loops": 8, "data processing": 5 + 3, "Python per-call logic": 3 + 2,
        "Decimal arithmetic": 4, "subprocesses": 1, "Python overhead": 1, "other": 2,
        "datetime/calendar": 2,
    }  # fmt: skip
    assert set(split) == set(CATEGORIES)
    assert sum(r["share"] for r in split.values()) == pytest.approx(1.0, abs=1e-12)
    loops = split["loops"]
    assert loops["share"] == pytest.approx(8 / 31)
    # the 95% Wilson interval, by its formula (z: the two-sided 95% normal quantile)
    p, n, z = 8 / 31, 31, 1.959963984540054
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert (loops["share_low"], loops["share_high"]) == (
        pytest.approx(centre - half), pytest.approx(centre + half),
    )  # fmt: skip
    assert loops["share_low"] < loops["share"] < loops["share_high"]
    # the function keeps one label; its own samples are split in the explain table
    fill = result.functions.row(0, named=True)
    assert fill["category"] == "Python per-call logic"
    assert fill["split"] == (
        "loops 36%, Python per-call logic 23%, data processing 23%, Decimal arithmetic 18% "
        "of 22 samples"
    )


def test_wilson_interval_edges() -> None:
    frame = pl.DataFrame({"k": [0, 10, 3], "n": [10, 10, 0]})
    low, high = wilson_exprs("k", pl.col("n"), "share")
    rows = frame.select(low.alias("low"), high.alias("high")).rows()
    assert rows[0][0] == 0.0 and 0.0 < rows[0][1] < 0.35  # 0 of 10: not "certainly 0%"
    assert 0.65 < rows[1][0] < 1.0 and rows[1][1] == pytest.approx(1.0)
    assert rows[2] == (0.0, 1.0)  # no samples: nothing known
