"""Checks a bundle passes when loaded: integrity (sha256s), then content (schemas, row counts).

The sha256s catch truncation and bit rot, but a hand-made or hand-edited bundle can carry
consistent sha256s over bad content: a file that is not Parquet, a missing column, a wrong
type, no rows. Those are caught here from the Parquet footers (no data pages are read), each
as a `BundleCorrupt` naming the bundle, the file and what is wrong. Checks that need the bars
themselves (grid, sids, nulls) run where the reader collects them (`check_bars`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from rustybt.data.bundle_format import (
    ASSETS_FILE,
    ASSETS_SCHEMA,
    BARS_FILE,
    BARS_SCHEMA,
    METADATA_FILE,
    SESSIONS_FILE,
    BundleMetadata,
    content_hash,
    sha256_file,
)
from rustybt.data.schedule import SCHEDULE_SCHEMA
from rustybt.errors import BundleCorrupt, RustyBTError
from rustybt.writable import io_reason

_READ_ERRORS = (pl.exceptions.PolarsError, OSError)


def unreadable(path: Path, exc: OSError) -> RustyBTError:
    """A bundle file or directory this process may not read (not corruption: permissions)."""
    return RustyBTError(
        f"cannot read {exc.filename or path}: {io_reason(exc)}; "
        "make it readable or choose another bundle root (RBPROFILE_HOME)"
    )


def verify_files(path: Path, metadata: BundleMetadata) -> None:
    """BundleCorrupt naming the first file that is missing or does not match its sha256."""
    name = path.name
    for required in (BARS_FILE, ASSETS_FILE):
        if required not in metadata.files:
            raise BundleCorrupt(name, path / METADATA_FILE, f"does not list {required}")
    for rel, expected in sorted(metadata.files.items()):
        file = path / rel
        try:
            found = file.is_file() and sha256_file(file)
        except OSError as exc:
            raise unreadable(file, exc) from exc
        if not found:
            raise BundleCorrupt(name, file, "is missing")
        if found != expected:
            raise BundleCorrupt(
                name, file, "does not match its recorded sha256 (truncated or modified)"
            )
    if content_hash(metadata.files) != metadata.content_hash:
        raise BundleCorrupt(
            name, path / METADATA_FILE, "has a content_hash that does not match its files"
        )


def check_tables(path: Path, metadata: BundleMetadata) -> None:
    """Each table is readable Parquet with its schema and the row count metadata.json records."""
    expected = [
        (BARS_FILE, BARS_SCHEMA, metadata.row_count, "row_count"),
        (ASSETS_FILE, ASSETS_SCHEMA, metadata.asset_count, "asset_count"),
    ]
    if SESSIONS_FILE in metadata.files:  # optional: the precomputed session schedule
        expected.append((SESSIONS_FILE, SCHEDULE_SCHEMA, metadata.sessions, "sessions"))
    name = path.name
    for rel, schema, rows, key in expected:
        file = path / rel
        try:
            got = pl.read_parquet_schema(file)
            height = pl.scan_parquet(file).select(pl.len()).collect().item()
        except _READ_ERRORS as exc:
            raise BundleCorrupt(
                name, file, f"is not a readable Parquet file ({io_reason(exc)})"
            ) from exc
        problem = _schema_problem(got, schema) or _rows_problem(height, rows, key)
        if problem:
            raise BundleCorrupt(name, file, problem)


def _schema_problem(got: dict[str, pl.DataType], schema: pl.Schema) -> str | None:
    missing = [c for c in schema if c not in got]
    if missing:
        return f"lacks column(s) {', '.join(missing)} (needs {', '.join(schema)})"
    wrong = [f"{c} is {got[c]}, not {t}" for c, t in schema.items() if got[c] != t]
    return f"has wrong column types ({'; '.join(wrong)})" if wrong else None


def _rows_problem(height: int, rows: int, key: str) -> str | None:
    if height == 0:
        return "has no rows (a bundle needs at least one asset and one bar)"
    if height != rows:
        return f"has {height} rows but metadata.json records {key} {rows}"
    return None


def read_table(bundle: str, file: Path, predicate: pl.Expr | None = None) -> pl.DataFrame:
    """A table of the bundle (rows matching `predicate`); BundleCorrupt if it cannot be read."""
    frame = pl.scan_parquet(file)
    try:
        return (frame if predicate is None else frame.filter(predicate)).collect()
    except _READ_ERRORS as exc:
        raise BundleCorrupt(bundle, file, f"cannot be read ({io_reason(exc)})") from exc


def check_assets(bundle: str, file: Path, assets: pl.DataFrame) -> None:
    """sid and symbol filled in; sids unique and sorted (readers search them)."""
    nulls = [c for c in ("sid", "symbol") if assets[c].null_count()]
    if nulls:
        raise BundleCorrupt(bundle, file, f"has nulls in {', '.join(nulls)}")
    sids = assets["sid"]
    if sids.is_duplicated().any() or not sids.is_sorted():
        raise BundleCorrupt(bundle, file, "has duplicate or unsorted sids (need unique, ascending)")


def check_bars(
    bundle: str,
    file: Path,
    bars: pl.DataFrame,
    located: tuple[np.ndarray, np.ndarray],
    labels: tuple[np.ndarray, np.ndarray],
    grid: str,
) -> None:
    """Every bar has no nulls, finite prices, a sid of the assets table and a label on `grid`.

    `located` is each bar's (row, column) found by searching `labels` (bar times in ns, sids);
    a bar whose time or sid is not there would land on a neighbour's cell without this check.
    """
    nulls = [c for c in bars.columns if bars[c].null_count()]
    if nulls:
        raise BundleCorrupt(bundle, file, f"has nulls in {', '.join(nulls)}")
    prices = bars.select("open", "high", "low", "close").to_numpy()
    if not np.isfinite(prices).all():
        raise BundleCorrupt(bundle, file, "has NaN or infinite prices")
    (rows, cols), (times_ns, sids) = located, labels
    sid = bars["sid"].to_numpy()
    unknown = (cols >= len(sids)) | (sids[np.minimum(cols, len(sids) - 1)] != sid)
    if unknown.any():
        shown = ", ".join(map(str, np.unique(sid[unknown])[:5]))
        raise BundleCorrupt(bundle, file, f"has bars for sid(s) {shown} that assets.parquet lacks")
    dt_ns = bars["dt"].dt.epoch("ns").to_numpy()
    off = (rows >= len(times_ns)) | (times_ns[np.minimum(rows, len(times_ns) - 1)] != dt_ns)
    if off.any():
        first = bars.filter(pl.Series(off)).row(0, named=True)
        raise BundleCorrupt(
            bundle,
            file,
            f"has {int(off.sum())} bar(s) that are not {grid} bar labels "
            f"(e.g. sid {first['sid']} at {first['dt']})",
        )
