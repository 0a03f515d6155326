"""The CSV layout the peer benchmark exports rustybt bundles to (stdlib only).

zipline's csvdir layout, read by every engine of the benchmark:
``<data>/<frequency>/<SYMBOL>.csv`` with a header ``date,open,high,low,close,volume,dividend,
split`` (dividend 0.0 and split 1.0 on every row: the synthetic bundles have no corporate
actions), one file per asset, rows oldest first.

- daily: ``date`` is the session (``2024-11-01``).
- minute: ``date`` is the UTC minute the bar *closes* (``2026-10-01 13:31:00+00:00`` for the
  bar rustybt labels 13:30), because zipline's calendars are right-sided: its minute bars are
  labelled by their close, rustybt's by their open. The bars and sessions are the same.

This module is imported by the exporter (``benchmarks.peers.export``, in the project's venv)
and by the runner programs (as the sibling module ``csv_layout``, in the engines' venvs).
"""

from __future__ import annotations

import csv
from pathlib import Path

COLUMNS = ("date", "open", "high", "low", "close", "volume", "dividend", "split")
FREQUENCIES = ("daily", "minute")
MINUTE_LABEL_SHIFT_MINUTES = 1  # rustybt minute label (bar open) -> zipline label (bar close)
COMPLETE_MARKER = ".complete"  # written last by the exporter: the directory is whole

# One asset's bars as parallel columns: dates (str), open, high, low, close (float), volume (int)
Bars = dict[str, list]


def frequency_dir(data: Path, frequency: str) -> Path:
    """``<data>/<frequency>``, checked to exist and to be a complete export."""
    if frequency not in FREQUENCIES:
        raise ValueError(f"frequency {frequency!r} is not one of {FREQUENCIES}")
    folder = Path(data) / frequency
    if not (Path(data) / COMPLETE_MARKER).is_file() or not folder.is_dir():
        raise FileNotFoundError(
            f"{folder} is not a complete export; write it with `python -m benchmarks peers` "
            f"(or benchmarks.peers.export.export_bundle)"
        )
    return folder


def symbols(folder: Path) -> list[str]:
    """The symbols of one frequency folder, sorted (zipline's csvdir assigns sids this way)."""
    return sorted(p.stem for p in Path(folder).glob("*.csv"))


def read_symbol(path: Path) -> Bars:
    """One CSV file as columns; prices as floats, volume as int."""
    out: Bars = {"date": [], "open": [], "high": [], "low": [], "close": [], "volume": []}
    with Path(path).open(newline="") as fh:
        reader = csv.reader(fh)
        header = tuple(next(reader))
        if header != COLUMNS:
            raise ValueError(f"{path}: header {header} is not {COLUMNS}")
        for row in reader:
            out["date"].append(row[0])
            for i, name in enumerate(("open", "high", "low", "close"), start=1):
                out[name].append(float(row[i]))
            out["volume"].append(int(row[5]))
    return out


def read_folder(folder: Path) -> dict[str, Bars]:
    """Every symbol of a frequency folder, checked to share the same bar labels."""
    bars = {s: read_symbol(Path(folder) / f"{s}.csv") for s in symbols(folder)}
    if not bars:
        raise ValueError(f"no <SYMBOL>.csv files in {folder}")
    first = next(iter(bars.values()))["date"]
    for symbol, cols in bars.items():
        if cols["date"] != first:
            raise ValueError(f"{folder}/{symbol}.csv has different bar dates from the others")
    return bars
