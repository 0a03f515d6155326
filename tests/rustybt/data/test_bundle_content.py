"""Bundles whose sha256s match but whose content is bad (hand-made or hand-edited).

Each case edits a copy of a real bundle, then `reseal`s metadata.json so the integrity check
passes, and runs a backtest on it: the engine must stop with one BundleCorrupt line naming
the bundle, the file and what is wrong (before: ColumnNotFoundError, IndexError,
InvalidCalendarName, AttributeError... or a silent backtest on misplaced bars).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from faults import reseal

from rustybt.data.bundles import ASSETS_FILE, BARS_FILE, METADATA_FILE, BundleSpec, write_bundle
from rustybt.errors import BundleCorrupt
from rustybt.run import run_algorithm

REMEDY = "; re-create the bundle (write it again with force=True)"
Edit = Callable[[Path], None]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 assets x 5 daily sessions (2026-10-26..30): 10 bars."""
    root = tmp_path_factory.mktemp("content") / "bundles"
    write_bundle(BundleSpec("src", "daily", 2, date(2026, 10, 26), date(2026, 10, 30), 1), root)
    return root / "src"


def _frame(rel: str, change: Callable[[pl.DataFrame], pl.DataFrame]) -> Edit:
    def edit(directory: Path) -> None:
        change(pl.read_parquet(directory / rel)).write_parquet(directory / rel)
        reseal(directory)

    return edit


def _metadata(change: Callable[[dict[str, object]], object]) -> Edit:
    def edit(directory: Path) -> None:
        reseal(directory, change(json.loads((directory / METADATA_FILE).read_text())))

    return edit


def _set(**values: object) -> Edit:
    return _metadata(lambda meta: {**meta, **values})


def _damage_pages(directory: Path) -> None:
    """Overwrite the data pages, keep the footer: schema and row count still read."""
    file = directory / BARS_FILE
    data = bytearray(file.read_bytes())
    footer = int.from_bytes(data[-8:-4], "little")
    data[8 : len(data) - 8 - footer - 8] = b"\x55" * (len(data) - 24 - footer)
    file.write_bytes(bytes(data))
    reseal(directory)


def _garbage(directory: Path) -> None:
    (directory / BARS_FILE).write_bytes(b"not parquet " * 40)
    reseal(directory)


def _not_json(directory: Path) -> None:
    (directory / METADATA_FILE).write_text("{")


META = "is not valid bundle metadata"
CASES: list[tuple[str, Edit, str, str]] = [
    ("missing-column", _frame(BARS_FILE, lambda f: f.drop("close")), BARS_FILE,
     "lacks column(s) close (needs sid, dt, open, high, low, close, volume)"),
    ("wrong-dtype", _frame(BARS_FILE, lambda f: f.with_columns(pl.col("volume").cast(pl.String))),
     BARS_FILE, "has wrong column types (volume is String, not Int64)"),
    ("assets-dtype", _frame(ASSETS_FILE, lambda f: f.with_columns(pl.col("sid").cast(pl.Int32))),
     ASSETS_FILE, "has wrong column types (sid is Int32, not Int64)"),
    ("no-assets", _frame(ASSETS_FILE, lambda f: f.head(0)), ASSETS_FILE,
     "has no rows (a bundle needs at least one asset and one bar)"),
    ("no-bars", _frame(BARS_FILE, lambda f: f.head(0)), BARS_FILE,
     "has no rows (a bundle needs at least one asset and one bar)"),
    ("row-count", _set(row_count=11), BARS_FILE,
     "has 10 rows but metadata.json records row_count 11"),
    ("calendar", _set(calendar="XXXX"), METADATA_FILE,
     f"{META} (calendar 'XXXX' is not an exchange_calendars calendar name)"),
    ("frequency", _set(frequency="weekly"), METADATA_FILE,
     f"{META} (frequency 'weekly' is not one of daily, hourly, minute)"),
    ("files-list", _set(files=[BARS_FILE, ASSETS_FILE]), METADATA_FILE,
     f"{META} (files is a list, not an object of file -> sha256)"),
    ("files-null", _set(files=None), METADATA_FILE,
     f"{META} (files is null, not an object of file -> sha256)"),
    ("array", _metadata(lambda meta: list(meta)), METADATA_FILE,
     f"{META} (holds a list, not an object)"),
    ("sessions-text", _set(sessions="5"), METADATA_FILE,
     f"{META} (sessions is a string, not an integer)"),
    ("bad-date", _set(first_session="2026-10-32"), METADATA_FILE,
     f"{META} (first_session '2026-10-32' is not an ISO date (YYYY-MM-DD))"),
    ("keys", _metadata(lambda m: {**{k: v for k, v in m.items() if k != "seed"}, "x": 1}),
     METADATA_FILE, f"{META} (lacks key(s) seed and has unknown key(s) x)"),
    ("unknown-sid", _frame(BARS_FILE, lambda f: f.with_columns(
        sid=pl.when(pl.col("sid") == 1).then(7).otherwise(pl.col("sid")))), BARS_FILE,
     "has bars for sid(s) 7 that assets.parquet lacks"),
    ("off-grid", _frame(BARS_FILE, lambda f: f.with_columns(
        dt=pl.col("dt") + pl.duration(hours=pl.col("sid") * 3))), BARS_FILE,
     "has 4 bar(s) that are not daily XNYS bar labels (e.g. sid 1 at 2026-10-26 03:00:00+00:00)"),
    ("null-close", _frame(BARS_FILE, lambda f: f.with_columns(
        close=pl.when(pl.col("sid") == 1).then(None).otherwise(pl.col("close")))), BARS_FILE,
     "has nulls in close"),
    ("nan-price", _frame(BARS_FILE, lambda f: f.with_columns(high=pl.lit(float("nan")))),
     BARS_FILE, "has NaN or infinite prices"),
    ("dup-sids", _frame(ASSETS_FILE, lambda f: f.with_columns(sid=pl.lit(0, pl.Int64))),
     ASSETS_FILE, "has duplicate or unsorted sids (need unique, ascending)"),
]  # fmt: skip


def _backtest(root: Path, name: str) -> None:
    run_algorithm(bundle=name, bundle_root=root, initialize=lambda context: None)


@pytest.mark.parametrize(("name", "edit", "rel", "problem"), CASES, ids=[c[0] for c in CASES])
def test_bad_content_is_one_bundle_corrupt_line(
    source: Path, tmp_path: Path, name: str, edit: Edit, rel: str, problem: str
) -> None:
    directory = tmp_path / name
    shutil.copytree(source, directory)
    edit(directory)
    with pytest.raises(BundleCorrupt) as info:
        _backtest(tmp_path, name)
    file = directory / rel
    assert str(info.value) == f"bundle {name!r} is corrupt: {file} {problem}{REMEDY}"
    assert (info.value.bundle, info.value.file, info.value.problem) == (name, file, problem)


@pytest.mark.parametrize(
    ("edit", "start"),
    [(_garbage, "is not a readable Parquet file ("), (_damage_pages, "cannot be read (")],
)
def test_unreadable_parquet_with_matching_sha256(
    source: Path, tmp_path: Path, edit: Edit, start: str
) -> None:
    # garbage fails on the footer, at load; damaged pages pass the footer (schema, row count)
    # and fail only when the reader collects the bars (before: polars ComputeError unwrapped)
    shutil.copytree(source, tmp_path / "b")
    edit(tmp_path / "b")
    with pytest.raises(BundleCorrupt) as info:
        _backtest(tmp_path, "b")
    err = info.value
    assert (err.bundle, err.file) == ("b", tmp_path / "b" / BARS_FILE)
    assert err.problem.startswith(start) and err.problem.endswith(")")
    assert "\n" not in str(err) and str(err).endswith(REMEDY)


def test_metadata_that_is_not_json(source: Path, tmp_path: Path) -> None:
    shutil.copytree(source, tmp_path / "j")
    _not_json(tmp_path / "j")
    with pytest.raises(BundleCorrupt) as info:
        _backtest(tmp_path, "j")
    assert info.value.problem == (
        f"{META} (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))"
    )


def test_the_untouched_copy_still_runs(source: Path, tmp_path: Path) -> None:
    # the cases above fail because of their edit, not because copying or resealing breaks
    shutil.copytree(source, tmp_path / "same")
    reseal(tmp_path / "same")
    result = run_algorithm(bundle="same", bundle_root=tmp_path, initialize=lambda context: None)
    assert result.perf.height == 5
