"""The project under profile, discovered from a profile rather than assumed.

    discover(functions) -> Discovery | None
        functions: a FUNCTIONS_SCHEMA-like table (key, module, file, self_s); for py-spy, the
        same columns with self_s = own samples. The project is the top-level package (or
        script module) with the most self time outside the standard library, built-ins, native
        code and the well-known data and numeric libraries an engine is built on (LIBRARIES).
        None when nothing qualifies (a profile of only the standard library, say).
    Discovery(project, share, runner_up)   share: its part of the qualifying self time

A backtesting engine installed from PyPI (zipline, backtrader) lives in site-packages like its
libraries, so paths cannot tell the engine from pandas; the library list can. A user script run
as a file has a module named after it (`my_backtest`) and qualifies like a package.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import polars as pl

# Libraries engines are built on: time in them is the project's work, never the project itself.
LIBRARIES: frozenset[str] = frozenset(
    {
        "numpy", "pandas", "polars", "pyarrow", "scipy", "numexpr", "bottleneck", "numba",
        "exchange_calendars", "trading_calendars", "pandas_market_calendars", "pytz", "dateutil",
        "tzdata", "tzlocal", "six", "toolz", "cytoolz", "multipledispatch", "networkx",
        "sqlalchemy", "alembic", "h5py", "tables", "lru", "logbook", "structlog", "click",
        "typer", "rich", "attr", "attrs", "pydantic", "pydantic_core", "yaml", "requests",
        "urllib3", "matplotlib", "statsmodels", "sklearn", "joblib", "empyrical", "pyfolio",
        "memory_profiler", "psutil", "rbprofile", "cProfile", "profile", "pstats", "filelock",
        "greenlet", "intervaltree", "iso3166", "iso4217", "korean_lunar_calendar", "decimal",
    }
)  # fmt: skip
NOT_CODE_PREFIXES = ("<", "~")  # <native ...>, <frozen ...>, <string>, builtins' "~" file


@dataclass(frozen=True)
class Discovery:
    project: str
    share: float  # of the self time outside stdlib, built-ins, native code and LIBRARIES
    runner_up: str | None = None


def top_package(module: str) -> str:
    return module.split(".", 1)[0]


def qualifies(package: str) -> bool:
    return (
        bool(package)
        and not package.startswith(NOT_CODE_PREFIXES)
        and package not in sys.stdlib_module_names
        and package not in LIBRARIES
        and package != "builtins"
        and not package.startswith("_")
    )


def discover(functions: pl.DataFrame) -> Discovery | None:
    """The package owning the most self time among those that qualify (see module doc)."""
    if not functions.height:
        return None
    by_package = (
        functions.filter(~pl.col("file").str.starts_with("~"))
        .select(pl.col("module").map_elements(top_package, return_dtype=pl.String), "self_s")
        .filter(pl.col("module").map_elements(qualifies, return_dtype=pl.Boolean))
        .group_by("module")
        .agg(pl.col("self_s").sum())
        .filter(pl.col("self_s") > 0)
        .sort(["self_s", "module"], descending=[True, False])
    )
    if not by_package.height:
        return None
    total = float(by_package["self_s"].sum())
    names = by_package["module"].to_list()
    share = float(by_package["self_s"][0]) / total
    return Discovery(names[0], share, names[1] if len(names) > 1 else None)


def choose(
    given: tuple[str, str] | None, found: Discovery | None, fallback: tuple[str, str]
) -> tuple[str, str]:
    """(project, how it was chosen): `given` (name, source, e.g. `--project`) when there is one,
    else the discovery, else `fallback` (name, why)."""
    if given is not None:
        return given
    if found is not None:
        return found.project, f"discovered ({found.share:.0%} of the self time outside libraries)"
    return fallback
