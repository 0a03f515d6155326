"""Hand-written price bundles for known-answer engine tests (imported by the test modules)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from rustybt.data.bundles import Bundle, load_bundle, write_bundle_from_frames

# 2026-10-26 .. 2026-10-30: five XNYS sessions (Mon..Fri)
SESSIONS = [date(2026, 10, 26), date(2026, 10, 27), date(2026, 10, 28), date(2026, 10, 29),
            date(2026, 10, 30)]  # fmt: skip

# sid -> per session (open, high, low, close, volume)
BARS = {
    0: [
        (10.00, 10.50, 9.90, 10.20, 100_000),
        (10.40, 10.80, 10.30, 10.60, 100_000),
        (10.50, 10.70, 10.00, 10.10, 100_000),
        (10.00, 10.20, 9.50, 9.80, 100_000),
        (9.90, 10.30, 9.80, 10.25, 100_000),
    ],
    1: [
        (50.00, 51.00, 49.00, 50.50, 20_000),
        (50.50, 52.00, 50.00, 51.00, 20_000),
        (51.00, 51.50, 49.50, 50.00, 20_000),
        (50.00, 50.50, 48.00, 49.00, 20_000),
        (49.00, 50.00, 48.50, 49.50, 20_000),
    ],
}
SYMBOLS = {0: "AAA", 1: "BBB"}


def write_handmade(root: Path, name: str = "handmade") -> Bundle:
    rows = [
        {"sid": sid, "dt": day, "open": o, "high": h, "low": low, "close": c, "volume": v}
        for sid, bars in BARS.items()
        for day, (o, h, low, c, v) in zip(SESSIONS, bars, strict=True)
    ]
    assets = pl.DataFrame({"sid": list(SYMBOLS), "symbol": list(SYMBOLS.values())})
    write_bundle_from_frames(name, "daily", pl.DataFrame(rows), assets, root)
    return load_bundle(name, root)
