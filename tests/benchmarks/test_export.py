"""Export of rustybt bundles to the csvdir layout: same bars, zipline's minute labels."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from benchmarks.peers import csv_layout
from benchmarks.peers.export import export_bundle, export_dir
from rustybt.data.bundles import Bundle


def test_daily_export_has_one_file_per_symbol_with_the_bundle_bars(
    daily_peer_bundle: Bundle, peer_exports: dict[str, Path]
) -> None:
    folder = csv_layout.frequency_dir(peer_exports["daily"], "daily")
    assert csv_layout.symbols(folder) == [f"SYM{i:03d}" for i in range(6)]
    bars = daily_peer_bundle.bars().filter(pl.col("sid") == 4)
    got = csv_layout.read_symbol(folder / "SYM004.csv")
    sessions = daily_peer_bundle.sessions()
    assert got["date"] == [s.strftime("%Y-%m-%d") for s in sessions]
    assert got["date"][0] == "2025-01-02"  # first session of the bundle
    for column in ("open", "high", "low", "close", "volume"):
        assert got[column] == bars[column].to_list()  # exact: prices round-trip through CSV
    header = (folder / "SYM004.csv").read_text().splitlines()[:2]
    assert header[0] == "date,open,high,low,close,volume,dividend,split"
    assert header[1].endswith(",0.0,1.0")


def test_minute_labels_are_the_bar_close_in_utc(
    minute_peer_bundle: Bundle, peer_exports: dict[str, Path]
) -> None:
    folder = csv_layout.frequency_dir(peer_exports["minute"], "minute")
    got = csv_layout.read_folder(folder)
    assert sorted(got) == ["SYM000", "SYM001", "SYM002"]
    dates = got["SYM000"]["date"]
    assert len(dates) == 3 * 390
    # 2026-10-05 opens 09:30 EDT = 13:30 UTC; rustybt labels that bar 13:30, zipline 13:31
    assert dates[0] == "2026-10-05 13:31:00+00:00"
    assert dates[389] == "2026-10-05 20:00:00+00:00"  # the 15:59 bar closes at 16:00 EDT
    assert dates[390] == "2026-10-06 13:31:00+00:00"
    first = minute_peer_bundle.bars().filter(pl.col("sid") == 0).row(0, named=True)
    assert first["dt"].isoformat() == "2026-10-05T13:30:00+00:00"
    assert got["SYM000"]["open"][0] == first["open"]
    assert got["SYM000"]["volume"][0] == first["volume"]


def test_an_export_is_reused_and_named_by_content(
    daily_peer_bundle: Bundle, peer_exports: dict[str, Path]
) -> None:
    out = peer_exports["daily"]
    assert out == export_dir(daily_peer_bundle, out.parent)
    assert out.name == f"peers-daily-{daily_peer_bundle.metadata.content_hash[:16]}"
    before = (out / "daily" / "SYM000.csv").stat().st_mtime_ns
    assert export_bundle(daily_peer_bundle, out.parent) == out
    assert (out / "daily" / "SYM000.csv").stat().st_mtime_ns == before
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []  # no temp dirs


def test_an_incomplete_export_is_refused_with_the_fix(tmp_path: Path) -> None:
    (tmp_path / "daily").mkdir()
    with pytest.raises(FileNotFoundError, match="python -m benchmarks peers"):
        csv_layout.frequency_dir(tmp_path, "daily")


def test_hourly_bundles_are_not_exported(hourly_bundle: Bundle, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="daily or minute bundles, not hourly"):
        export_bundle(hourly_bundle, tmp_path)
