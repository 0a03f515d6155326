"""pstats loader: real cProfile output of the hotpkg program, hand-built and broken files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from hotprofiles import write_pstats

from rbprofile.analysis.pstats_source import builtin_identity, load_pstats
from rbprofile.errors import RbprofileError
from rbprofile.schema import FUNCTIONS_SCHEMA
from rbprofile.views.analyze import AnalyzeOptions, analyze_run


def test_hotpkg_profile_has_known_functions(hot_pstats: Path) -> None:
    profile = load_pstats(hot_pstats)
    assert profile.functions.schema == FUNCTIONS_SCHEMA
    rows = {r["key"]: r for r in profile.functions.iter_rows(named=True)}
    assert rows["hotpkg.work:loop_heavy"]["ncalls"] == 1
    assert rows["hotpkg.work:tiny"]["ncalls"] == 20_000
    assert rows["decimal:Decimal.quantize"]["ncalls"] == 5_000
    assert rows["hotpkg.work:Book.post"]["module"] == "hotpkg.work"
    assert rows["hotpkg.work:polars_call.<locals>.<listcomp>"]["ncalls"] == 1
    assert rows["polars:PyLazyFrame.collect"]["module"] == "polars"
    assert profile.functions["key"].n_unique() == profile.functions.height


def test_total_is_pstats_total_tt_not_a_sum_of_cumulative(hot_pstats: Path) -> None:
    import pstats

    profile = load_pstats(hot_pstats)
    assert profile.total_s == pytest.approx(pstats.Stats(str(hot_pstats)).total_tt, abs=1e-12)
    assert profile.total_s == pytest.approx(float(profile.functions["self_s"].sum()), abs=1e-12)
    assert profile.total_s < float(profile.functions["cum_s"].sum())


def test_edges_hold_the_caller_table(hot_pstats: Path) -> None:
    edges = load_pstats(hot_pstats).edges
    row = edges.filter(
        (pl.col("caller_key") == "hotpkg.work:many_small_calls")
        & (pl.col("callee_key") == "hotpkg.work:tiny")
    )
    assert row["ncalls"].to_list() == [20_000]
    assert row["primcalls"].to_list() == [20_000]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("<method 'quantize' of 'decimal.Decimal' objects>", ("decimal", "Decimal.quantize")),
        ("<built-in method builtins.len>", ("builtins", "len")),
        ("<method 'append' of 'list' objects>", ("builtins", "list.append")),
        ("<built-in method posix.stat>", ("posix", "stat")),
        (
            "<built-in method __new__ of type object at 0x7fb26285ea00>",
            ("builtins", "type.__new__"),
        ),
        ("<method 'collect' of 'builtins.PyLazyFrame' objects>", ("polars", "PyLazyFrame.collect")),
    ],
)
def test_builtin_names_resolve_to_their_owner_module(name: str, expected: tuple[str, str]) -> None:
    assert builtin_identity(name) == expected


def test_hand_built_profile(tmp_path: Path) -> None:
    a, h = ("/nowhere/app.py", 3, "run"), ("~", 0, "<built-in method builtins.len>")
    stats = {
        a: (1, 1, 1.0, 5.0, {}),
        h: (4, 4, 4.0, 4.0, {a: (4, 4, 4.0, 4.0)}),
    }
    profile = load_pstats(write_pstats(tmp_path / "hand.pstats", stats))
    assert profile.total_s == 5.0
    assert profile.functions.select("key", "ncalls", "self_s").rows() == [
        ("app:run", 1, 1.0),
        ("builtins:len", 4, 4.0),
    ]
    assert profile.edges.rows() == [("app:run", "builtins:len", 4, 4, 4.0, 4.0)]


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (b"", "empty file"),
        (b"\x00garbage", "corrupt or truncated"),
        (b"\xe9", "corrupt or truncated"),
    ],
)
def test_broken_files_give_one_line_naming_the_file(
    tmp_path: Path, content: bytes, phrase: str
) -> None:
    path = tmp_path / "bad.pstats"
    path.write_bytes(content)
    with pytest.raises(RbprofileError) as info:
        load_pstats(path)
    assert str(path) in info.value.message and phrase in info.value.message
    assert "\n" not in info.value.message


def test_truncated_real_file(hot_pstats: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.pstats"
    cut.write_bytes(hot_pstats.read_bytes()[:200])
    with pytest.raises(RbprofileError, match=r"cut\.pstats: not a readable \.pstats file"):
        load_pstats(cut)


def test_non_rustybt_program_compileall(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    for i in range(3):
        (tree / f"m{i}.py").write_text(f"def f{i}(x):\n    return x + {i}\n")
    out = tmp_path / "x.pstats"
    subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "compileall", "-q", str(tree)],
        check=True,
    )
    profile = load_pstats(out)
    assert profile.total_s > 0
    assert "compileall" in set(profile.functions["module"])
    for by in ("function", "module", "owner", "category"):
        options = AnalyzeOptions(by=by, project="compileall", targets=True)
        doc = analyze_run(str(out), options)
        assert doc.tables[0].name == "targets"


def test_a_pstats_from_another_machine_gets_the_same_names(
    hot_pstats: Path, tmp_path: Path
) -> None:
    """Paths recorded in another venv map to this environment by their package-relative
    suffix, so qualified names (read from the sources) come out the same."""
    import marshal

    stats = marshal.loads(hot_pstats.read_bytes())

    def moved(func: tuple[str, int, str]) -> tuple[str, int, str]:
        file, line, name = func
        if "site-packages/" in file:
            file = (
                "/home/alice/.venvs/x/lib/python3.11/site-packages/"
                + file.split("site-packages/", 1)[1]
            )
        return file, line, name

    moved_stats = {
        moved(f): (cc, nc, tt, ct, {moved(c): v for c, v in callers.items()})
        for f, (cc, nc, tt, ct, callers) in stats.items()
    }
    elsewhere = write_pstats(tmp_path / "elsewhere.pstats", moved_stats)
    here = load_pstats(hot_pstats).functions.filter(pl.col("file").str.contains("site-packages/"))
    there = load_pstats(elsewhere).functions.filter(pl.col("file").str.contains("site-packages/"))
    assert here.height > 10 and not there["file"].str.starts_with("/home/alice").not_().any()
    qualified = here.filter(pl.col("qualname").str.contains(r"\."))
    assert qualified.height > 5  # methods whose class only the source can tell
    assert sorted(there["key"]) == sorted(here["key"])
