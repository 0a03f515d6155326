"""The samples table: Parquet round trip without sources, restriction, owners, shared counts."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from rbprofile.analysis.hotspots import function_samples
from rbprofile.analysis.owners import owners_from_samples, stack_owners
from rbprofile.analysis.pyspy_source import load_pyspy
from rbprofile.analysis.samples import read_samples, sample_counts, write_samples
from rbprofile.errors import RbprofileError

SOURCE = """\
class Book:
    def post(self):
        return 1


def run():
    Book().post()
"""


def collapsed(tmp_path: Path) -> Path:
    prog = tmp_path / "src" / "app" / "book.py"
    prog.parent.mkdir(parents=True)
    prog.write_text(SOURCE)
    path = tmp_path / "s.txt"
    run, post = f"run ({prog}:7)", f"post ({prog}:3)"
    path.write_text(
        f"{run};{post} 5\n{run};{post};malloc (/usr/lib/libc.so.6) 2\n"
        f"{run};clock_nanosleep (/usr/lib/libc.so.6) 3\n 4\n"
    )
    return path


def test_round_trip_needs_no_source_files(tmp_path: Path) -> None:
    path = collapsed(tmp_path)
    samples = load_pyspy(path)
    assert "book:Book.post" in samples.frames["key"].to_list()  # resolved from the source
    stored = write_samples(samples, tmp_path / "samples.parquet")
    (tmp_path / "src" / "app" / "book.py").unlink()
    assert "book:post" in load_pyspy(path).frames["key"].to_list()  # the source is gone

    back = read_samples(stored)
    assert back.frames.equals(samples.frames) and back.stacks.equals(samples.stacks)
    assert (back.total, back.format, back.has_idle, back.has_native) == (
        14, "collapsed", True, True,
    )  # fmt: skip
    assert back.stacks.filter(pl.col("n_frames") == 0)["count"].to_list() == [4]
    assert owners_from_samples(back, "book").equals(owners_from_samples(samples, "book"))
    assert function_samples(back).equals(function_samples(samples))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.txt", "samples.parquet", "src"]


def test_write_replaces_and_read_refuses_other_files(tmp_path: Path) -> None:
    samples = load_pyspy(collapsed(tmp_path))
    target = tmp_path / "samples.parquet"
    target.write_text("old")
    write_samples(samples, target)
    assert read_samples(target).total == 14
    other = tmp_path / "other.parquet"
    pl.DataFrame({"a": [1]}).write_parquet(other)
    with pytest.raises(RbprofileError, match=r"other\.parquet: not an rbprofile samples file"):
        read_samples(other)
    with pytest.raises(RbprofileError, match="not an rbprofile samples file"):
        read_samples(tmp_path / "s.txt")


def test_restrict_keeps_the_recording_flags(tmp_path: Path) -> None:
    samples = load_pyspy(collapsed(tmp_path))
    first = samples.restrict(pl.Series([0]))
    assert (first.total, first.frames["stack"].unique().to_list()) == (5, [0])
    assert first.has_native and first.has_idle  # of the recording, not of this cut
    assert samples.total == 14


def test_stack_owners_charge_the_deepest_project_frame_once(tmp_path: Path) -> None:
    samples = load_pyspy(collapsed(tmp_path))
    owners = stack_owners(samples, "book")
    assert owners.rows() == [
        (0, 5, False, "book:Book.post", True),
        (1, 2, False, "book:Book.post", False),  # malloc below is the leaf
        (2, 3, True, "book:run", False),
        (3, 4, False, "(outside book)", False),  # no frames
    ]
    assert stack_owners(samples, "book") is owners  # computed once per project
    assert stack_owners(samples, "x")["owner"].unique().to_list() == ["(outside x)"]


def test_sample_counts_count_each_stack_once(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    a1, a2, b = "a (/n/m.py:1)", "a (/n/m.py:2)", "b (/n/m.py:3)"
    path.write_text(f"{a1};{a2};{b} 3\n{a1} 2\n{b} 1\n")
    frames = load_pyspy(path).frames
    counts = sample_counts(frames, "function", own=pl.col("leaf"))
    assert counts.rows() == [("a", 2, 5), ("b", 4, 4)]  # recursion: a counted once per stack
