"""The bundle format's fixed parts: file names, specs, metadata.json, hashing, the calendar.

Format history: 1 -- first version. Unknown versions are refused, not guessed at.
See docs/bundle-format.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import exchange_calendars  # at import time, so run_algorithm() times no imports
import pandas as pd

from rustybt.data import validation
from rustybt.errors import DatesOutOfRange, RustyBTError
from rustybt.gens.clock import FREQUENCIES, Frequency

FORMAT_VERSION = 1
BARS_FILE = "bars.parquet"
ASSETS_FILE = "assets.parquet"
METADATA_FILE = "metadata.json"
# Derived from the calendar at ingest (sessions, opens, closes), so a run need not build the
# calendar; optional (bundles without it fall back to the calendar) and outside content_hash.
SESSIONS_FILE = "sessions.parquet"
DERIVED_FILES = frozenset({SESSIONS_FILE})
BARS_SCHEMA = validation.BARS_SCHEMA
ASSETS_SCHEMA = validation.ASSETS_SCHEMA
# Fixed writer options: the same frame gives the same bytes in any process.
PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 3,
    "statistics": True,
    "row_group_size": 262_144,
}
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
DateLike = date | str | pd.Timestamp


@dataclass(frozen=True)
class BundleSpec:
    """What to synthesize."""

    name: str
    frequency: Frequency
    assets: int
    start: date
    end: date
    seed: int
    calendar: str = "XNYS"


@dataclass(frozen=True)
class BundleMetadata:
    """metadata.json, read back."""

    format_version: int
    name: str
    calendar: str
    frequency: Frequency
    first_session: date
    last_session: date
    sessions: int
    asset_count: int
    seed: int | None
    row_count: int
    files: dict[str, str]
    content_hash: str

    def to_json(self) -> str:
        data = asdict(self)
        data["first_session"] = self.first_session.isoformat()
        data["last_session"] = self.last_session.isoformat()
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> BundleMetadata:
        """Parse metadata.json; ValueError saying which key is missing, unknown or mistyped."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError(f"holds {_json_kind(data)}, not an object")
        if data.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"unsupported format_version {data.get('format_version')!r}")
        annotations = {f.name: str(f.type) for f in fields(cls)}
        missing = sorted(annotations.keys() - data.keys())
        unknown = sorted(data.keys() - annotations.keys())
        if missing or unknown:
            keys = [f"lacks key(s) {', '.join(missing)}"] * bool(missing)
            keys += [f"has unknown key(s) {', '.join(unknown)}"] * bool(unknown)
            raise ValueError(" and ".join(keys))
        return cls(**{key: _parse_field(key, kind, data[key]) for key, kind in annotations.items()})


def _parse_field(key: str, annotation: str, value: object) -> Any:
    """One metadata.json value, checked against its BundleMetadata annotation."""
    if annotation in ("int", "int | None"):
        if value is None and annotation == "int | None":
            return None
        if type(value) is not int:
            raise ValueError(f"{key} is {_json_kind(value)}, not an integer")
        return value
    if annotation == "dict[str, str]":
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise ValueError(f"{key} is {_json_kind(value)}, not an object of file -> sha256")
        return value
    if not isinstance(value, str):
        raise ValueError(f"{key} is {_json_kind(value)}, not a string")
    if annotation == "date":
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{key} {value!r} is not an ISO date (YYYY-MM-DD)") from None
    if annotation == "Frequency" and value not in FREQUENCIES:
        raise ValueError(f"frequency {value!r} is not one of {', '.join(FREQUENCIES)}")
    if key == "calendar" and value not in exchange_calendars.get_calendar_names():
        raise ValueError(f"calendar {value!r} is not an exchange_calendars calendar name")
    return value


def _json_kind(value: object) -> str:
    kinds = {dict: "an object", list: "a list", str: "a string", int: "an integer",
             float: "a number", bool: "a boolean", type(None): "null"}  # fmt: skip
    return kinds.get(type(value), type(value).__name__)


CALENDAR_MARGIN = timedelta(days=14)


@lru_cache(maxsize=8)
def get_calendar(name: str = "XNYS", start: date | None = None, end: date | None = None) -> Any:
    """An exchange_calendars calendar, built once per process for each (name, start, end).

    With `start`/`end` (a bundle's first and last session) only that window, padded by two
    weeks, is built: the library's default spans ~20 years of minutes, which costs a backtest
    0.1 s and ~55 MB it never uses. Without them, the library's default range.

    exchange_calendars 4.13 trips a pandas 3.1 deprecation warning while building; it is the
    library's, not ours, so it is silenced here, where its lazy caches are built.
    """
    bounds: dict[str, pd.Timestamp] = {}
    if start is not None:
        bounds["start"] = pd.Timestamp(start - CALENDAR_MARGIN)
    if end is not None:
        bounds["end"] = pd.Timestamp(end + CALENDAR_MARGIN)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*\.values returning an ndarray")
        calendar = exchange_calendars.get_calendar(name, **bounds)
        session = calendar.sessions[len(calendar.sessions) // 2]
        calendar.minute_to_session(calendar.session_minutes(session)[0])  # build lazy caches
        calendar.sessions_minutes(session, session)
    return calendar


def default_bundle_root() -> Path:
    """`$RBPROFILE_HOME/bundles`, else `~/.rbprofile/bundles`."""
    env = os.environ.get("RBPROFILE_HOME")
    home = Path(env).expanduser() if env else Path.home() / ".rbprofile"
    return home / "bundles"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def content_hash(files: dict[str, str]) -> str:
    """sha256 over the sorted (relative path, sha256) pairs of the data files: the derived
    session schedule is left out, so the same bars and assets keep the same hash."""
    text = "".join(
        f"{path}\t{files[path]}\n" for path in sorted(files) if path not in DERIVED_FILES
    )
    return hashlib.sha256(text.encode()).hexdigest()


def check_name(name: str) -> None:
    if not _NAME.match(name):
        raise RustyBTError(
            f"invalid bundle name {name!r}; use letters, digits, '_', '.', '-' (no leading '.')"
        )


def calendar_sessions(calendar: Any, start: DateLike, end: DateLike) -> pd.DatetimeIndex:
    """Sessions in [start, end]; DatesOutOfRange when outside the calendar's bounds."""
    first, last = calendar.first_session, calendar.last_session
    lo, hi = day(start, "start"), day(end, "end")
    check_order(lo, hi)
    if lo < first or hi > last:
        raise DatesOutOfRange(
            f"{lo.date()}..{hi.date()} is outside the {calendar.name} calendar "
            f"({first.date()}..{last.date()}); choose dates within it"
        )
    sessions: pd.DatetimeIndex = calendar.sessions_in_range(lo, hi)
    if len(sessions) == 0:
        raise DatesOutOfRange(f"no {calendar.name} sessions in {lo.date()}..{hi.date()}; widen it")
    return sessions


def day(value: DateLike, what: str = "date") -> pd.Timestamp:
    """`value` as a tz-naive midnight; RustyBTError naming `what` (e.g. "start") if no date."""
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):  # DateParseError, OutOfBoundsDatetime
        ts = None
    if ts is None or ts is pd.NaT:
        raise RustyBTError(f"{what} {value!r} is not a date; use YYYY-MM-DD")
    return (ts.tz_convert(None) if ts.tzinfo is not None else ts).normalize()


def check_order(lo: pd.Timestamp, hi: pd.Timestamp) -> None:
    if lo > hi:
        raise DatesOutOfRange(f"start {lo.date()} is after end {hi.date()}; swap them")
