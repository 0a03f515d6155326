"""Writing bundles: synthesize from a spec, or store validated hand-made frames; atomically.

Files go to a hidden temporary sibling directory that is renamed into place when complete;
an existing bundle is replaced only with `force`.
"""

from __future__ import annotations

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
from rustybt.data.synthetic import symbol_for, synthesize_bars
from rustybt.errors import RustyBTError
from rustybt.gens.clock import bar_index, bar_minutes


def write_bundle(
    spec: BundleSpec,
    root: Path | None = None,
    *,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> BundleMetadata:
    """Synthesize the bundle `spec` describes and write it atomically under `root`."""
    check_name(spec.name)
    if spec.frequency not in ("daily", "hourly", "minute"):
        raise RustyBTError(f"unknown frequency {spec.frequency!r}; use daily, hourly or minute")
    if spec.assets < 1:
        raise RustyBTError(f"a bundle needs at least one asset, got {spec.assets}")
    calendar = get_calendar(spec.calendar, spec.start, spec.end)
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
    cal = _calendar_for(bars, calendar)
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


def _calendar_for(bars: pl.DataFrame, calendar: str) -> Any:
    """The calendar over the bars' own dates (see `get_calendar` for the padding)."""
    if bars.height == 0:
        return get_calendar(calendar)
    first, last = bars.select(lo=pl.col("dt").min().dt.date(), hi=pl.col("dt").max().dt.date()).row(
        0
    )
    return get_calendar(calendar, first, last)
