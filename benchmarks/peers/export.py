"""Export a rustybt bundle to the peer benchmark's CSV layout (see ``csv_layout``).

``export_bundle(bundle, cache)`` writes ``<cache>/<name>-<content hash>/<frequency>/<SYMBOL>.csv``
once per bundle content (an existing complete export is reused) and returns that directory,
the ``--data`` of every runner program. Written to a temporary sibling and renamed into place.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import polars as pl

from benchmarks.peers.csv_layout import COLUMNS, COMPLETE_MARKER, MINUTE_LABEL_SHIFT_MINUTES
from rustybt.data.bundles import Bundle

HASH_CHARS = 16


def export_dir(bundle: Bundle, cache: Path) -> Path:
    """Where ``bundle``'s export lives: named by bundle and content, so a new bundle re-exports."""
    return cache / f"{bundle.name}-{bundle.metadata.content_hash[:HASH_CHARS]}"


def _date_column(frequency: str) -> pl.Expr:
    dt = pl.col("dt")
    if frequency == "daily":
        return dt.dt.strftime("%Y-%m-%d").alias("date")
    if frequency == "minute":
        close = dt + pl.duration(minutes=MINUTE_LABEL_SHIFT_MINUTES)
        return (
            close.dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%d %H:%M:%S+00:00").alias("date")
        )
    raise ValueError(f"the peer benchmark exports daily or minute bundles, not {frequency}")


def bars_frame(bundle: Bundle) -> pl.DataFrame:
    """All bars in the CSV columns, plus ``symbol``, sorted by symbol and date."""
    symbols = pl.DataFrame(
        {"sid": [a.sid for a in bundle.assets], "symbol": [a.symbol for a in bundle.assets]}
    )
    return (
        bundle.bars()
        .join(symbols, on="sid", how="left", validate="m:1")
        .select(
            "symbol",
            _date_column(bundle.frequency),
            "open",
            "high",
            "low",
            "close",
            "volume",
            pl.lit(0.0).alias("dividend"),
            pl.lit(1.0).alias("split"),
        )
        .sort("symbol", "date")
    )


def export_bundle(bundle: Bundle, cache: Path) -> Path:
    """``bundle`` as CSV under ``cache`` (reused when already complete); returns the directory."""
    out = export_dir(bundle, cache)
    if (out / COMPLETE_MARKER).is_file():
        return out
    cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=cache))
    try:
        folder = tmp / bundle.frequency
        folder.mkdir()
        frame = bars_frame(bundle)
        for (symbol,), rows in frame.group_by("symbol", maintain_order=True):
            rows.select(COLUMNS).write_csv(folder / f"{symbol}.csv")
        (tmp / COMPLETE_MARKER).write_text(bundle.metadata.content_hash + "\n")
        shutil.rmtree(out, ignore_errors=True)  # an incomplete earlier export
        tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out
