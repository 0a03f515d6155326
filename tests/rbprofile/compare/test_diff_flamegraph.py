"""Differential flamegraph: frame identities over the samples table, merged tree shares, and a
parseable SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from rbprofile.analysis.pyspy_source import load_pyspy
from rbprofile.analysis.samples import Samples
from rbprofile.compare.diff_flamegraph import build_tree, identity_stacks, write_diff_flamegraph
from rbprofile.errors import RbprofileError

SVG = "{http://www.w3.org/2000/svg}"

BEFORE = """\
<module> (/home/u/proj/run.py:3);main (/home/u/proj/run.py:10);slow_sum (/home/u/proj/calc.py:5) 60
<module> (/home/u/proj/run.py:3);main (/home/u/proj/run.py:10);io_read (/home/u/proj/io.py:8) 40
"""
# slow_sum moved to line 7 and got faster: now 20 of 100 samples; io_read unchanged in
# absolute terms, so its share grows; a checkout in another directory still matches.
AFTER = """\
<module> (/tmp/ci/proj/run.py:3);main (/tmp/ci/proj/run.py:12);slow_sum (/tmp/ci/proj/calc.py:7) 10
<module> (/tmp/ci/proj/run.py:3);main (/tmp/ci/proj/run.py:12);io_read (/tmp/ci/proj/io.py:8) 40
"""


Load = Callable[[str], Samples]


@pytest.fixture
def load(tmp_path: Path) -> Load:
    def read(text: str) -> Samples:
        path = tmp_path / f"s{len(list(tmp_path.iterdir()))}.txt"
        path.write_text(text)
        return load_pyspy(path)

    return read


def stacks(samples: Samples) -> dict[tuple[str, ...], int]:
    return {tuple(path): count for path, count in identity_stacks(samples).iter_rows()}


def test_frame_identity_drops_line_and_directory(load: Load) -> None:
    text = (
        "slow_sum (/home/u/proj/calc.py:5);nm_mpd_qmul (_decimal.c:4193);"
        "0x7f3a2b (/usr/lib/libc.so.6);0x60 (?) 1\n"
    )
    assert stacks(load(text)) == {
        ("slow_sum (proj/calc.py)", "nm_mpd_qmul (_decimal.c)", "[native] (lib/libc.so.6)",
         "[native] (?)"): 1,
    }  # fmt: skip


def test_native_addresses_match_across_runs(load: Load) -> None:
    # ASLR: the same libc frame has another address in each run
    before = stacks(load("main (/p/run.py:3);0x7fbae1a4524a (/usr/lib/libc.so.6) 5\n"))
    after = stacks(load("main (/p/run.py:4);0x7fda0344524a (/usr/lib/libc.so.6) 7\n"))
    assert set(before) == set(after) == {("main (p/run.py)", "[native] (lib/libc.so.6)")}


def test_thread_start_frames_do_not_split_a_stack(load: Load) -> None:
    # py-spy --native unwinds the thread's libc start in some samples only
    text = "0x7fbae1a4524a (/usr/lib/libc.so.6);main (/p/run.py:3) 5\nmain (/p/run.py:3) 2\n"
    assert stacks(load(text)) == {("main (p/run.py)",): 7}
    # a native-only stack keeps its symbolized frames; frameless samples are left out
    native = "0x7f (/usr/lib/libc.so.6);gc_collect_main (/usr/lib/libpython3.11.so) 3\n 4\n"
    assert stacks(load(native)) == {("gc_collect_main (lib/libpython3.11.so)",): 3}


def test_identities_merge_stacks_differing_only_by_line(load: Load) -> None:
    text = "a (x/f.py:1);b (x/f.py:2) 3\na (x/f.py:1);b (x/f.py:9) 4\n\n"
    assert stacks(load(text)) == {("a (x/f.py)", "b (x/f.py)"): 7}


def test_tree_shares_and_changes(load: Load) -> None:
    root = build_tree(load(BEFORE), load(AFTER))
    assert (root.before, root.after) == (1.0, 1.0)
    main = root.children["<module> (proj/run.py)"].children["main (proj/run.py)"]
    slow = main.children["slow_sum (proj/calc.py)"]
    io = main.children["io_read (proj/io.py)"]
    assert (slow.before, slow.after) == (pytest.approx(0.6), pytest.approx(0.2))
    assert (io.before, io.after) == (pytest.approx(0.4), pytest.approx(0.8))
    assert slow.change == pytest.approx(-0.4)
    assert io.change == pytest.approx(0.4)
    assert main.change == pytest.approx(0.0)


def test_svg_parses_and_colors_gain_blue_loss_red(tmp_path: Path, load: Load) -> None:
    out = write_diff_flamegraph(load(BEFORE), load(AFTER), tmp_path / "d.svg", "t <&>")
    tree = ET.parse(out).getroot()
    frames = {
        g.find(f"{SVG}title").text.split(":")[0]: g.find(f"{SVG}rect").attrib
        for g in tree.iter(f"{SVG}g")
    }
    assert set(frames) == {
        "all",
        "<module> (proj/run.py)",
        "main (proj/run.py)",
        "slow_sum (proj/calc.py)",
        "io_read (proj/io.py)",
    }
    assert frames["slow_sum (proj/calc.py)"]["fill"] == "rgb(55,55,255)"  # full gain
    assert frames["io_read (proj/io.py)"]["fill"] == "rgb(255,55,55)"  # full loss
    assert frames["main (proj/run.py)"]["fill"] == "rgb(255,255,255)"
    assert float(frames["all"]["width"]) == 1200.0
    assert float(frames["io_read (proj/io.py)"]["width"]) == 960.0  # 80% of the AFTER run
    assert float(frames["slow_sum (proj/calc.py)"]["x"]) == 960.0  # sorted by name: io first


def test_refuses_to_overwrite_and_needs_after_samples(tmp_path: Path, load: Load) -> None:
    before, after = load(BEFORE), load(AFTER)
    out = tmp_path / "d.svg"
    out.write_text("keep")
    with pytest.raises(RbprofileError, match=r"d\.svg exists; pass --force to replace it"):
        write_diff_flamegraph(before, after, out, "t")
    assert out.read_text() == "keep"
    write_diff_flamegraph(before, after, out, "t", force=True)
    assert out.read_text().startswith("<svg")
    e = tmp_path / "e.svg"
    with pytest.raises(ValueError, match="AFTER side has no py-spy samples"):
        write_diff_flamegraph(before, load(" 4\n"), e, "t")
    assert not e.exists()
