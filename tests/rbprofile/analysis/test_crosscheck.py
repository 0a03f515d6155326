"""cProfile vs py-spy: Spearman's rho over the union of both top lists, 2x disagreements."""

from __future__ import annotations

from pathlib import Path

import pytest
from hotprofiles import write_pstats

from rbprofile.analysis.crosscheck import crosscheck, python_self_shares, spearman
from rbprofile.analysis.pstats_source import load_pstats
from rbprofile.analysis.pyspy_source import load_pyspy


def test_spearman_known_values() -> None:
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [40, 30, 20, 10]) == pytest.approx(-1.0)
    assert spearman([1, 2, 3], [1, 3, 2]) == pytest.approx(0.5)
    assert spearman([1, 2], [1, 2]) is None


def _pair(tmp_path: Path) -> tuple[Path, Path]:
    main, loop = ("/n/app.py", 1, "main"), ("/n/app.py", 5, "loop")
    tiny, length = ("/n/app.py", 9, "tiny"), ("~", 0, "<built-in method builtins.len>")
    pstats = write_pstats(
        tmp_path / "p.pstats",
        {
            main: (1, 1, 1.0, 10.0, {}),
            loop: (1, 1, 4.0, 5.0, {main: (1, 1, 4.0, 5.0)}),
            length: (100, 100, 1.0, 1.0, {loop: (100, 100, 1.0, 1.0)}),
            tiny: (10**6, 10**6, 4.0, 4.0, {main: (10**6, 10**6, 4.0, 4.0)}),
        },
    )
    collapsed = tmp_path / "s.txt"
    collapsed.write_text(
        "main (/n/app.py:2);loop (/n/app.py:6) 50\n"
        "main (/n/app.py:3) 40\n"
        "main (/n/app.py:4);tiny (/n/app.py:10) 10\n"
        "<module> (/n/boot.py:1) 20\n"  # start-up outside cProfile's window
    )
    return pstats, collapsed


def test_c_functions_fold_into_python_callers(tmp_path: Path) -> None:
    pstats, _ = _pair(tmp_path)
    shares = python_self_shares(load_pstats(pstats))
    assert shares == pytest.approx({"app:main": 0.1, "app:loop": 0.5, "app:tiny": 0.4})


def test_small_function_called_often_is_flagged(tmp_path: Path) -> None:
    pstats, collapsed = _pair(tmp_path)
    check = crosscheck(load_pstats(pstats), load_pyspy(collapsed))
    rows = {r["function"]: r for r in check.table.iter_rows(named=True)}
    assert check.window == "100 of 120 py-spy samples, those under app:main"
    assert rows["app:loop"]["verdict"] == "agree"  # 50/100: 95% interval 40.4-59.6% vs 50%
    assert rows["app:tiny"]["ratio"] == pytest.approx(4.0)
    assert rows["app:tiny"]["inflated"] is True  # 10^6 calls at 4 us each
    assert rows["app:tiny"]["likely_reason"].startswith("cProfile's per-call overhead")
    assert rows["app:tiny"]["verdict"] == "disagree"  # 10/100: 5.5-17.4% < 40% / 2
    assert rows["app:main"]["verdict"] == "disagree"
    assert rows["app:main"]["pyspy_share_lo"] == pytest.approx(0.3094, abs=1e-4)
    assert rows["app:main"]["likely_reason"].startswith("few calls (1): cProfile's per-call")
    assert not rows["app:main"]["inflated"] and not rows["app:loop"]["inflated"]
    assert check.rho_all == pytest.approx(0.5)  # ranks (3, 1, 2) vs (2, 1, 3)
    assert check.excluded == ("app:tiny",)
    assert (check.n, check.rho) == (2, None)  # main and loop are left: too few for a rho


def test_generated_code_matches_across_the_profilers(tmp_path: Path) -> None:
    # a dataclass's __init__: pstats knows `__init__` in `<string>`, py-spy its qualname
    main, init = ("/n/app.py", 1, "main"), ("<string>", 2, "__init__")
    pstats = write_pstats(
        tmp_path / "p.pstats",
        {
            main: (1, 1, 6.0, 10.0, {}),
            init: (100, 100, 4.0, 4.0, {main: (100, 100, 4.0, 4.0)}),
        },
    )
    collapsed = tmp_path / "s.txt"
    collapsed.write_text(
        "main (/n/app.py:2) 55\n"
        "main (/n/app.py:3);__create_fn__.<locals>.__init__ (<string>:3) 30\n"
        "main (/n/app.py:3);__create_fn__.<locals>.__init__ (<string>:4) 15\n"
    )
    check = crosscheck(load_pstats(pstats), load_pyspy(collapsed))
    rows = {r["function"]: r for r in check.table.iter_rows(named=True)}
    assert set(rows) == {"app:main", "<string>:__init__"}
    assert rows["<string>:__init__"]["cprofile_share"] == pytest.approx(0.4)
    assert rows["<string>:__init__"]["pyspy_share"] == pytest.approx(0.45)
    assert rows["<string>:__init__"]["verdict"] == "agree"


def test_uncertain_when_the_interval_straddles_2x() -> None:
    from rbprofile.analysis.crosscheck import verdict
    from rbprofile.analysis.intervals import wilson

    lo, hi = wilson(20, 100)  # 13.3-28.9%
    assert verdict(0.10, 0.20, lo, hi) == "uncertain"  # 2x line at 20% is inside
    assert verdict(0.20, 0.20, lo, hi) == "agree"  # 10-40% holds all of it
    assert verdict(0.05, 0.20, lo, hi) == "disagree"  # all of it above 10%
    assert verdict(0.0, 0.01, *wilson(1, 100)) == "disagree"  # py-spy saw it, cProfile not
    assert verdict(0.0, 0.0, *wilson(0, 100)) == "agree"  # neither saw it


@pytest.mark.slow
def test_real_profiles_agree_on_the_loop(hot_pstats: Path, hot_collapsed: Path) -> None:
    check = crosscheck(load_pstats(hot_pstats), load_pyspy(hot_collapsed))
    assert check.rho is not None
    assert "hotpkg.work:loop_heavy" in check.table["function"].to_list()
