"""py-spy loader: hand-built collapsed/speedscope files, and real py-spy output (slow)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from rbprofile.analysis.pyspy_source import load_pyspy
from rbprofile.analysis.samples import FRAMES_SCHEMA, STACKS_SCHEMA, Samples
from rbprofile.errors import RbprofileError

LIBC = "0x7fee5124524a (/usr/lib/libc.so.6)"
DEC = "dec_new (/build/Modules/_decimal/_decimal.c:2860)"
SLEEP = "time_sleep (libpython3.11.so.1.0);clock_nanosleep (/usr/lib/libc.so.6)"
COLLAPSED = f"""\
thread (0x7F01);{LIBC};<module> (/nowhere/app.py:9);work (/nowhere/app.py:4) 7
<module> (/nowhere/app.py:9);work (/nowhere/app.py:5);{DEC} 2
<module> (/nowhere/app.py:9);pause (/nowhere/app.py:7);{SLEEP} 3
 1
<module> (/nowhere/app.py:9);gc_collect_main (/usr/lib/libpython3.11.so.1.0) 2
"""


def frames_of(samples: Samples, stack: int) -> list[dict[str, object]]:
    return samples.frames.filter(pl.col("stack") == stack).rows(named=True)


def test_collapsed_hand_built(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text(COLLAPSED)
    samples = load_pyspy(path)
    assert samples.format == "collapsed"
    assert samples.frames.schema == FRAMES_SCHEMA and samples.stacks.schema == STACKS_SCHEMA
    assert samples.total == 15
    assert samples.has_native and samples.has_idle
    first = frames_of(samples, 0)
    assert [f["function"] for f in first] == ["<module>", "work"]  # thread, libc dropped
    assert [(f["file"], f["line"], f["module"]) for f in first][1] == ("/nowhere/app.py", 4, "app")
    assert [f["depth"] for f in first] == [0, 1]
    assert [(f["count"], f["idle"]) for f in first] == [(7, False), (7, False)]
    assert [(f["key"], f["leaf"], f["python_leaf"]) for f in first] == [
        ("app:<module>", False, False),
        ("app:work", True, True),
    ]
    *_, work, decimal_frame = frames_of(samples, 1)
    assert (decimal_frame["module"], decimal_frame["native"]) == ("decimal", True)
    assert decimal_frame["leaf"] and not decimal_frame["python_leaf"]
    assert work["python_leaf"] and not work["leaf"]  # deepest Python frame, not the leaf
    assert samples.stacks.row(2, named=True)["idle"]
    assert samples.stacks.row(3) == (3, 1, False, 0)  # " 1": counted, no frames
    assert frames_of(samples, 3) == []
    assert samples.stacks["count"].to_list() == [7, 2, 3, 1, 2]
    assert frames_of(samples, 4)[-1]["module"] == "gc"


def test_identical_stacks_are_merged(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    a, b2, b3 = "a (/n/app.py:1)", "b (/n/app.py:2)", "b (/n/app.py:3)"
    path.write_text(f"{a};{b2} 3\n{a} 1\n{a};{b2} 4\n{a};{b3} 5\n")
    samples = load_pyspy(path)
    assert samples.stacks.select("stack", "count", "n_frames").rows() == [
        (0, 7, 2), (1, 1, 1), (2, 5, 2),
    ]  # fmt: skip
    assert samples.total == 13


def test_a_child_wait_leaf_is_idle(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text(
        "<module> (/nowhere/app.py:9);run (/usr/lib/python3.11/subprocess.py:1262);"
        "wait4 (/usr/lib/libc.so.6) 4\n<module> (/nowhere/app.py:9);work (/nowhere/app.py:4) 6\n"
    )
    samples = load_pyspy(path)
    assert samples.stacks["idle"].to_list() == [True, False]
    assert samples.frames.group_by("stack", maintain_order=True).agg(pl.col("idle").all())[
        "idle"
    ].to_list() == [True, False]


def test_speedscope_hand_built(tmp_path: Path) -> None:
    doc = {
        "shared": {
            "frames": [
                {"name": "<module>", "file": "/nowhere/app.py", "line": 9},
                {"name": "work", "file": "/nowhere/app.py", "line": 4},
            ]
        },
        "profiles": [
            {"type": "sampled", "samples": [[0, 1], [0, 1], [0]], "weights": [0.01, 0.01, 0.02]}
        ],
    }
    path = tmp_path / "x.json"
    path.write_text(json.dumps(doc))
    samples = load_pyspy(path)
    assert samples.format == "speedscope"
    functions = samples.frames.group_by("stack", maintain_order=True).agg("function", "count")
    assert [(tuple(f), c[0]) for _, f, c in functions.iter_rows()] == [
        (("<module>", "work"), 2),
        (("<module>",), 2),
    ]
    assert samples.total == 4 and not samples.has_native


@pytest.mark.parametrize(
    ("text", "phrase"), [("", "empty py-spy file"), ("a;b notanumber\n", "x.txt:1: not a py-spy")]
)
def test_bad_files(tmp_path: Path, text: str, phrase: str) -> None:
    path = tmp_path / "x.txt"
    path.write_text(text)
    with pytest.raises(RbprofileError, match=phrase):
        load_pyspy(path)


@pytest.mark.slow
def test_real_pyspy_collapsed_and_speedscope_agree(
    hot_collapsed: Path, hot_speedscope: Path
) -> None:
    for path in (hot_collapsed, hot_speedscope):
        samples = load_pyspy(path)
        leaves = samples.frames.filter(pl.col("leaf")).group_by("key").agg(pl.col("count").sum())
        assert leaves.sort("count", descending=True)["key"][0] == "hotpkg.work:loop_heavy"
