"""Merging cProfile repeats: hand-built pstats files with known numbers."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hotprofiles import write_pstats

from rbprofile.analysis.cprofile_repeats import median_index, merge_repeats
from rbprofile.analysis.hotspots import hotspots
from rbprofile.analysis.pstats_source import load_pstats
from rbprofile.profilers.cprofile import write_tables
from rbprofile.rundir.run import run_total

MAIN, WORK, RARE = ("/n/app.py", 1, "main"), ("/n/app.py", 5, "work"), ("/n/app.py", 9, "rare")


def _repeat(tmp_path: Path, i: int, work_s: float, rare: bool = False) -> Path:
    stats = {
        MAIN: (1, 1, 0.5, 0.5 + work_s + (0.25 if rare else 0.0), {}),
        WORK: (4, 4, work_s, work_s, {MAIN: (4, 4, work_s, work_s)}),
    }
    if rare:  # called in one repeat only
        stats[RARE] = (2, 2, 0.25, 0.25, {MAIN: (2, 2, 0.25, 0.25)})
    return write_pstats(tmp_path / f"r{i}.pstats", stats)


def test_medians_every_repeat_and_the_kept_repeat(tmp_path: Path) -> None:
    paths = [
        _repeat(tmp_path, 1, 3.0),
        _repeat(tmp_path, 2, 1.0, rare=True),
        _repeat(tmp_path, 3, 2.0),
    ]
    merged = merge_repeats([load_pstats(p) for p in paths])
    assert merged.totals_s == pytest.approx((3.5, 1.75, 2.5))
    assert merged.kept == 2  # total 2.5 is the median
    rows = {r["key"]: r for r in merged.functions.iter_rows(named=True)}
    assert rows["app:work"]["self_s_repeats"] == [3.0, 1.0, 2.0]
    assert rows["app:work"]["self_s"] == 2.0 and rows["app:work"]["ncalls"] == 4
    assert rows["app:rare"]["self_s_repeats"] == [0.0, 0.25, 0.0]  # absent: not called
    assert rows["app:rare"]["self_s"] == 0.0
    assert rows["app:main"]["cum_s_repeats"] == [3.5, 1.75, 2.5]
    assert merged.calls_differ == ("app:rare",)
    assert set(merged.edges["callee_key"]) == {"app:work"}  # the kept repeat's edges
    # each repeat's total is the sum of its column
    for i, total in enumerate(merged.totals_s):
        assert sum(r[i] for r in merged.functions["self_s_repeats"]) == pytest.approx(total)


def test_one_profile_is_one_repeat(tmp_path: Path) -> None:
    profile = load_pstats(_repeat(tmp_path, 1, 3.0))
    merged = merge_repeats([profile])
    assert merged.kept == 0 and merged.calls_differ == ()
    assert merged.functions.equals(profile.functions)


def test_median_index_takes_the_lower_middle() -> None:
    assert median_index([3.0, 1.0, 2.0]) == 2
    assert median_index([4.0, 1.0, 3.0, 2.0]) == 3  # 2.0 of 1, 2, 3, 4
    with pytest.raises(ValueError):
        median_index([])


def test_hotspots_show_the_spread_over_repeats(tmp_path: Path) -> None:
    paths = [_repeat(tmp_path, 1, 3.0), _repeat(tmp_path, 2, 1.0), _repeat(tmp_path, 3, 2.0)]
    merged = merge_repeats([load_pstats(p) for p in paths])
    table = hotspots(merged.functions, 2.5, top=2, sort="self")
    assert table["function"].to_list() == ["app:work", "app:main"]
    assert table["self_spread"].to_list() == pytest.approx([(3.0 - 1.0) / 2.0, 0.0])
    single = load_pstats(paths[0])
    assert hotspots(single.functions, 3.5, top=1)["self_spread"].to_list() == [None]


def test_the_run_total_is_the_median_repeats_total(tmp_path: Path) -> None:
    paths = [
        _repeat(tmp_path, 1, 3.0, True),
        _repeat(tmp_path, 2, 1.0, True),
        _repeat(tmp_path, 3, 2.0),
    ]
    merged = merge_repeats([load_pstats(p) for p in paths])
    assert merged.totals_s == pytest.approx((3.75, 1.75, 2.5))
    assert merged.functions["self_s"].sum() == pytest.approx(0.5 + 2.0 + 0.25)  # medians
    assert run_total(merged.functions) == pytest.approx(2.5)  # the median repeat's total
    single = load_pstats(paths[1])
    assert run_total(single.functions) == pytest.approx(single.total_s) == pytest.approx(1.75)


def test_write_tables_of_one_pstats_in_place(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    path = _repeat(run_dir, 1, 3.0).rename(run_dir / "cprofile.pstats")
    before = path.read_bytes()
    assert write_tables(path, run_dir) == 2  # app:main, app:work
    assert path.read_bytes() == before
    functions = pl.read_parquet(run_dir / "functions.parquet")
    assert functions["self_s_repeats"].to_list() == [[0.5], [3.0]]
