"""The on-disk bundle format: Parquet bars + an assets table + metadata.json.

Layout of `<root>/<name>/` (documented in docs/bundle-format.md)::

    bars.parquet     sid i64, dt datetime[us, UTC], open/high/low/close f64, volume i64; by sid, dt
    assets.parquet   sid i64, symbol str, start date, end date; by sid
    metadata.json    format_version, calendar, frequency, sessions, seed, row_count, sha256s

Writing lives in `bundle_writer`, the fixed format in `bundle_format`; both are re-exported
here, so `rustybt.data.bundles` is the one import for users. Loading checks every file
against the sha256 recorded in metadata.json (bundles are under a few MiB, so hashing costs
milliseconds and catches truncation, corruption and hand edits alike), then the content a
consistent but hand-made bundle can still get wrong (`bundle_checks`).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, cast

import pandas as pd
import polars as pl

from rustybt.assets import Asset
from rustybt.data.bundle_checks import (
    check_assets,
    check_tables,
    read_table,
    unreadable,
    verify_files,
)
from rustybt.data.bundle_format import (
    ASSETS_FILE,
    ASSETS_SCHEMA,
    BARS_FILE,
    BARS_SCHEMA,
    FORMAT_VERSION,
    METADATA_FILE,
    PARQUET_OPTIONS,
    SESSIONS_FILE,
    BundleMetadata,
    BundleSpec,
    DateLike,
    Frequency,
    calendar_sessions,
    check_order,
    content_hash,
    day,
    default_bundle_root,
    get_calendar,
    sha256_file,
)
from rustybt.data.bundle_writer import MAX_BARS, write_bundle, write_bundle_from_frames
from rustybt.data.schedule import SessionSchedule
from rustybt.errors import BundleCorrupt, BundleNotFound, DatesOutOfRange

__all__ = [
    "ASSETS_FILE",
    "ASSETS_SCHEMA",
    "BARS_FILE",
    "BARS_SCHEMA",
    "FORMAT_VERSION",
    "MAX_BARS",
    "METADATA_FILE",
    "PARQUET_OPTIONS",
    "SESSIONS_FILE",
    "Bundle",
    "BundleMetadata",
    "BundleSpec",
    "DateLike",
    "Frequency",
    "calendar_sessions",
    "content_hash",
    "default_bundle_root",
    "get_calendar",
    "list_bundles",
    "load_bundle",
    "read_metadata",
    "sha256_file",
    "verify_files",
    "write_bundle",
    "write_bundle_from_frames",
]


def list_bundles(root: Path | None = None) -> list[str]:
    """Names of the complete bundles under `root`, sorted."""
    root = default_bundle_root() if root is None else root
    try:
        if not root.is_dir():
            return []
        return sorted(
            p.name
            for p in root.iterdir()
            if not p.name.startswith(".") and (p / METADATA_FILE).is_file()
        )
    except OSError as exc:
        raise unreadable(root, exc) from exc


def load_bundle(name: str, root: Path | None = None) -> Bundle:
    """Open a bundle after checking its files' sha256s and their content."""
    root = default_bundle_root() if root is None else root
    path = root / name
    try:
        found = (path / METADATA_FILE).is_file()
    except OSError as exc:
        raise unreadable(path, exc) from exc
    if not found:
        available = list_bundles(root)
        listing = ", ".join(available) if available else "none yet"
        raise BundleNotFound(
            f"no bundle named {name!r} under {root} (available: {listing}); "
            f"create it with `rbprofile ingest <scenario>`"
        )
    metadata = read_metadata(path)
    verify_files(path, metadata)
    check_tables(path, metadata)
    return Bundle(name, path, metadata)


def read_metadata(path: Path) -> BundleMetadata:
    file = path / METADATA_FILE
    try:
        text = file.read_text()
    except OSError as exc:
        raise unreadable(file, exc) from exc
    try:
        return BundleMetadata.from_json(text)
    except (ValueError, KeyError, TypeError) as exc:
        raise BundleCorrupt(path.name, file, f"is not valid bundle metadata ({exc})") from exc


class Bundle:
    """A verified bundle on disk. Bars are read lazily; the schedule (and, when asked for,
    the calendar) on first use."""

    def __init__(self, name: str, path: Path, metadata: BundleMetadata) -> None:
        self.name = name
        self.path = path
        self.metadata = metadata

    def __repr__(self) -> str:
        m = self.metadata
        return (
            f"Bundle({self.name!r}, {m.frequency}, {m.first_session}..{m.last_session}, "
            f"{m.asset_count} assets)"
        )

    @property
    def frequency(self) -> Frequency:
        return self.metadata.frequency

    @cached_property
    def calendar(self) -> Any:
        meta = self.metadata
        return get_calendar(meta.calendar, meta.first_session, meta.last_session)

    @cached_property
    def schedule(self) -> Any:
        """Sessions, opens and closes: the bundle's stored `SessionSchedule`, or the calendar
        for a bundle written without one (both answer the same questions, see schedule.py)."""
        if SESSIONS_FILE not in self.metadata.files:
            return self.calendar
        frame = self._read(SESSIONS_FILE)
        return SessionSchedule(self.metadata.calendar, frame)

    @cached_property
    def assets(self) -> list[Asset]:
        frame = self._read(ASSETS_FILE)
        check_assets(self.name, self.path / ASSETS_FILE, frame)
        return [
            Asset(row["sid"], row["symbol"], self.metadata.calendar, row["start"], row["end"])
            for row in frame.iter_rows(named=True)
        ]

    def scan_bars(self) -> pl.LazyFrame:
        """The bars as a LazyFrame, for your own queries (its `collect()` raises Polars' errors
        on a damaged file; `bars(predicate)` raises BundleCorrupt instead)."""
        return pl.scan_parquet(self.path / BARS_FILE)

    def bars(self, predicate: pl.Expr | None = None) -> pl.DataFrame:
        """The bars (those matching `predicate`): sid, dt, open, high, low, close, volume,
        sorted by sid, dt."""
        return read_table(self.name, self.path / BARS_FILE, predicate)

    def _read(self, rel: str) -> pl.DataFrame:
        return read_table(self.name, self.path / rel)

    def sessions(
        self, start: DateLike | None = None, end: DateLike | None = None
    ) -> pd.DatetimeIndex:
        """The bundle's sessions within [start, end] (tz-naive, as exchange_calendars gives)."""
        first = pd.Timestamp(self.metadata.first_session)
        last = pd.Timestamp(self.metadata.last_session)
        lo = first if start is None else day(start, "start")
        hi = last if end is None else day(end, "end")
        check_order(lo, hi)
        if lo < first or hi > last:
            raise DatesOutOfRange(
                f"{lo.date()}..{hi.date()} is outside bundle {self.name!r}, which covers "
                f"{first.date()}..{last.date()}; choose dates within that range"
            )
        sessions = cast(pd.DatetimeIndex, self.schedule.sessions_in_range(lo, hi))
        if len(sessions) == 0:
            raise DatesOutOfRange(
                f"no sessions in {lo.date()}..{hi.date()} (bundle {self.name!r} covers "
                f"{first.date()}..{last.date()}); widen the range"
            )
        return sessions
