"""The measurement table `rbprofile scale` fits: one row per (size point, repeat, function).

    MEASUREMENT_SCHEMA            the fixed columns: repeat, key, self_s, cum_s, ncalls
    measurement_rows(functions, sizes, repeat) -> pl.DataFrame
        one profiled run's functions table (FUNCTIONS_SCHEMA, e.g. `load_pstats(p).functions`)
        as measurement rows, with one column per size variable
    validate_measurements(frame, variables=None) -> (frame, variables)
        the checked table: size columns cast to Float64 and positive, no duplicate rows
    complete_runs(frame, variables) -> pl.DataFrame
        every key present in every run; a function absent from a run was not called there,
        so its row is filled with 0 calls and 0 s, and a null measure counts as 0 (see
        `rbprofile.scale.fit` for what a zero does to a fit)

Size variables are any other columns (`assets`, `sessions`, `n`, ...). A run is one
(size point, repeat); its total is the sum of its functions' self times, which for cProfile is
the profile's total (pstats `total_tt`), so every run must hold all its functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from rbprofile.schema import validate

MEASUREMENT_SCHEMA = pl.Schema(
    {
        "repeat": pl.Int64,
        "key": pl.String,
        "self_s": pl.Float64,
        "cum_s": pl.Float64,
        "ncalls": pl.Int64,
    }
)
MEASURES = ("self_s", "cum_s", "ncalls")
TIME_MEASURES = ("self_s", "cum_s")


def measurement_rows(
    functions: pl.DataFrame, sizes: Mapping[str, float], repeat: int
) -> pl.DataFrame:
    """One run's functions table as measurement rows at the size point `sizes`."""
    size_columns = [pl.lit(float(v), pl.Float64).alias(name) for name, v in sizes.items()]
    return functions.select(
        *size_columns, pl.lit(repeat, pl.Int64).alias("repeat"), "key", *MEASURES
    )


def _schema(variables: Sequence[str]) -> pl.Schema:
    return pl.Schema([*((v, pl.Float64()) for v in variables), *MEASUREMENT_SCHEMA.items()])


def validate_measurements(
    frame: pl.DataFrame, variables: Sequence[str] | None = None
) -> tuple[pl.DataFrame, tuple[str, ...]]:
    """`frame` checked and cast; `variables` default to every non-measurement column."""
    names = tuple(variables or [c for c in frame.columns if c not in MEASUREMENT_SCHEMA])
    if not names:
        raise ValueError("measurements: no size variable columns (e.g. `n` or `assets`)")
    checked = validate(frame, _schema(names), "measurements")
    bad = checked.filter(pl.any_horizontal(pl.col(names).is_null() | (pl.col(names) <= 0)))
    if bad.height:
        raise ValueError(f"measurements: size variables {list(names)} must be positive")
    duplicated = checked.select(*names, "repeat", "key").is_duplicated()
    if duplicated.any():
        raise ValueError("measurements: more than one row per (size point, repeat, key)")
    return checked, names


def complete_runs(frame: pl.DataFrame, variables: Sequence[str]) -> pl.DataFrame:
    """`frame` with a zero row for every key missing from a run (0 calls, 0 s)."""
    run_columns = [*variables, "repeat"]
    runs = frame.select(run_columns).unique()
    grid = runs.join(frame.select("key").unique(), how="cross")
    full = grid.join(frame, on=[*run_columns, "key"], how="left")
    return full.with_columns(pl.col(MEASURES).fill_null(0)).select(_schema(variables).names())
