"""py-spy recorded without --full-filenames: detected when loading, said once by analyze and
categorize, instead of silently finding no loops. Hand-written collapsed files, known answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rbprofile.analysis.loops import loop_evidence
from rbprofile.analysis.pyspy_source import load_pyspy
from rbprofile.analysis.samples import read_samples, write_samples
from rbprofile.views.sampled import FILENAMES_NOTE

PORTAL = """\
def history(n):
    total = 0
    for i in range(n):
        total += i
    return total


def main():
    return history(10)


main()
"""


def _collapsed(path: Path, file: str) -> Path:
    """8 samples on the loop body (line 4), 2 before the loop (line 2)."""
    stack = f"<module> ({file}:12);main ({file}:9);history ({file}"
    path.write_text(f"{stack}:4) 8\n{stack}:2) 2\n")
    return path


@pytest.fixture
def recordings(tmp_path: Path) -> tuple[Path, Path]:
    source = tmp_path / "app" / "portal.py"
    source.parent.mkdir()
    source.write_text(PORTAL)
    full = _collapsed(tmp_path / "full.txt", str(source))
    short = _collapsed(tmp_path / "short.txt", "portal.py")  # py-spy's default file names
    return full, short


def test_full_filenames_give_loop_evidence(recordings: tuple[Path, Path]) -> None:
    samples = load_pyspy(recordings[0])
    assert samples.short_filenames is False
    rows = loop_evidence(samples).rows(named=True)
    assert [(r["key"], r["share"], r["detail"]) for r in rows] == [
        ("portal:history", 0.8, "8/10 own samples on loop lines 4")
    ]


def test_short_filenames_are_detected_and_survive_the_samples_file(
    recordings: tuple[Path, Path], tmp_path: Path
) -> None:
    samples = load_pyspy(recordings[1])
    assert samples.short_filenames is True
    assert samples.total == 10
    assert loop_evidence(samples).height == 0  # no source to read: why the note exists
    stored = read_samples(write_samples(samples, tmp_path / "samples.parquet"))
    assert stored.short_filenames is True
    full = read_samples(write_samples(load_pyspy(recordings[0]), tmp_path / "full.parquet"))
    assert full.short_filenames is False


def test_package_relative_names_and_frozen_frames(tmp_path: Path) -> None:
    relative = tmp_path / "relative.txt"  # site-packages stripped, as py-spy does by default
    relative.write_text(
        "<module> (<frozen runpy>:88);run (backtrader/cerebro.py:1132) 3\n"
        "<module> (<frozen runpy>:88);_load (backtrader/feeds/pandafeed.py:268) 5\n"
    )
    assert load_pyspy(relative).short_filenames is True
    frozen_only = tmp_path / "frozen.txt"  # no Python file at all: nothing to judge
    frozen_only.write_text("<module> (<frozen runpy>:88);main (<frozen runpy>:198) 4\n")
    assert load_pyspy(frozen_only).short_filenames is False


@pytest.mark.parametrize(
    "command",
    [["analyze"], ["analyze", "--by", "category"], ["analyze", "--targets"], ["categorize"]],
)
def test_the_note_is_said_once(recordings: tuple[Path, Path], cli, command: list[str]) -> None:
    for recording, expected in zip(recordings, (0, 1), strict=True):
        result = cli([*command, str(recording), "--format", "json"])
        assert result.exit_code == 0, result.output
        doc = json.loads(result.stdout)
        assert doc["notes"].count(FILENAMES_NOTE) == expected
        table_notes = [n for t in doc["tables"].values() for n in t["notes"]]
        assert FILENAMES_NOTE not in table_notes


def test_categorize_finds_the_loop_only_with_full_filenames(
    recordings: tuple[Path, Path], cli
) -> None:
    loops = []
    for recording in recordings:
        args = ["categorize", str(recording), "--format", "json", "--table", "categories"]
        result = cli(args)
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)["tables"]["categories"]["rows"]
        loops.append(next(r["samples"] for r in rows if r["category"] == "loops"))
    assert loops == [10, 0]


def test_note_text() -> None:
    assert FILENAMES_NOTE == (
        "py-spy recorded without --full-filenames: loop and source evidence unavailable; "
        "re-record with `py-spy record --full-filenames ...`."
    )
