"""The on-disk bundle format: Parquet bars + an assets table + metadata.json.

Layout of `<root>/<name>/` (documented in docs/bundle-format.md)::

    bars.parquet     sid i64, dt datetime[us, UTC], open/high/low/close f64, volume i64; by sid, dt
    assets.parquet   sid i64, symbol str, start date, end date; by sid
    metadata.json    format_version, calendar, frequency, sessions, seed, row_count, sha256s

Format history: 1 -- first version. Unknown versions are refused, not guessed at.

Bundles are written to a temporary sibling directory and renamed into place. Loading checks
every file against the sha256 recorded in metadata.json (bundles are a few MiB, so hashing
costs milliseconds and catches truncation, corruption and hand edits alike).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import uuid
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal, cast

import pandas as pd
import polars as pl

from rustybt.assets import Asset
from rustybt.data import validation
from rustybt.data.synthetic import symbol_for, synthesize_bars
from rustybt.errors import BundleCorrupt, BundleNotFound, DatesOutOfRange, RustyBTError
from rustybt.gens.clock import bar_index, bar_minutes

Frequency = Literal["daily", "hourly", "minute"]
FORMAT_VERSION = 1
BARS_FILE = "bars.parquet"
ASSETS_FILE = "assets.parquet"
METADATA_FILE = "metadata.json"
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
        data = json.loads(text)
        if data.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"unsupported format_version {data.get('format_version')!r}")
        data["first_session"] = date.fromisoformat(data["first_session"])
        data["last_session"] = date.fromisoformat(data["last_session"])
        return cls(**data)


@lru_cache(maxsize=8)
def get_calendar(name: str = "XNYS") -> Any:
    """An exchange_calendars calendar, built once per process.

    exchange_calendars 4.13 trips a pandas 3.1 deprecation warning while building; it is the
    library's, not ours, so it is silenced here, where its lazy caches are built.
    """
    import exchange_calendars

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*\.values returning an ndarray")
        calendar = exchange_calendars.get_calendar(name)
        session = calendar.sessions[len(calendar.sessions) // 2]
        calendar.minute_to_session(calendar.session_minutes(session)[0])  # build lazy caches
        calendar.sessions_minutes(session, session)
    return calendar


def default_bundle_root() -> Path:
    """`$RBPROFILE_HOME/bundles`, else `~/.rbprofile/bundles`."""
    env = os.environ.get("RBPROFILE_HOME")
    home = Path(env).expanduser() if env else Path.home() / ".rbprofile"
    return home / "bundles"


def list_bundles(root: Path | None = None) -> list[str]:
    """Names of the complete bundles under `root`, sorted."""
    root = default_bundle_root() if root is None else root
    if not root.is_dir():
        return []
    return sorted(
        p.name
        for p in root.iterdir()
        if not p.name.startswith(".") and (p / METADATA_FILE).is_file()
    )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def content_hash(files: dict[str, str]) -> str:
    """sha256 over the sorted (relative path, sha256) pairs."""
    text = "".join(f"{path}\t{files[path]}\n" for path in sorted(files))
    return hashlib.sha256(text.encode()).hexdigest()


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise RustyBTError(
            f"invalid bundle name {name!r}; use letters, digits, '_', '.', '-' (no leading '.')"
        )


def calendar_sessions(calendar: Any, start: DateLike, end: DateLike) -> pd.DatetimeIndex:
    """Sessions in [start, end]; DatesOutOfRange when outside the calendar's bounds."""
    first, last = calendar.first_session, calendar.last_session
    lo, hi = _day(start), _day(end)
    if lo > hi:
        raise DatesOutOfRange(f"start {lo.date()} is after end {hi.date()}; swap them")
    if lo < first or hi > last:
        raise DatesOutOfRange(
            f"{lo.date()}..{hi.date()} is outside the {calendar.name} calendar "
            f"({first.date()}..{last.date()}); choose dates within it"
        )
    sessions: pd.DatetimeIndex = calendar.sessions_in_range(lo, hi)
    if len(sessions) == 0:
        raise DatesOutOfRange(f"no {calendar.name} sessions in {lo.date()}..{hi.date()}; widen it")
    return sessions


def _day(value: DateLike) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return (ts.tz_convert(None) if ts.tzinfo is not None else ts).normalize()


def write_bundle(
    spec: BundleSpec,
    root: Path | None = None,
    *,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> BundleMetadata:
    """Synthesize the bundle `spec` describes and write it atomically under `root`."""
    _check_name(spec.name)
    if spec.frequency not in ("daily", "hourly", "minute"):
        raise RustyBTError(f"unknown frequency {spec.frequency!r}; use daily, hourly or minute")
    if spec.assets < 1:
        raise RustyBTError(f"a bundle needs at least one asset, got {spec.assets}")
    calendar = get_calendar(spec.calendar)
    sessions = calendar_sessions(calendar, spec.start, spec.end)
    times = bar_index(calendar, sessions, spec.frequency)
    bars = synthesize_bars(
        name=spec.name,
        frequency=spec.frequency,
        seed=spec.seed,
        asset_count=spec.assets,
        times=times,
        minutes=bar_minutes(calendar, sessions, spec.frequency),
        progress=progress,
    )
    assets = pl.DataFrame(
        {
            "sid": list(range(spec.assets)),
            "symbol": [symbol_for(i) for i in range(spec.assets)],
            "start": [sessions[0].date()] * spec.assets,
            "end": [sessions[-1].date()] * spec.assets,
        },
        schema=ASSETS_SCHEMA,
    )
    return _write(spec.name, spec.frequency, bars, assets, root, spec.calendar, spec.seed, force)


def write_bundle_from_frames(
    name: str,
    frequency: Frequency,
    bars: pl.DataFrame,
    assets: pl.DataFrame,
    root: Path | None = None,
    *,
    calendar: str = "XNYS",
    seed: int | None = None,
    force: bool = False,
) -> BundleMetadata:
    """Write hand-made bars (e.g. for known-answer tests) as a bundle, after validating them.

    `bars` needs sid, dt, open, high, low, close, volume (dt may be a date for daily bars or a
    naive/UTC datetime); `assets` needs sid and symbol, and optionally start/end (default: the
    bundle's first/last session). Raises ValueError naming the first rule a row breaks.
    """
    _check_name(name)
    cal = get_calendar(calendar)
    bars = validation.normalize_bars(bars)
    validation.check_ohlcv(bars)
    sessions = validation.check_bar_times(bars, cal, frequency)
    assets = validation.normalize_assets(assets, sessions[0].date(), sessions[-1].date())
    validation.check_sids(bars, assets)
    return _write(name, frequency, bars, assets, root, calendar, seed, force)


def _write(
    name: str,
    frequency: Frequency,
    bars: pl.DataFrame,
    assets: pl.DataFrame,
    root: Path | None,
    calendar: str,
    seed: int | None,
    force: bool,
) -> BundleMetadata:
    root = default_bundle_root() if root is None else root
    target = root / name
    if target.exists() and not force:
        raise RustyBTError(
            f"bundle {name!r} already exists at {target}; rewrite it with "
            f"`rbprofile ingest --force {name}`"
        )
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{name}.tmp-{uuid.uuid4().hex}"
    tmp.mkdir()
    try:
        bars.sort(["sid", "dt"]).write_parquet(tmp / BARS_FILE, **PARQUET_OPTIONS)
        assets.sort("sid").write_parquet(tmp / ASSETS_FILE, **PARQUET_OPTIONS)
        metadata = _metadata(name, frequency, bars, assets, tmp, calendar, seed)
        (tmp / METADATA_FILE).write_text(metadata.to_json())
        _swap_into_place(tmp, target, force)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return metadata


def _metadata(
    name: str,
    frequency: Frequency,
    bars: pl.DataFrame,
    assets: pl.DataFrame,
    directory: Path,
    calendar: str,
    seed: int | None,
) -> BundleMetadata:
    cal = get_calendar(calendar)
    first, last = validation.session_bounds(bars, cal, frequency)
    files = {f: sha256_file(directory / f) for f in (ASSETS_FILE, BARS_FILE)}
    return BundleMetadata(
        format_version=FORMAT_VERSION,
        name=name,
        calendar=calendar,
        frequency=frequency,
        first_session=first,
        last_session=last,
        sessions=len(cal.sessions_in_range(first, last)),
        asset_count=assets.height,
        seed=seed,
        row_count=bars.height,
        files=files,
        content_hash=content_hash(files),
    )


def _swap_into_place(tmp: Path, target: Path, force: bool) -> None:
    old = None
    if target.exists() and force:
        old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex}")
        target.rename(old)
    try:
        tmp.rename(target)
    except OSError as exc:
        raise RustyBTError(
            f"bundle {target.name!r} appeared at {target} while writing; "
            f"rerun with `rbprofile ingest --force {target.name}`"
        ) from exc
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def load_bundle(name: str, root: Path | None = None) -> Bundle:
    """Open a bundle after checking every file against metadata.json."""
    root = default_bundle_root() if root is None else root
    path = root / name
    if not (path / METADATA_FILE).is_file():
        available = list_bundles(root)
        listing = ", ".join(available) if available else "none yet"
        raise BundleNotFound(
            f"no bundle named {name!r} under {root} (available: {listing}); "
            f"create it with `rbprofile ingest <scenario>`"
        )
    metadata = read_metadata(path)
    verify_files(path, metadata)
    return Bundle(name, path, metadata)


def _corrupt(path: Path, what: str, name: str) -> BundleCorrupt:
    return BundleCorrupt(
        f"{path} {what}; rewrite the bundle with `rbprofile ingest --force {name}`"
    )


def read_metadata(path: Path) -> BundleMetadata:
    file = path / METADATA_FILE
    try:
        return BundleMetadata.from_json(file.read_text())
    except (ValueError, KeyError, TypeError) as exc:
        raise _corrupt(file, f"is not valid bundle metadata ({exc})", path.name) from exc


def verify_files(path: Path, metadata: BundleMetadata) -> None:
    """BundleCorrupt naming the first file that is missing or does not match its sha256."""
    for required in (BARS_FILE, ASSETS_FILE):
        if required not in metadata.files:
            raise _corrupt(path / METADATA_FILE, f"does not list {required}", metadata.name)
    for rel, expected in sorted(metadata.files.items()):
        file = path / rel
        if not file.is_file():
            raise _corrupt(file, "is missing", metadata.name)
        if sha256_file(file) != expected:
            raise _corrupt(
                file, "does not match its recorded sha256 (truncated or modified)", metadata.name
            )
    if content_hash(metadata.files) != metadata.content_hash:
        raise _corrupt(
            path / METADATA_FILE, "has a content_hash that does not match its files", metadata.name
        )


class Bundle:
    """A verified bundle on disk. Bars are read lazily; the calendar is built on first use."""

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
        return get_calendar(self.metadata.calendar)

    @cached_property
    def assets(self) -> list[Asset]:
        frame = self._read(ASSETS_FILE)
        return [
            Asset(row["sid"], row["symbol"], self.metadata.calendar, row["start"], row["end"])
            for row in frame.iter_rows(named=True)
        ]

    def scan_bars(self) -> pl.LazyFrame:
        """The bars as a LazyFrame: filter and select, then collect at the edge."""
        return pl.scan_parquet(self.path / BARS_FILE)

    def bars(self) -> pl.DataFrame:
        """All bars: sid, dt, open, high, low, close, volume, sorted by sid, dt."""
        return self._read(BARS_FILE)

    def _read(self, rel: str) -> pl.DataFrame:
        try:
            return pl.read_parquet(self.path / rel)
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise _corrupt(self.path / rel, f"cannot be read ({exc})", self.name) from exc

    def sessions(
        self, start: DateLike | None = None, end: DateLike | None = None
    ) -> pd.DatetimeIndex:
        """The bundle's sessions within [start, end] (tz-naive, as exchange_calendars gives)."""
        first = pd.Timestamp(self.metadata.first_session)
        last = pd.Timestamp(self.metadata.last_session)
        lo = first if start is None else _day(start)
        hi = last if end is None else _day(end)
        if lo < first or hi > last or lo > hi:
            raise DatesOutOfRange(
                f"{lo.date()}..{hi.date()} is outside bundle {self.name!r}, which covers "
                f"{first.date()}..{last.date()}; choose dates within that range"
            )
        sessions = cast(pd.DatetimeIndex, self.calendar.sessions_in_range(lo, hi))
        if len(sessions) == 0:
            raise DatesOutOfRange(
                f"no sessions in {lo.date()}..{hi.date()} (bundle {self.name!r} covers "
                f"{first.date()}..{last.date()}); widen the range"
            )
        return sessions
