"""Writing bundles: synthesize from a spec, or store validated hand-made frames; atomically.

Files go to a hidden temporary sibling directory that is renamed into place when complete;
an existing bundle is replaced only with `force`, and stays intact if the write fails (a full
disk, a read-only root): the partial temporary directory is removed. A spec is sized before
anything is synthesized, and refused beyond `max_bars` (default `MAX_BARS`).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from rustybt.data import validation
from rustybt.data.bundle_format import (
    ASSETS_FILE,
    ASSETS_SCHEMA,
    BARS_FILE,
    FORMAT_VERSION,
    METADATA_FILE,
    PARQUET_OPTIONS,
    SESSIONS_FILE,
    BundleMetadata,
    BundleSpec,
    Frequency,
    calendar_sessions,
    check_name,
    content_hash,
    default_bundle_root,
    get_calendar,
    sha256_file,
)
from rustybt.data.schedule import schedule_frame
from rustybt.data.synthetic import symbol_for, synthesize_bars
from rustybt.errors import BundleExists, BundleTooLarge, BundleWriteError, RustyBTError
from rustybt.gens.clock import bar_index, bar_minutes
from rustybt.writable import io_reason, is_io_error, unwritable_reason

# 10,000,000 bars is ~100 times the largest scenario (minute: 85,800) and takes ~10 s.
MAX_BARS = 10_000_000
# Measured writing minute bundles of 10, 100 and 1,000 assets (858,000 to 8,580,000 bars):
# synthesis peaks near 160 bytes of memory per bar; zstd Parquet keeps ~11 bytes per bar.
MEMORY_PER_BAR = 160
DISK_PER_BAR = 11


def write_bundle(
    spec: BundleSpec,
    root: Path | None = None,
    *,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    max_bars: int | None = MAX_BARS,
) -> BundleMetadata:
    """Synthesize the bundle `spec` describes and write it atomically under `root`.

    BundleTooLarge, before any work, when it would hold more than `max_bars` bars (None: no
    limit); BundleWriteError when the root cannot be written.
    """
    check_name(spec.name)
    if spec.frequency not in ("daily", "hourly", "minute"):
        raise RustyBTError(f"unknown frequency {spec.frequency!r}; use daily, hourly or minute")
    if spec.assets < 1:
        raise RustyBTError(f"a bundle needs at least one asset, got {spec.assets}")
    calendar = get_calendar(spec.calendar, spec.start, spec.end)
    sessions = calendar_sessions(calendar, spec.start, spec.end)
    times = bar_index(calendar, sessions, spec.frequency)
    _check_size(spec, len(times), max_bars)
    _check_root(spec.name, default_bundle_root() if root is None else root)
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
    check_name(name)
    bars = validation.normalize_bars(bars)
    cal = _calendar_for(bars, calendar)
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
    _check_root(name, root)
    target = root / name
    if os.path.lexists(target) and not force:
        raise BundleExists(
            name, f"bundle {name!r} already exists at {target}", "pass force=True to replace it"
        )
    tmp = root / f".{name}.tmp-{uuid.uuid4().hex}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
        bars.sort(["sid", "dt"]).write_parquet(tmp / BARS_FILE, **PARQUET_OPTIONS)
        assets.sort("sid").write_parquet(tmp / ASSETS_FILE, **PARQUET_OPTIONS)
        metadata = _metadata(name, frequency, bars, assets, tmp, calendar, seed)
        (tmp / METADATA_FILE).write_text(metadata.to_json())
        _swap_into_place(tmp, target, force)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, Exception) and is_io_error(exc):
            kept = f"; bundle {name!r} there is unchanged" if os.path.lexists(target) else ""
            raise BundleWriteError(
                f"writing bundle {name!r} under {root} failed: {io_reason(exc)}{kept}; free "
                "space or choose another bundle root (RBPROFILE_HOME), then write it again"
            ) from exc
        raise
    return metadata


def _check_size(spec: BundleSpec, labels: int, max_bars: int | None) -> None:
    bars = labels * spec.assets
    if max_bars is None or bars <= max_bars:
        return
    what = (
        f"bundle {spec.name!r} would hold {bars:,} bars ({spec.assets:,} assets x {labels:,} "
        f"{spec.frequency} bars from {spec.start} to {spec.end}): about "
        f"{_size(bars * MEMORY_PER_BAR)} of memory to write and {_size(bars * DISK_PER_BAR)} "
        f"on disk, over the limit of {max_bars:,} bars"
    )
    raise BundleTooLarge(spec.name, what, "ask for fewer assets or a shorter window")


def _size(n: int) -> str:
    value, unit = float(n), "B"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if value < 1024 or unit == "PiB":
            break
        value /= 1024
    return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"


def _check_root(name: str, root: Path) -> None:
    reason = unwritable_reason(root)
    if reason is not None:
        raise BundleWriteError(
            f"cannot write bundle {name!r} under {root}: {reason}; fix that or "
            "choose another bundle root (RBPROFILE_HOME)"
        )


def _metadata(
    name: str,
    frequency: Frequency,
    bars: pl.DataFrame,
    assets: pl.DataFrame,
    directory: Path,
    calendar: str,
    seed: int | None,
) -> BundleMetadata:
    cal = _calendar_for(bars, calendar)
    first, last = validation.session_bounds(bars, cal, frequency)
    sessions = cal.sessions_in_range(first, last)
    schedule_frame(cal, sessions).write_parquet(directory / SESSIONS_FILE, **PARQUET_OPTIONS)
    files = {f: sha256_file(directory / f) for f in (ASSETS_FILE, BARS_FILE, SESSIONS_FILE)}
    return BundleMetadata(
        format_version=FORMAT_VERSION,
        name=name,
        calendar=calendar,
        frequency=frequency,
        first_session=first,
        last_session=last,
        sessions=len(sessions),
        asset_count=assets.height,
        seed=seed,
        row_count=bars.height,
        files=files,
        content_hash=content_hash(files),
    )


def _swap_into_place(tmp: Path, target: Path, force: bool) -> None:
    """Rename `tmp` to `target`; an old bundle there is moved aside first and put back if the
    rename fails, so a failed write never loses it."""
    old = None
    if os.path.lexists(target) and force:
        old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex}")
        target.rename(old)
    try:
        tmp.rename(target)
    except OSError as exc:
        if old is not None:
            old.rename(target)
        if not os.path.lexists(target):
            raise
        raise BundleExists(
            target.name,
            f"bundle {target.name!r} appeared at {target} while writing",
            "write it again with force=True",
        ) from exc
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _calendar_for(bars: pl.DataFrame, calendar: str) -> Any:
    """The calendar over the bars' own dates (see `get_calendar` for the padding)."""
    if bars.height == 0:
        return get_calendar(calendar)
    first, last = bars.select(lo=pl.col("dt").min().dt.date(), hi=pl.col("dt").max().dt.date()).row(
        0
    )
    return get_calendar(calendar, first, last)
