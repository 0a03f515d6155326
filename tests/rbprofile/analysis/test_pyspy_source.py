"""py-spy loader: hand-built collapsed/speedscope files, and real py-spy output (slow)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rbprofile.analysis.pyspy_source import load_pyspy
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


def test_collapsed_hand_built(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text(COLLAPSED)
    samples = load_pyspy(path)
    assert samples.format == "collapsed"
    assert samples.total == 15
    assert samples.has_native and samples.has_idle
    first = samples.stacks[0]
    assert [f.function for f in first.frames] == ["<module>", "work"]  # thread, libc dropped
    assert [(f.file, f.line, f.module) for f in first.frames][1] == ("/nowhere/app.py", 4, "app")
    assert first.count == 7 and not first.idle
    decimal_frame = samples.stacks[1].frames[-1]
    assert (decimal_frame.module, decimal_frame.native) == ("decimal", True)
    assert samples.stacks[2].idle
    assert samples.stacks[3].frames == () and samples.stacks[3].count == 1
    assert samples.frame()["count"].to_list() == [7, 2, 3, 1, 2]
    assert samples.stacks[4].frames[-1].module == "gc"


def test_a_child_wait_leaf_is_idle(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text(
        "<module> (/nowhere/app.py:9);run (/usr/lib/python3.11/subprocess.py:1262);"
        "wait4 (/usr/lib/libc.so.6) 4\n<module> (/nowhere/app.py:9);work (/nowhere/app.py:4) 6\n"
    )
    samples = load_pyspy(path)
    assert [s.idle for s in samples.stacks] == [True, False]


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
    assert [(tuple(f.function for f in s.frames), s.count) for s in samples.stacks] == [
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
        leaves = {}
        for stack in samples.stacks:
            if stack.frames:
                leaves[stack.frames[-1].key] = leaves.get(stack.frames[-1].key, 0) + stack.count
        assert max(leaves, key=leaves.__getitem__) == "hotpkg.work:loop_heavy"
