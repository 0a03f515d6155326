"""Owner attribution: exact from py-spy stacks, spread along caller edges from cProfile."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hotprofiles import write_pstats

from rbprofile.analysis.owners import function_owners, owners_from_cprofile, owners_from_samples
from rbprofile.analysis.pstats_source import load_pstats
from rbprofile.analysis.pyspy_source import load_pyspy

LIB = "/nowhere/lib/python3.11/site-packages/lib"


def test_cprofile_spreads_helper_time_to_project_callers(tmp_path: Path) -> None:
    # app.a and app.b (project) call lib.g, which calls len; a also calls len directly.
    a, b = ("/n/app/a.py", 1, "a"), ("/n/app/b.py", 1, "b")
    g, length = (f"{LIB}/g.py", 1, "g"), ("~", 0, "<built-in method builtins.len>")
    stats = {
        a: (1, 1, 1.0, 6.5, {}),
        b: (1, 1, 2.0, 4.0, {}),
        g: (4, 4, 2.0, 6.0, {a: (3, 3, 1.5, 4.5), b: (1, 1, 0.5, 1.5)}),
        length: (10, 10, 5.0, 5.0, {g: (8, 8, 4.0, 4.0), a: (2, 2, 1.0, 1.0)}),
    }
    profile = load_pstats(write_pstats(tmp_path / "h.pstats", stats))
    owners = owners_from_cprofile(profile, "a")  # module "a" is the project here
    rows = dict(owners.select("owner", "charged_s").iter_rows())
    # a: own 1.0 + g's self 2.0 * 1.5/2.0 + len via g 4.0 * 4.5/6.0 + len direct 1.0
    assert rows["a:a"] == pytest.approx(1.0 + 1.5 + 3.0 + 1.0)
    assert rows["(outside a)"] == pytest.approx(2.0 + 0.5 + 1.0)
    assert owners["share"].sum() == pytest.approx(1.0)


def test_no_owner_is_charged_more_than_its_inclusive_time(tmp_path: Path) -> None:
    """The same spread against a's recorded cumulative 6.0: 6.5 is impossible, so a keeps 6.0
    and the estimate's excess 0.5 goes outside; shares still sum to 1."""
    a, b = ("/n/app/a.py", 1, "a"), ("/n/app/b.py", 1, "b")
    g, length = (f"{LIB}/g.py", 1, "g"), ("~", 0, "<built-in method builtins.len>")
    stats = {
        a: (1, 1, 1.0, 6.0, {}),
        b: (1, 1, 2.0, 4.0, {}),
        g: (4, 4, 2.0, 6.0, {a: (3, 3, 1.5, 4.5), b: (1, 1, 0.5, 1.5)}),
        length: (10, 10, 5.0, 5.0, {g: (8, 8, 4.0, 4.0), a: (2, 2, 1.0, 1.0)}),
    }
    owners = owners_from_cprofile(load_pstats(write_pstats(tmp_path / "h.pstats", stats)), "a")
    rows = dict(owners.select("owner", "charged_s").iter_rows())
    assert rows["a:a"] == pytest.approx(6.0)
    assert rows["(outside a)"] == pytest.approx(3.5 + 0.5)
    assert owners["share"].sum() == pytest.approx(1.0)


def test_import_time_is_not_charged_to_the_project_function_that_triggered_it(
    tmp_path: Path,
) -> None:
    """run.run imports a project module whose `<module>` code calls lib.build (import-time work,
    like zipline's preprocess decorators): that time stays outside, and the project's module
    code owns nothing; run.run keeps its own self time and the lib work it calls directly.
    (Files that do not exist resolve to their stem: module "run" is the project here.)"""
    run, imp = ("/n/app/run.py", 1, "run"), ("~", 0, "<built-in method builtins.__import__>")
    boot = ("<frozen importlib._bootstrap>", 1, "_find_and_load")
    exe = ("~", 0, "<built-in method builtins.exec>")
    mod = ("/n/app/run.py", 40, "<module>")
    build, work = (f"{LIB}/b.py", 1, "build"), (f"{LIB}/w.py", 1, "work")
    stats = {
        run: (1, 1, 1.0, 10.0, {}),
        imp: (1, 1, 0.0, 6.0, {run: (1, 1, 0.0, 6.0)}),
        boot: (1, 1, 0.5, 6.0, {imp: (1, 1, 0.5, 6.0)}),
        exe: (1, 1, 0.0, 5.5, {boot: (1, 1, 0.0, 5.5)}),
        mod: (1, 1, 0.5, 5.5, {exe: (1, 1, 0.5, 5.5)}),
        build: (50, 50, 5.0, 5.0, {mod: (50, 50, 5.0, 5.0)}),
        work: (3, 3, 3.0, 3.0, {run: (3, 3, 3.0, 3.0)}),
    }
    owners = owners_from_cprofile(load_pstats(write_pstats(tmp_path / "i.pstats", stats)), "run")
    rows = dict(owners.select("owner", "charged_s").iter_rows())
    assert rows["run:run"] == pytest.approx(1.0 + 3.0)
    assert rows["(outside run)"] == pytest.approx(0.5 + 0.5 + 5.0)
    assert "run:<module>" not in rows


def test_function_owners_pick_the_caller_owning_most(tmp_path: Path) -> None:
    # g's self time: 1.5 under a, 0.5 under b -> a; len: via g (mostly a) and directly from a
    a, b = ("/n/app/a.py", 1, "a"), ("/n/app/b.py", 1, "b")
    g, length = (f"{LIB}/g.py", 1, "g"), ("~", 0, "<built-in method builtins.len>")
    orphan = (f"{LIB}/o.py", 1, "o")
    stats = {
        a: (1, 1, 1.0, 6.0, {}),
        b: (1, 1, 2.0, 4.0, {}),
        g: (4, 4, 2.0, 6.0, {a: (3, 3, 1.5, 4.5), b: (1, 1, 0.5, 1.5)}),
        length: (10, 10, 5.0, 5.0, {g: (8, 8, 4.0, 4.0), a: (2, 2, 1.0, 1.0)}),
        orphan: (1, 1, 0.1, 0.1, {}),
    }
    profile = load_pstats(write_pstats(tmp_path / "o.pstats", stats))
    owners = function_owners(profile, "a")
    assert owners == {
        "a:a": "a:a", "b:b": "(outside a)", "lib.g:g": "a:a", "builtins:len": "a:a",
        "lib.o:o": "(outside a)",
    }  # fmt: skip


def test_cprofile_cycles_terminate(tmp_path: Path) -> None:
    p, f, h = ("/n/p.py", 1, "p"), (f"{LIB}/f.py", 1, "f"), (f"{LIB}/h.py", 1, "h")
    stats = {
        p: (1, 1, 1.0, 4.0, {}),
        f: (2, 1, 1.0, 3.0, {p: (1, 1, 0.5, 3.0), h: (1, 0, 0.5, 1.0)}),
        h: (1, 1, 2.0, 2.0, {f: (1, 1, 2.0, 2.0)}),
    }
    owners = owners_from_cprofile(load_pstats(write_pstats(tmp_path / "c.pstats", stats)), "p")
    assert owners.rows() == [("p:p", 4.0, 1.0, 1.0)]


def test_hotpkg_subprocess_time_is_owned_by_its_caller(hot_pstats: Path) -> None:
    profile = load_pstats(hot_pstats)
    owners = owners_from_cprofile(profile, "hotpkg")
    assert owners["share"].sum() == pytest.approx(1.0, abs=1e-9)
    charged = dict(owners.select("owner", "charged_s").iter_rows())
    cum = dict(profile.functions.select("key", "cum_s").iter_rows())
    assert charged["hotpkg.work:subprocess_call"] == pytest.approx(
        cum["hotpkg.work:subprocess_call"], rel=0.01
    )
    assert charged["hotpkg.work:decimal_heavy"] == pytest.approx(
        cum["hotpkg.work:decimal_heavy"], rel=0.01
    )
    assert owners["owner"][0] == "hotpkg.work:loop_heavy"


def test_samples_owner_is_deepest_project_frame(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text(
        f"run (/n/app/run.py:3);hist (/n/app/data.py:8);frame ({LIB}/frame.py:2) 6\n"
        "run (/n/app/run.py:3);hist (/n/app/data.py:9) 2\n"
        "run (/n/app/run.py:4) 1\n"
        f"boot ({LIB}/boot.py:1) 1\n"
    )
    owners = owners_from_samples(load_pyspy(path), "data")
    assert owners.rows() == [
        ("data:hist", 8, 0.8, 2),
        ("(outside data)", 2, 0.2, 0),
    ]


@pytest.mark.slow
def test_real_pyspy_owners(hot_collapsed: Path) -> None:
    owners = owners_from_samples(load_pyspy(hot_collapsed), "hotpkg")
    assert owners["share"].sum() == pytest.approx(1.0)
    work = owners.filter(pl.col("owner") != "hotpkg.work:<module>")
    assert work["owner"][0] == "hotpkg.work:loop_heavy"


def test_cprofile_recursive_helper_splits_by_entering_time(tmp_path: Path) -> None:
    # p.one and p.two call lib f; f and g recurse into each other; g does the work.
    one, two = ("/n/p/one.py", 1, "one"), ("/n/p/two.py", 1, "two")
    f, g = (f"{LIB}/f.py", 1, "f"), (f"{LIB}/g.py", 1, "g")
    stats = {
        one: (1, 1, 0.0, 3.0, {}),
        two: (1, 1, 0.0, 1.0, {}),
        f: (4, 2, 0.0, 4.0, {one: (3, 1, 0.0, 3.0), two: (1, 1, 0.0, 1.0), g: (1, 0, 0.0, 1.0)}),
        g: (2, 2, 4.0, 4.0, {f: (2, 2, 4.0, 4.0)}),
    }
    profile = load_pstats(write_pstats(tmp_path / "r.pstats", stats))
    # with project "one", two's share of the cycle is outside it: split 3:1 by entering time
    charged_one = dict(owners_from_cprofile(profile, "one").select("owner", "charged_s").rows())
    assert charged_one == pytest.approx({"one:one": 3.0, "(outside one)": 1.0})


def _owned_within_inclusive(profile_path: Path, project: str) -> None:
    profile = load_pstats(profile_path)
    owners = owners_from_cprofile(profile, project)
    cum = dict(profile.functions.select("key", "cum_s").iter_rows())
    for owner, charged in owners.select("owner", "charged_s").iter_rows():
        if owner in cum:
            assert charged <= cum[owner] * (1 + 1e-9), (owner, charged, cum[owner])
    assert owners["share"].sum() == pytest.approx(1.0)


@pytest.mark.parametrize("scenario", ["daily", "hourly", "minute"])
def test_owned_never_exceeds_inclusive_on_the_committed_profiles(scenario: str) -> None:
    root = Path(__file__).parents[3] / "docs" / "performance" / "profiles" / "baseline"
    _owned_within_inclusive(root / scenario / "cprofile.pstats", "rustybt")


@pytest.mark.slow
def test_whole_process_profile_keeps_import_time_outside(tmp_path: Path) -> None:
    """`python -m cProfile` of a script importing a package that does work at import time
    (decorators building wrappers, as zipline's preprocess does) and at run time."""
    import subprocess
    import sys

    pkg = tmp_path / "eng"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        "import json\n"
        "def build(n):\n    return [json.dumps({'k': i}) for i in range(n)]\n"
        "TABLE = [build(2000) for _ in range(20)]\n"
        "def run(n):\n    return sum(len(json.dumps({'v': i})) for i in range(n))\n"
    )
    (tmp_path / "main.py").write_text("import eng\neng.run(60000)\n")
    out = tmp_path / "whole.pstats"
    subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(out), "main.py"], cwd=tmp_path, check=True
    )
    _owned_within_inclusive(out, "eng")
    rows = dict(owners_from_cprofile(load_pstats(out), "eng").select("owner", "charged_s").rows())
    assert "eng:<module>" not in rows
    assert "eng:build" in rows and "eng:run" in rows
