"""The trading clock: an iterator of `(timestamp, ClockEvent)` over exchange sessions.

Bar labels (see docs/engine.md): daily = the session date at 00:00 UTC; minute = each trading
minute's open (early closes included); hourly = the first minute of each 60-minute block from
the open (the last block of a session may be shorter). A bar labelled t is complete and
visible at the BAR event for t.

Event timestamps: SESSION_START and BEFORE_TRADING_START carry the session label (00:00 UTC),
each BAR its bar label, SESSION_END the session close. The sequence is non-decreasing.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import Any, Literal

import numpy as np
import pandas as pd

Frequency = Literal["daily", "hourly", "minute"]
FREQUENCIES: tuple[Frequency, ...] = ("daily", "hourly", "minute")
HOURLY_BLOCK_MINUTES = 60


class ClockEvent(enum.Enum):
    SESSION_START = "session_start"
    BEFORE_TRADING_START = "before_trading_start"
    BAR = "bar"
    SESSION_END = "session_end"


def session_label(session: pd.Timestamp) -> pd.Timestamp:
    """A session (tz-naive, as exchange_calendars gives them) as its 00:00 UTC label."""
    return session.tz_localize("UTC") if session.tzinfo is None else session.tz_convert("UTC")


def _naive(sessions: pd.DatetimeIndex) -> pd.DatetimeIndex:
    return sessions.tz_convert(None) if sessions.tz is not None else sessions


def bar_times(calendar: Any, session: pd.Timestamp, frequency: Frequency) -> pd.DatetimeIndex:
    """The bar labels of one session at `frequency`, in UTC."""
    if frequency == "daily":
        return pd.DatetimeIndex([session_label(session)])
    naive = session.tz_convert(None) if session.tzinfo is not None else session
    minutes: pd.DatetimeIndex = calendar.session_minutes(naive)
    if frequency == "minute":
        return minutes
    if frequency == "hourly":
        return minutes[::HOURLY_BLOCK_MINUTES]
    raise ValueError(f"unknown frequency {frequency!r}; use one of {', '.join(FREQUENCIES)}")


def bar_index(calendar: Any, sessions: pd.DatetimeIndex, frequency: Frequency) -> pd.DatetimeIndex:
    """All bar labels over `sessions` (contiguous calendar sessions), in order, in UTC."""
    sessions = _naive(sessions)
    if len(sessions) == 0:
        return pd.DatetimeIndex([], tz="UTC")
    if frequency == "daily":
        return sessions.tz_localize("UTC")
    if frequency not in FREQUENCIES:
        raise ValueError(f"unknown frequency {frequency!r}; use one of {', '.join(FREQUENCIES)}")
    minutes: pd.DatetimeIndex = calendar.sessions_minutes(sessions[0], sessions[-1])
    if len(calendar.sessions_in_range(sessions[0], sessions[-1])) != len(sessions):
        keep = np.isin(_minute_sessions(calendar, sessions, minutes), sessions.asi8)
        minutes = minutes[keep]
    if frequency == "minute":
        return minutes
    return minutes[_hourly_mask(calendar, sessions, minutes)]


def _opens_ns(calendar: Any, sessions: pd.DatetimeIndex) -> np.ndarray:
    opens = calendar.opens.reindex(_naive(sessions))
    return pd.DatetimeIndex(opens).as_unit("ns").asi8


def _minute_sessions(
    calendar: Any, sessions: pd.DatetimeIndex, minutes: pd.DatetimeIndex
) -> np.ndarray:
    """For each minute, the (int ns) session whose open precedes it."""
    all_sessions = calendar.sessions_in_range(sessions[0], sessions[-1])
    pos = np.searchsorted(_opens_ns(calendar, all_sessions), minutes.as_unit("ns").asi8, "right")
    return all_sessions.as_unit("ns").asi8[pos - 1]


def _hourly_mask(
    calendar: Any, sessions: pd.DatetimeIndex, minutes: pd.DatetimeIndex
) -> np.ndarray:
    opens = _opens_ns(calendar, sessions)
    ns = minutes.as_unit("ns").asi8
    open_of_minute = opens[np.searchsorted(opens, ns, "right") - 1]
    offset_minutes = (ns - open_of_minute) // 60_000_000_000
    return np.asarray(offset_minutes % HOURLY_BLOCK_MINUTES == 0)


def bar_minutes(calendar: Any, sessions: pd.DatetimeIndex, frequency: Frequency) -> np.ndarray:
    """Length in minutes of each bar of `bar_index(calendar, sessions, frequency)`."""
    times = bar_index(calendar, sessions, frequency)
    if frequency == "minute":
        return np.ones(len(times))
    sessions = _naive(sessions)
    closes = pd.DatetimeIndex(calendar.closes.reindex(sessions)).as_unit("ns").asi8
    opens = _opens_ns(calendar, sessions)
    if frequency == "daily":
        return np.asarray((closes - opens) // 60_000_000_000, dtype=np.float64)
    ns = times.as_unit("ns").asi8
    close_of_bar = closes[np.searchsorted(opens, ns, "right") - 1]
    to_close = (close_of_bar - ns) // 60_000_000_000
    return np.minimum(to_close, HOURLY_BLOCK_MINUTES).astype(np.float64)


def trading_clock(
    calendar: Any, sessions: pd.DatetimeIndex, frequency: Frequency
) -> Iterator[tuple[pd.Timestamp, ClockEvent]]:
    """Yield SESSION_START, BEFORE_TRADING_START, one BAR per bar label, SESSION_END per session.

    The bar labels of all sessions are computed once (`bar_index`) and split at the sessions'
    closes, rather than asking the calendar for each session's bars.
    """
    sessions = _naive(sessions)
    if len(sessions) == 0:
        return
    labels = sessions.tz_localize("UTC")
    closes = pd.DatetimeIndex(calendar.closes.reindex(sessions)).tz_convert("UTC")
    intraday = frequency != "daily"
    bars = bar_index(calendar, sessions, frequency) if intraday else labels
    ends = np.searchsorted(bars.as_unit("ns").asi8, closes.as_unit("ns").asi8, "left").tolist()
    start = 0
    for label, close, end in zip(labels, closes, ends, strict=True):
        yield label, ClockEvent.SESSION_START
        yield label, ClockEvent.BEFORE_TRADING_START
        if intraday:
            for bar in bars[start:end]:
                yield bar, ClockEvent.BAR
            start = end
        else:  # a daily session's one bar is labelled with the session itself
            yield label, ClockEvent.BAR
        yield close, ClockEvent.SESSION_END
