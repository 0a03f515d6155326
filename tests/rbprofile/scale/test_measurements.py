"""Measurement rows from real pstats files, and runs completed with zeros."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from hotprofiles import write_pstats
from polars.testing import assert_frame_equal

from rbprofile.analysis.pstats_source import load_pstats
from rbprofile.scale.measurements import complete_runs, measurement_rows, validate_measurements

FILE = "/src/prog.py"


def _pstats(path: Path, calls: int) -> Path:
    main = (FILE, 1, "main")
    stats = {
        main: (1, 1, 0.01, 0.5, {}),
        (FILE, 9, "step"): (calls, calls, 0.49, 0.49, {main: (calls, calls, 0.49, 0.49)}),
    }
    return write_pstats(path, stats)


def test_measurement_rows_carry_the_size_point_and_repeat(tmp_path: Path) -> None:
    functions = load_pstats(_pstats(tmp_path / "a.pstats", 400)).functions
    rows = measurement_rows(functions, {"assets": 25, "sessions": 250}, repeat=2)
    assert rows.columns == ["assets", "sessions", "repeat", "key", "self_s", "cum_s", "ncalls"]
    step = rows.filter(pl.col("key").str.ends_with(":step")).row(0, named=True)
    assert step | {"key": None} == {
        "assets": 25.0, "sessions": 250.0, "repeat": 2, "key": None,
        "self_s": 0.49, "cum_s": 0.49, "ncalls": 400,
    }  # fmt: skip
    checked, variables = validate_measurements(rows)
    assert variables == ("assets", "sessions")
    assert checked.schema["assets"] == pl.Float64


def test_a_function_missing_from_a_run_is_filled_with_zeros(tmp_path: Path) -> None:
    first = measurement_rows(load_pstats(_pstats(tmp_path / "a.pstats", 10)).functions, {"n": 1}, 0)
    only_main = load_pstats(_pstats(tmp_path / "b.pstats", 20)).functions.head(1)
    second = measurement_rows(only_main, {"n": 2}, 0)
    full = complete_runs(pl.concat([first, second]), ["n"]).sort("n", "key")
    missing = full.filter((pl.col("n") == 2.0) & pl.col("key").str.ends_with(":step"))
    expected = pl.DataFrame(
        {"n": [2.0], "repeat": [0], "key": missing["key"].to_list(), "self_s": [0.0],
         "cum_s": [0.0], "ncalls": [0]},
        schema=full.schema,
    )  # fmt: skip
    assert_frame_equal(missing, expected)
    assert full.height == 4
