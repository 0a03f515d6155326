"""The session schedule: a bundle's sessions with their open and close, precomputed at ingest.

Building an exchange_calendars calendar costs a backtest 0.2-0.3 s (measured: most of a daily
run) although a run needs only its bundle's sessions, opens and closes. The bundle writer
stores those in `sessions.parquet` (see docs/bundle-format.md), and `SessionSchedule` answers
the few calendar questions the engine asks from them, with the same values and types as
exchange_calendars gives:

- `sessions`: tz-naive midnight DatetimeIndex (datetime64[ns]), with a CustomBusinessDay freq
  whose holidays are the weekdays of the schedule's range that are not sessions;
- `opens` / `closes`: Series of UTC timestamps indexed by session;
- `sessions_in_range(lo, hi)`, `session_minutes(session)` (open .. close - 1 minute, UTC),
  `sessions_minutes(first, last)`, `first_session`, `last_session`, `name`.

Bundles written before the schedule existed have no `sessions.parquet`; `Bundle.schedule`
falls back to the calendar for them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import polars as pl

SCHEDULE_SCHEMA = pl.Schema(
    {
        "session": pl.Date(),
        "open": pl.Datetime("us", "UTC"),
        "close": pl.Datetime("us", "UTC"),
    }
)
_MINUTE_NS = 60_000_000_000
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def schedule_frame(calendar: Any, sessions: pd.DatetimeIndex) -> pl.DataFrame:
    """`sessions` (calendar sessions) with their opens and closes, as stored in a bundle."""
    opens = pd.DatetimeIndex(calendar.opens.reindex(sessions)).as_unit("ns").asi8
    closes = pd.DatetimeIndex(calendar.closes.reindex(sessions)).as_unit("ns").asi8
    return pl.DataFrame(
        {
            "session": pl.Series(sessions.as_unit("ns").asi8 // 86_400_000_000_000).cast(pl.Date),
            "open": pl.Series(opens // 1000).cast(pl.Datetime("us", "UTC")),
            "close": pl.Series(closes // 1000).cast(pl.Datetime("us", "UTC")),
        },
        schema=SCHEDULE_SCHEMA,
    )


class SessionSchedule:
    """Sessions, opens and closes of one calendar over a bundle's range (see module doc)."""

    def __init__(self, name: str, frame: pl.DataFrame) -> None:
        self.name = name
        days = frame["session"].cast(pl.Int64).to_numpy() * 86_400_000_000_000
        self._sessions_ns = days
        self._opens_ns = frame["open"].dt.epoch("ns").to_numpy()
        self._closes_ns = frame["close"].dt.epoch("ns").to_numpy()
        naive = pd.DatetimeIndex(days.astype("datetime64[ns]"))
        freq = _business_days(naive)
        self.sessions = naive if freq is None else pd.DatetimeIndex(naive, freq=freq)
        self.opens = pd.Series(_utc(self._opens_ns), index=self.sessions)
        self.closes = pd.Series(_utc(self._closes_ns), index=self.sessions)

    @property
    def first_session(self) -> pd.Timestamp:
        return self.sessions[0]

    @property
    def last_session(self) -> pd.Timestamp:
        return self.sessions[-1]

    def sessions_in_range(self, start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
        lo = np.searchsorted(self._sessions_ns, pd.Timestamp(start).value, "left")
        hi = np.searchsorted(self._sessions_ns, pd.Timestamp(end).value, "right")
        return self.sessions[lo:hi]

    def session_minutes(self, session: pd.Timestamp) -> pd.DatetimeIndex:
        i = self._index(session)
        return _utc(self._minutes(i, i + 1))

    def sessions_minutes(self, start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
        return _utc(self._minutes(self._index(start), self._index(end) + 1))

    def _minutes(self, lo: int, hi: int) -> np.ndarray:
        parts = [
            np.arange(o, c, _MINUTE_NS, dtype=np.int64)
            for o, c in zip(self._opens_ns[lo:hi], self._closes_ns[lo:hi], strict=True)
        ]
        return np.concatenate(parts) if parts else np.array([], dtype=np.int64)

    def _index(self, session: pd.Timestamp) -> int:
        value = pd.Timestamp(session).value
        i = int(np.searchsorted(self._sessions_ns, value))
        if i >= len(self._sessions_ns) or self._sessions_ns[i] != value:
            raise ValueError(f"{session} is not a session of this {self.name} schedule")
        return i


def _utc(ns: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(ns.astype("datetime64[ns]")).tz_localize("UTC")


def _business_days(sessions: pd.DatetimeIndex) -> pd.offsets.CustomBusinessDay | None:
    """The sessions' frequency, as exchange_calendars gives it: business days on the weekdays
    that hold sessions, the other such weekdays in the range being holidays."""
    if len(sessions) == 0:
        return None
    weekdays = sorted(set(sessions.day_of_week))
    days = pd.date_range(sessions[0], sessions[-1], freq="D")
    holidays = days[days.day_of_week.isin(weekdays) & ~days.isin(sessions)]
    return pd.offsets.CustomBusinessDay(
        holidays=list(holidays), weekmask=" ".join(_WEEKDAYS[d] for d in weekdays)
    )
