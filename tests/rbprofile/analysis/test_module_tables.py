"""Module resolution, depth, and the module tables."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

from rbprofile.analysis.modules import (
    ModuleInfo,
    ModuleResolver,
    module_at_depth,
    module_inclusive_table,
    module_self_table,
)
from rbprofile.analysis.pstats_source import load_pstats
from rbprofile.analysis.pyspy_source import load_pyspy

STDLIB = sysconfig.get_paths()["stdlib"]
SITE = sysconfig.get_paths()["purelib"]


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        (f"{STDLIB}/json/decoder.py", ModuleInfo("json.decoder", "stdlib")),
        (f"{SITE}/polars/dataframe/frame.py", ModuleInfo("polars.dataframe.frame", "third-party")),
        (
            "/other/venv/lib/python3.12/site-packages/pandas/__init__.py",
            ModuleInfo("pandas", "third-party"),
        ),
        ("/opt/py/lib/python3.12/decimal.py", ModuleInfo("decimal", "stdlib")),
        ("<frozen importlib._bootstrap>", ModuleInfo("importlib._bootstrap", "stdlib")),
        ("<string>", ModuleInfo("<string>", "unknown")),
        ("polars/lazyframe/frame.py", ModuleInfo("polars.lazyframe.frame", "local")),
        ("/usr/lib/x86_64-linux-gnu/libc.so.6", ModuleInfo("<native libc>", "native")),
        ("/b/Python-3.11.7/Modules/_decimal/libmpdec/io.c", ModuleInfo("decimal", "stdlib")),
        (f"{SITE}/polars/polars.abi3.so", ModuleInfo("polars", "third-party")),
        (f"{SITE}/_polars_runtime_32/_polars_runtime.abi3.so", ModuleInfo("polars", "third-party")),
    ],
)
def test_resolver(file: str, expected: ModuleInfo) -> None:
    assert ModuleResolver().resolve(file) == expected


def test_resolver_walks_up_packages(hot_root: Path) -> None:
    info = ModuleResolver(search_path=[]).resolve(str(hot_root / "hotpkg" / "work.py"))
    assert info == ModuleInfo("hotpkg.work", "local")


@pytest.mark.parametrize(
    ("module", "depth", "expected"),
    [
        ("rustybt.finance.decimal.ledger", 3, "rustybt.finance.decimal"),
        ("rustybt.finance.decimal.ledger", 1, "rustybt"),
        ("rustybt.run", 3, "rustybt.run"),
        ("polars.dataframe.frame", 3, "polars"),
        ("<native libc>", 3, "<native libc>"),
    ],
)
def test_module_at_depth(module: str, depth: int, expected: str) -> None:
    assert module_at_depth(module, "rustybt", depth) == expected


def test_self_table_sums_to_one_with_known_rows(hot_pstats: Path) -> None:
    profile = load_pstats(hot_pstats)
    table = module_self_table(profile.functions, "hotpkg", 2)
    assert table["share"].sum() == pytest.approx(1.0, abs=1e-12)
    assert table["self_s"].sum() == pytest.approx(profile.total_s, abs=1e-12)
    rows = {r["module"]: r for r in table.iter_rows(named=True)}
    assert table["module"][0] == "hotpkg.work"
    assert rows["hotpkg.work"]["kind"] == "project"
    assert rows["decimal"]["kind"] == "stdlib"
    assert rows["polars"]["kind"] == "third-party"
    assert rows["builtins"]["kind"] == "builtin"
    assert "posix" in rows and "subprocess" in rows
    assert module_self_table(profile.functions, "hotpkg", 1)["module"][0] == "hotpkg"


def test_inclusive_table_hand_built(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("a (/nowhere/app.py:1);b (/nowhere/lib.py:2) 3\na (/nowhere/app.py:1) 1\n")
    table = module_inclusive_table(load_pyspy(path), "app", 3)
    assert table.rows() == [("app", 4, 1.0, 1, 0.25), ("lib", 3, 0.75, 3, 0.75)]
