"""PolarsDataPortal: the strategy's view of the bars at the engine's current bar.

The engine calls `set_bar(dt)` as the clock advances; `current`, `history`, `can_trade`,
`price` and `bar` then answer from dense numpy arrays. A pandas `history()` is a row slice of a
frame over all bars, built once per (field, assets) on first use (one float64 copy of that
field's columns): slicing costs about two thirds of constructing a DataFrame per call, and
under copy-on-write a strategy that modifies the slice it got modifies its own copy. Nothing
after the current bar is ever visible (no lookahead).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from rustybt.assets import Asset
from rustybt.data.bundles import Bundle, DateLike
from rustybt.data.polars.readers import DenseBarReader, _field, reader_for

HISTORY_FREQUENCY = {"daily": "1d", "hourly": "1h", "minute": "1m"}
AssetLike = Asset | int


class PolarsDataPortal:
    """Bars of one bundle for a run over [start, end] (default: the whole bundle).

    Bars before `start` stay visible to `history()` (look-back), bars after the current bar
    never are.
    """

    def __init__(
        self, bundle: Bundle, start: DateLike | None = None, end: DateLike | None = None
    ) -> None:
        self.bundle = bundle
        self.sessions = bundle.sessions(start, end)
        self.reader: DenseBarReader = reader_for(bundle, self.sessions[-1])
        self.frequency = bundle.frequency
        self.history_frequency = HISTORY_FREQUENCY[self.frequency]
        self._assets = {a.sid: a for a in self.reader.assets}
        self._col = {a.sid: i for i, a in enumerate(self.reader.assets)}
        self._times = self.reader.times
        self._times_ns = self.reader._times_ns
        self._times_list: list[int] = self._times_ns.tolist()  # set_bar's lookups, no numpy
        self._columns: dict[tuple[AssetLike, ...], tuple[list[int], pd.Index]] = {}
        self._last_columns: tuple[tuple[AssetLike, ...], tuple[list[int], pd.Index]] = (
            (),
            ([], pd.Index([], dtype=object)),
        )
        self._full: dict[tuple[str, bool, tuple[AssetLike, ...]], pd.DataFrame | pd.Series] = {}
        self._last_full: tuple[tuple[str, bool, tuple[AssetLike, ...]], Any] = (
            ("", False, ()),
            None,
        )
        self._row = -1
        self._on_bar = False
        self._dt: pd.Timestamp | None = None

    @property
    def assets(self) -> list[Asset]:
        return self.reader.assets

    @property
    def current_dt(self) -> pd.Timestamp | None:
        return self._dt

    def set_bar(self, dt: pd.Timestamp) -> None:
        """Move to `dt`. At a bar label that bar is current; between bars none is.

        The clock moves forward a bar at a time, so the next bar label, or a time before it
        (before_trading_start's), is tried first; any other `dt` is searched for.
        """
        value = dt.value if type(dt) is pd.Timestamp else pd.Timestamp(dt).value
        times = self._times_list
        row = self._row
        nxt = row + 1
        if nxt < len(times) and times[nxt] == value:
            row = nxt
        elif not (row >= 0 and times[row] <= value and (nxt == len(times) or value < times[nxt])):
            row = self.reader.position(dt)
        self._row = row
        self._on_bar = row >= 0 and times[row] == value
        self._dt = dt

    # -- the strategy's view --------------------------------------------------------------

    def current(self, assets: AssetLike | Iterable[AssetLike], field: str) -> Any:
        """`field` of the current bar: a float for one asset, a Series for several.

        With no bar now: NaN for open/high/low/close, 0 for volume; "price" is the last close
        at or before now.
        """
        arr = self.reader.arrays[_field(field)]
        if isinstance(assets, Asset | int):
            return self._current_one(arr, field, self._column(assets))
        assets = list(assets)
        values = [self._current_one(arr, field, self._column(a)) for a in assets]
        return pd.Series(values, index=pd.Index(assets, dtype=object), name=field)

    def _current_one(self, arr: np.ndarray, field: str, col: int) -> float:
        row = self._row
        if row < 0:
            return 0.0 if field == "volume" else float("nan")
        if field == "price" or (self._on_bar and self.reader.has_bar[row, col]):
            return float(arr[row, col])
        return 0.0 if field == "volume" else float("nan")

    def history(
        self,
        assets: AssetLike | Iterable[AssetLike],
        field: str,
        bar_count: int,
        frequency: str,
        frame: str = "pandas",
    ) -> Any:
        """The last `bar_count` bars up to and including the current one.

        A DataFrame (index = bar labels, columns = assets) for a list of assets, a Series for
        one; `frame="polars"` gives a Polars frame with `dt` plus one column per symbol. Fewer
        rows come back when the bundle holds fewer bars before now.
        """
        self._check_frequency(frequency)
        if bar_count < 1:
            raise ValueError(f"bar_count must be >= 1, got {bar_count}")
        arr = self.reader.arrays[_field(field)]
        hi = self._row + 1
        lo = max(0, hi - bar_count)
        single = isinstance(assets, Asset | int)
        key: tuple[AssetLike, ...] = (assets,) if isinstance(assets, Asset | int) else tuple(assets)
        if frame == "polars":
            return self._polars_history(arr, lo, hi, *self._history_columns(key))
        if frame != "pandas":
            raise ValueError(f"frame must be 'pandas' or 'polars', got {frame!r}")
        # `iloc[lo:hi]` validates the integer slice, then calls pandas' positional `_slice`:
        # ~8 us of its ~26 us on a 20-bar window. lo and hi are ints computed here, so call
        # `_slice` itself (the same frame; test_history_is_the_frame_of_the_window checks it)
        full: Any = self._pandas_full(field, single, key, arr)  # the stubs omit `_slice`
        return full._slice(slice(lo, hi), 0)

    def _pandas_full(
        self, field: str, single: bool, key: tuple[AssetLike, ...], arr: np.ndarray
    ) -> pd.DataFrame | pd.Series:
        """`field` of the `key` assets over every bar, as history() slices it (cached)."""
        full_key = (field, single, key)
        last_key, last = self._last_full
        if full_key == last_key:  # same objects: compared by identity in C
            return last
        full = self._full.get(full_key)
        if full is None:
            cols, columns = self._history_columns(key)
            if single:
                full = pd.Series(arr[:, cols[0]], index=self._times, name=columns[0])
            else:
                full = pd.DataFrame(arr[:, cols], index=self._times, columns=columns)
            self._full[full_key] = full
        self._last_full = (full_key, full)
        return full

    def _check_frequency(self, frequency: str) -> None:
        if frequency != self.history_frequency:
            raise ValueError(
                f"history frequency {frequency!r} does not match this {self.frequency} bundle; "
                f"use {self.history_frequency!r}"
            )

    def _history_columns(self, key: tuple[AssetLike, ...]) -> tuple[list[int], pd.Index]:
        last_key, last_hit = self._last_columns
        if key == last_key:  # same objects: compared by identity in C, no Python __hash__
            return last_hit
        hit = self._columns.get(key)
        if hit is None:
            assets = [self._asset(a) for a in key]
            hit = ([self._col[a.sid] for a in assets], pd.Index(assets, dtype=object))
            self._columns[key] = hit
        self._last_columns = (key, hit)
        return hit

    def _polars_history(
        self, arr: np.ndarray, lo: int, hi: int, cols: list[int], columns: pd.Index
    ) -> pl.DataFrame:
        dt = pl.Series("dt", self._times_ns[lo:hi] // 1000).cast(pl.Datetime("us", "UTC"))
        data = {a.symbol: arr[lo:hi, c] for a, c in zip(columns, cols, strict=True)}
        return pl.DataFrame(data).insert_column(0, dt)

    def can_trade(self, asset: AssetLike) -> bool:
        """True when the asset is listed this session and has a bar now."""
        return self._on_bar and bool(self.reader.tradable[self._row, self._column(asset)])

    # -- engine use -----------------------------------------------------------------------

    def price(self, sid: int) -> float:
        """Last close at or before now (NaN before the asset's first bar)."""
        if self._row < 0:
            return float("nan")
        return float(self.reader.arrays["price"][self._row, self._col[sid]])

    def price_row(self) -> tuple[list[float], dict[int, int]]:
        """Every asset's `price(sid)` now, as (values by column, sid -> column)."""
        if self._row < 0:
            return [float("nan")] * len(self._col), self._col
        return self.reader.arrays["price"][self._row].tolist(), self._col

    def bar(self, sid: int) -> tuple[float, float, float, float, int] | None:
        """(open, high, low, close, volume) of the current bar, or None when there is none."""
        col = self._col[sid]
        row = self._row
        if not self._on_bar or not self.reader.has_bar[row, col]:
            return None
        a = self.reader.arrays
        return (
            float(a["open"][row, col]),
            float(a["high"][row, col]),
            float(a["low"][row, col]),
            float(a["close"][row, col]),
            int(a["volume"][row, col]),
        )

    def frames_info(self) -> list[dict[str, Any]]:
        """The Polars frame collected from Parquet, and the dense arrays built from it."""
        dense = [
            {
                "name": f"dense:{name}",
                "rows": arr.shape[0],
                "columns": arr.shape[1],
                "estimated_mib": arr.nbytes / 2**20,
            }
            for name, arr in self.reader.arrays.items()
        ]
        return [self.reader.frame_info, *dense]

    # -- helpers --------------------------------------------------------------------------

    def _asset(self, asset: AssetLike) -> Asset:
        self._column(asset)
        return self._assets[int(asset)]

    def _column(self, asset: AssetLike) -> int:
        col = self._col.get(int(asset))
        if col is None:
            return self.reader.column(int(asset))  # raises NoDataForAsset
        return col
