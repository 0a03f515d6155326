"""Merging marked py-spy recordings: the run marker frame is dropped, each run's samples counted."""

from __future__ import annotations

import pytest

from rbprofile.errors import RbprofileError
from rbprofile.profilers.pyspy_merge import Split, collapsed_text, merge, run_table, split_runs
from rbprofile.profilers.pyspy_sampling import FIRST_EFFICIENCY, HEADROOM, Child, seconds_for

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


def test_run_table_numbers_runs_across_children_and_points_at_merged_lines() -> None:
    sim = "simulate (/x/rustybt/gens/simulation.py:40)"
    first = split_runs(_line(0, sim, 20) + _line(1, "_load (/x/rustybt/run.py:111)", 5))
    second = split_runs(_line(0, sim, 7) + f"<module> ({CHILD}:1) 3\n")
    stacks = merge([first, second])
    table = run_table([first, second], [3, 1], stacks)  # child 0 ran 3 times (run 2: no sample)
    assert table.rows() == [(0, 0, 0, 20), (0, 1, 1, 5), (1, 3, 0, 7)]
    lines = collapsed_text(stacks).splitlines()
    assert lines[0].endswith(" 27") and sim in lines[0]  # line 0: 20 + 7 samples
    assert table["samples"].sum() == first.measured + second.measured


def test_a_program_that_runs_once_per_child_gets_more_children() -> None:
    """runs_per_child=1 (a command): every child is asked for one run, and children go on
    past MAX_CHILDREN until the samples are there (the budget is the limit)."""
    from rbprofile.profilers.pyspy_sampling import MAX_CHILDREN, SamplingGoal, sample

    asked: list[int] = []

    def record(wave: list[tuple[int, int, float]]) -> list[Child]:
        asked.extend(repeats for _, repeats, _ in wave)
        return [(Split(stacks={"a": 10}, runs={0: 10}, total=12), 1, 0.01, 0.01, 0.01)] * len(wave)

    # one child at a time (jobs=1): children counted one by one
    goal = SamplingGoal(
        samples=150, budget_s=60.0, run_s=0.01, startup_s=0.0, runs_per_child=1, jobs=1
    )
    out = sample(goal, 100, record)
    assert asked == [1] * 15 and len(out.children) == 15 > MAX_CHILDREN
    assert out.measured == 150 and not out.budget_exhausted
    many = sample(
        SamplingGoal(samples=150, budget_s=60.0, run_s=0.01, startup_s=0.0, jobs=1), 100, record
    )
    assert len(many.children) == MAX_CHILDREN  # repeating children: capped as before


def test_jobs_children_share_the_seconds_the_goal_needs() -> None:
    """With jobs=2 the first wave is two children, each asked for half the run seconds that
    the goal needs at the rate (py-spy samples each child at its own rate); a wave that falls
    short is topped up by another wave of two."""
    from rbprofile.profilers.pyspy_sampling import SamplingGoal, sample

    waves: list[list[tuple[int, int, float]]] = []

    def record(wave: list[tuple[int, int, float]]) -> list[Child]:
        waves.append(wave)
        # each child ran 10 runs of 0.1 s and py-spy kept 80 samples of the 100 it could take
        return [(Split(stacks={"a": 80}, runs={i: 8 for i in range(10)}, total=90), 10, 1.2,
                 1.0, 1.0)] * len(wave)  # fmt: skip

    out = sample(SamplingGoal(samples=200, run_s=0.1, startup_s=0.2, jobs=2), 100, record)
    first, second = waves[0], waves[1]
    assert [index for index, _, _ in first] == [0, 1] and [i for i, _, _ in second] == [2, 3]
    # 200 / 100 Hz / 2 children, py-spy expected to keep FIRST_EFFICIENCY of its rate
    assert all(s == pytest.approx(1.0 / FIRST_EFFICIENCY * HEADROOM) for _, _, s in first)
    # 40 missing at the 80% py-spy kept so far: 40 / (100 x 0.8) / 2 children each
    assert all(s == pytest.approx(0.25 * HEADROOM) for _, _, s in second)
    assert len(waves) == 2 and out.measured == 320 and out.details()["jobs"] == 2


def test_run_leaf_counts_charge_each_runs_samples_to_its_python_leaf() -> None:
    """Per run (child and run numbered into one id): samples by innermost Python frame, keyed
    as load_pyspy keys it (two lines of `simulate` are one leaf), native frames skipped."""
    import polars as pl

    from rbprofile.analysis.intervals import run_leaf_counts
    from rbprofile.analysis.pyspy_source import python_leaves

    sim = "simulate (/x/rustybt/gens/simulation.py:{})"
    native = "dec_mul (/usr/lib/libmpdec.so)"
    collapsed = collapsed_text(
        {
            f"{RUN};{sim.format(40)}": 5,  # line 0
            f"{RUN};{sim.format(41)};{native}": 3,  # line 1: the native leaf is skipped
            f"{RUN};_load (/x/rustybt/run.py:111)": 2,  # line 2
        }
    )
    runs = pl.DataFrame(
        {"child": [0, 0, 0, 1], "run": [0, 0, 1, 2], "line": [0, 1, 2, 0], "samples": [4, 3, 2, 1]}
    )
    got = sorted(run_leaf_counts(python_leaves(collapsed), runs).iter_rows())
    assert got == [
        (0, "rustybt.gens.simulation:simulate", 7),
        (1, "rustybt.run:_load", 2),
        (1_000_002, "rustybt.gens.simulation:simulate", 1),
    ]
