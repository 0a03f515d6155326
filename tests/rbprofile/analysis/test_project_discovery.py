"""Discovering the project under profile from a functions table with known self times."""

from __future__ import annotations

import polars as pl
import pytest

from rbprofile.analysis.project import Discovery, discover, qualifies


def table(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"module": pl.String, "file": pl.String, "self_s": pl.Float64},
                        orient="row")  # fmt: skip


def test_the_engine_beats_its_libraries_stdlib_builtins_and_native_code() -> None:
    found = discover(
        table(
            [
                ("pandas.core.frame", "/sp/pandas/core/frame.py", 9.0),
                ("builtins", "~", 8.0),
                ("<native libmpdec>", "/lib/libmpdec.so", 7.0),
                ("collections", "/py/collections/__init__.py", 6.0),
                ("backtrader.feed", "/sp/backtrader/feed.py", 3.0),
                ("backtrader.lineseries", "/sp/backtrader/lineseries.py", 2.0),
                ("my_strategy", "/home/u/my_strategy.py", 1.0),
                ("_strptime", "/py/_strptime.py", 5.0),
            ]
        )
    )
    assert found == Discovery("backtrader", pytest.approx(5.0 / 6.0), "my_strategy")


def test_a_script_alone_is_its_own_project_and_nothing_qualifying_is_none() -> None:
    assert discover(table([("prog", "/tmp/prog.py", 0.2), ("json", "/py/json.py", 3.0)])) == (
        Discovery("prog", 1.0, None)
    )
    assert discover(table([("json.decoder", "/py/json/decoder.py", 3.0)])) is None
    assert discover(table([])) is None


@pytest.mark.parametrize(
    ("package", "ok"),
    [("zipline", True), ("rustybt", True), ("numpy", False), ("os", False), ("_io", False),
     ("<frozen importlib._bootstrap>", False), ("builtins", False), ("", False)],
)  # fmt: skip
def test_qualifies(package: str, ok: bool) -> None:
    assert qualifies(package) is ok
