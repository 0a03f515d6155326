"""Merging marked py-spy recordings: the run marker frame is dropped, each run's samples counted."""

from __future__ import annotations

import pytest

from rbprofile.errors import RbprofileError
from rbprofile.profilers.pyspy_merge import collapsed_text, merge, split_runs
from rbprofile.profilers.pyspy_sampling import HEADROOM, seconds_for

CHILD = "/x/rbprofile/runner/child.py"
RUN = "run_algorithm (/x/rustybt/run.py:60)"


def _line(run: int | None, leaf: str, count: int) -> str:
    marker = [f"rbprofile_run_{run} ({CHILD}:97)"] if run is not None else []
    frames = [f"main ({CHILD}:150)", *marker, f"_run ({CHILD}:80)", RUN, leaf]
    return ";".join(frames) + f" {count}\n"


def test_split_drops_the_marker_and_counts_each_run() -> None:
    text = (
        f"<module> ({CHILD}:1);_import_engine ({CHILD}:50) 7\n"  # start-up: no run
        + _line(0, "simulate (/x/rustybt/gens/simulation.py:40)", 20)
        + _line(0, "_load (/x/rustybt/run.py:111)", 5)
        + _line(1, "simulate (/x/rustybt/gens/simulation.py:40)", 22)
        + _line(12, "simulate (/x/rustybt/gens/simulation.py:40)", 3)
    )
    split = split_runs(text)
    assert split.runs == {0: 25, 1: 22, 12: 3}
    assert (split.measured, split.total) == (50, 57)
    unmarked = _line(None, "simulate (/x/rustybt/gens/simulation.py:40)", 45).rsplit(" ", 1)[0]
    assert split.stacks[unmarked] == 45  # runs 0, 1 and 12 merged into one stack
    assert not any("rbprofile_run_" in s for s in split.stacks)
    merged = merge([split, split_runs(_line(0, "_load (/x/rustybt/run.py:111)", 2))])
    assert sum(merged.values()) == 59
    assert collapsed_text(merged).count("\n") == len(merged) == 3
    assert split_runs(collapsed_text(merged)).total == 59  # the merged file reads back


def test_a_line_without_a_count_is_refused() -> None:
    with pytest.raises(RbprofileError, match="no sample count"):
        split_runs("main (/x/a.py:1);f (/x/a.py:2)\n")


def test_seconds_for_follows_the_wall_clock_rate() -> None:
    # 3000 samples at 100 Hz: 30 s of runs (+5%); py-spy keeping 3 of 4 samples: 40 s
    assert seconds_for(3000, 100, 1.0) == pytest.approx(30 * HEADROOM)
    assert seconds_for(3000, 100, 0.75) == pytest.approx(40 * HEADROOM)
