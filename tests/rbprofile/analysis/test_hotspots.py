"""Hotspots and bottlenecks: real profile of hotpkg, and a hand-built one with exact numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from hotprofiles import write_pstats

from rbprofile.analysis.hotspots import bottlenecks, function_samples, hotspots
from rbprofile.analysis.pstats_source import load_pstats
from rbprofile.analysis.pyspy_source import load_pyspy


def test_top_self_function_is_the_loop(hot_pstats: Path) -> None:
    profile = load_pstats(hot_pstats)
    by_self = hotspots(profile.functions, profile.total_s, top=5, sort="self")
    assert by_self["function"][0] == "hotpkg.work:loop_heavy"
    assert by_self["rank"].to_list() == [1, 2, 3, 4, 5]
    by_cum = hotspots(profile.functions, profile.total_s, top=1)
    assert by_cum["function"].to_list() == ["hotpkg.work:main"]
    assert by_cum["cum_share"][0] == pytest.approx(1.0, rel=1e-3)


def _hand(tmp_path: Path) -> Path:
    main, work, tiny = ("/n/app.py", 1, "main"), ("/n/app.py", 5, "work"), ("/n/app.py", 9, "tiny")
    return write_pstats(
        tmp_path / "hand.pstats",
        {
            main: (1, 1, 0.5, 10.0, {}),
            work: (2, 2, 6.0, 9.5, {main: (2, 2, 6.0, 9.5)}),
            tiny: (1000, 1000, 3.5, 3.5, {work: (1000, 1000, 3.5, 3.5)}),
        },
    )


def test_hand_built_numbers(tmp_path: Path) -> None:
    profile = load_pstats(_hand(tmp_path))
    table = hotspots(profile.functions, profile.total_s, top=3, sort="self")
    assert table["function"].to_list() == ["app:work", "app:tiny", "app:main"]
    assert table["ncalls"].to_list() == [2, 1000, 1]
    assert table["self_per_call_s"].to_list() == pytest.approx([3.0, 0.0035, 0.5], abs=1e-15)
    assert table["self_share"].to_list() == pytest.approx([0.6, 0.35, 0.05], abs=1e-15)
    assert table["cum_share"].to_list() == pytest.approx([0.95, 0.35, 1.0], abs=1e-15)
    flagged = bottlenecks(profile.functions, profile.total_s, threshold_pct=50)
    assert flagged["function"].to_list() == ["app:main", "app:work"]


def test_function_samples_hand_built(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text(
        "a (/n/app.py:1);b (/n/app.py:5) 3\n"
        "a (/n/app.py:1);b (/n/app.py:5);c (/x/lib.so) 1\n"
        "a (/n/app.py:2) 4\n"
    )
    table = function_samples(load_pyspy(path))
    assert table.rows() == [("app:a", 4, 0.5, 8, 1.0), ("app:b", 4, 0.5, 4, 0.5)]
