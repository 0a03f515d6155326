"""Bar readers: scan a bundle's Parquet lazily, collect once, hold dense [bar, asset] arrays.

The grid's rows are every bar label of the calendar from the bundle's first session to the
reader's last session; its columns are the bundle's assets in sid order. A missing bar is NaN
(prices) or 0 (volume), and `has_bar` says which cells hold a real bar.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import polars as pl

from rustybt.assets import Asset
from rustybt.data.bundle_checks import check_bars
from rustybt.data.bundles import BARS_FILE, Bundle, Frequency
from rustybt.errors import NoDataForAsset
from rustybt.gens.clock import bar_index

PRICE_FIELDS = ("open", "high", "low", "close")
FIELDS = (*PRICE_FIELDS, "volume")


class DenseBarReader:
    """Shared machinery of the daily and minute readers."""

    frequencies: ClassVar[tuple[Frequency, ...]] = ()

    def __init__(self, bundle: Bundle, end: date | pd.Timestamp | None = None) -> None:
        if bundle.frequency not in self.frequencies:
            raise ValueError(
                f"{type(self).__name__} reads {'/'.join(self.frequencies)} bundles; "
                f"bundle {bundle.name!r} is {bundle.frequency}"
            )
        self.bundle = bundle
        self.frequency: Frequency = bundle.frequency
        self.sessions = bundle.sessions(None, end)
        self.times: pd.DatetimeIndex = bar_index(bundle.schedule, self.sessions, self.frequency)
        self._times_ns = self.times.as_unit("ns").asi8
        self.assets: list[Asset] = bundle.assets
        self.sids = np.array([a.sid for a in self.assets], dtype=np.int64)
        frame = self._collect()
        self.frame_info = _frame_info("bars", frame)
        self.arrays, self.has_bar = self._densify(frame)
        self.arrays["price"] = _forward_fill(self.arrays["close"], self.has_bar)
        self.session_of_bar = self._session_of_bar()
        self.tradable = self.has_bar & self._alive()
        for arr in (*self.arrays.values(), self.has_bar, self.tradable):
            arr.flags.writeable = False

    def _collect(self) -> pl.DataFrame:
        last = pl.lit(int(self._times_ns[-1]) // 1000).cast(pl.Datetime("us", "UTC"))
        return self.bundle.bars(pl.col("dt") <= last)

    def _densify(self, frame: pl.DataFrame) -> tuple[dict[str, np.ndarray], np.ndarray]:
        shape = (len(self.times), len(self.sids))
        rows = np.searchsorted(self._times_ns, frame["dt"].dt.epoch("ns").to_numpy())
        cols = np.searchsorted(self.sids, frame["sid"].to_numpy())
        grid = f"{self.frequency} {self.bundle.metadata.calendar}"
        bundle = self.bundle
        check_bars(bundle.name, bundle.path / BARS_FILE, frame, (rows, cols),
                   (self._times_ns, self.sids), grid)  # fmt: skip
        arrays: dict[str, np.ndarray] = {}
        for name in PRICE_FIELDS:
            arrays[name] = np.full(shape, np.nan)
            arrays[name][rows, cols] = frame[name].to_numpy()
        arrays["volume"] = np.zeros(shape, dtype=np.int64)
        arrays["volume"][rows, cols] = frame["volume"].to_numpy()
        has_bar = np.zeros(shape, dtype=bool)
        has_bar[rows, cols] = True
        return arrays, has_bar

    def _session_of_bar(self) -> np.ndarray:
        """The session label (int ns, 00:00 UTC) each bar belongs to."""
        sessions_ns = self.sessions.as_unit("ns").asi8
        if self.frequency == "daily":
            return sessions_ns
        opens = self.bundle.schedule.opens.reindex(self.sessions)
        opens_ns = pd.DatetimeIndex(opens).as_unit("ns").asi8
        return sessions_ns[np.searchsorted(opens_ns, self._times_ns, "right") - 1]

    def _alive(self) -> np.ndarray:
        """[bar, asset]: the asset is listed (start_date <= session <= end_date) at that bar."""
        lo = np.array([_day_ns(a.start_date, np.iinfo(np.int64).min) for a in self.assets])
        hi = np.array([_day_ns(a.end_date, np.iinfo(np.int64).max) for a in self.assets])
        session = self.session_of_bar[:, None]
        return np.asarray((session >= lo[None, :]) & (session <= hi[None, :]))

    # zipline-style reader interface ------------------------------------------------------

    @property
    def first_trading_day(self) -> pd.Timestamp:
        return pd.Timestamp(self.sessions[0])

    @property
    def last_available_dt(self) -> pd.Timestamp:
        return pd.Timestamp(self.times[-1])

    def position(self, dt: pd.Timestamp) -> int:
        """Index of the last bar labelled at or before `dt` (-1 before the first bar)."""
        return int(np.searchsorted(self._times_ns, pd.Timestamp(dt).value, "right")) - 1

    def column(self, sid: int) -> int:
        col = int(np.searchsorted(self.sids, sid))
        if col >= len(self.sids) or self.sids[col] != sid:
            raise NoDataForAsset(
                f"sid {sid} is not in bundle {self.bundle.name!r} (sids {self.sids[0]}.."
                f"{self.sids[-1]}); use one of its assets"
            )
        return col

    def get_value(self, sid: int, dt: pd.Timestamp, field: str) -> float:
        """The `field` of the bar labelled exactly `dt`; NoDataForAsset when there is none."""
        col = self.column(sid)
        row = self.position(dt)
        if row < 0 or self._times_ns[row] != pd.Timestamp(dt).value or not self.has_bar[row, col]:
            raise NoDataForAsset(f"no {self.frequency} bar for sid {sid} at {dt}")
        return float(self.arrays[_field(field)][row, col])

    def load_raw_arrays(
        self, fields: list[str], start_dt: pd.Timestamp, end_dt: pd.Timestamp, sids: list[int]
    ) -> list[np.ndarray]:
        """One [bar, sid] array per field for bars labelled within [start_dt, end_dt]."""
        lo = self.position(start_dt - pd.Timedelta(1, "ns")) + 1
        hi = self.position(end_dt) + 1
        cols = [self.column(s) for s in sids]
        return [self.arrays[_field(f)][lo:hi, cols] for f in fields]


class PolarsParquetDailyReader(DenseBarReader):
    """Daily bars (one per session, labelled 00:00 UTC)."""

    frequencies = ("daily",)


class PolarsParquetMinuteReader(DenseBarReader):
    """Intraday bars: minute bars, or 60-minute bars of an hourly bundle."""

    frequencies = ("minute", "hourly")


def reader_for(bundle: Bundle, end: date | pd.Timestamp | None = None) -> DenseBarReader:
    cls = PolarsParquetDailyReader if bundle.frequency == "daily" else PolarsParquetMinuteReader
    return cls(bundle, end)


def _field(name: str) -> str:
    if name in FIELDS or name == "price":
        return name
    raise ValueError(f"unknown field {name!r}; use one of {', '.join((*FIELDS, 'price'))}")


def _forward_fill(values: np.ndarray, has_bar: np.ndarray) -> np.ndarray:
    """Last real value at or before each row, per column (NaN before an asset's first bar)."""
    rows = np.where(has_bar, np.arange(len(values))[:, None], 0)
    np.maximum.accumulate(rows, axis=0, out=rows)
    filled = np.take_along_axis(values, rows, axis=0)
    seen = np.logical_or.accumulate(has_bar, axis=0)
    return np.where(seen, filled, np.nan)


def _day_ns(day: date | None, default: int) -> int:
    return default if day is None else pd.Timestamp(day).as_unit("ns").value


def _frame_info(name: str, frame: pl.DataFrame) -> dict[str, Any]:
    return {
        "name": name,
        "rows": frame.height,
        "columns": frame.width,
        "estimated_mib": frame.estimated_size("mb"),
    }
