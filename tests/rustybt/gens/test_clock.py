"""Trading clock: bars per session, early closes, holidays, event order."""

from __future__ import annotations

import pandas as pd
import pytest

from rustybt.data.bundles import get_calendar
from rustybt.gens.clock import ClockEvent, bar_index, bar_minutes, bar_times, trading_clock

CAL = get_calendar("XNYS")
NORMAL = pd.Timestamp("2024-11-27")
EARLY = pd.Timestamp("2024-11-29")  # day after Thanksgiving: closes 13:00 New York
SPAN = CAL.sessions_in_range("2024-11-27", "2024-12-02")


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


@pytest.mark.parametrize(
    ("frequency", "normal", "early"), [("daily", 1, 1), ("hourly", 7, 4), ("minute", 390, 210)]
)
def test_bars_per_session(frequency: str, normal: int, early: int) -> None:
    assert len(bar_times(CAL, NORMAL, frequency)) == normal  # type: ignore[arg-type]
    assert len(bar_times(CAL, EARLY, frequency)) == early  # type: ignore[arg-type]


def test_bar_labels() -> None:
    assert list(bar_times(CAL, NORMAL, "daily")) == [utc("2024-11-27")]
    assert list(bar_times(CAL, EARLY, "hourly")) == [
        utc("2024-11-29 14:30"),
        utc("2024-11-29 15:30"),
        utc("2024-11-29 16:30"),
        utc("2024-11-29 17:30"),
    ]
    minutes = bar_times(CAL, EARLY, "minute")
    assert (minutes[0], minutes[-1]) == (utc("2024-11-29 14:30"), utc("2024-11-29 17:59"))


def test_bar_index_spans_sessions_and_skips_holiday() -> None:
    assert list(SPAN.strftime("%m-%d")) == ["11-27", "11-29", "12-02"]
    for frequency, total in (("daily", 3), ("hourly", 18), ("minute", 990)):
        index = bar_index(CAL, SPAN, frequency)  # type: ignore[arg-type]
        assert len(index) == total
        assert not (index.date == pd.Timestamp("2024-11-28").date()).any()
        assert index.is_monotonic_increasing and index.is_unique
        assert str(index.tz) == "UTC"


def test_bar_index_equals_concatenated_bar_times_for_gappy_sessions() -> None:
    sessions = SPAN[[0, 2]]
    for frequency in ("hourly", "minute"):
        joined = bar_times(CAL, sessions[0], frequency).append(  # type: ignore[arg-type]
            bar_times(CAL, sessions[1], frequency)  # type: ignore[arg-type]
        )
        assert bar_index(CAL, sessions, frequency).equals(joined)  # type: ignore[arg-type]


def test_bar_minutes() -> None:
    assert list(bar_minutes(CAL, SPAN[1:2], "hourly")) == [60, 60, 60, 30]
    assert list(bar_minutes(CAL, SPAN[:1], "hourly")) == [60] * 6 + [30]
    assert list(bar_minutes(CAL, SPAN, "daily")) == [390, 210, 390]
    assert bar_minutes(CAL, SPAN, "minute").sum() == 990


def test_trading_clock_event_order() -> None:
    events = list(trading_clock(CAL, SPAN[:2], "hourly"))
    kinds = [e for _, e in events]
    one = [ClockEvent.SESSION_START, ClockEvent.BEFORE_TRADING_START]
    assert kinds == [
        *one,
        *[ClockEvent.BAR] * 7,
        ClockEvent.SESSION_END,
        *one,
        *[ClockEvent.BAR] * 4,
        ClockEvent.SESSION_END,
    ]
    stamps = [t for t, _ in events]
    assert stamps == sorted(stamps)
    assert events[0][0] == utc("2024-11-27")
    assert events[9] == (utc("2024-11-27 21:00"), ClockEvent.SESSION_END)
    assert events[-1] == (utc("2024-11-29 18:00"), ClockEvent.SESSION_END)


def test_trading_clock_daily_bar_is_session_label() -> None:
    bars = [t for t, e in trading_clock(CAL, SPAN, "daily") if e is ClockEvent.BAR]
    assert bars == [utc("2024-11-27"), utc("2024-11-29"), utc("2024-12-02")]


def test_unknown_frequency() -> None:
    with pytest.raises(ValueError, match="unknown frequency 'weekly'"):
        bar_times(CAL, NORMAL, "weekly")  # type: ignore[arg-type]


@pytest.mark.parametrize("frequency", ["daily", "hourly", "minute"])
@pytest.mark.parametrize("sessions", [SPAN, SPAN[[0, 2]]], ids=["contiguous", "gappy"])
def test_trading_clock_is_the_per_session_definition(
    frequency: str, sessions: pd.DatetimeIndex
) -> None:
    """Labels computed once for all sessions give the per-session sequence, value and type."""
    expected = []
    for session in sessions:
        label = pd.Timestamp(session, tz="UTC")
        expected += [(label, ClockEvent.SESSION_START), (label, ClockEvent.BEFORE_TRADING_START)]
        expected += [(t, ClockEvent.BAR) for t in bar_times(CAL, session, frequency)]  # type: ignore[arg-type]
        expected.append((CAL.closes[session].tz_convert("UTC"), ClockEvent.SESSION_END))
    got = list(trading_clock(CAL, sessions, frequency))  # type: ignore[arg-type]
    assert got == expected
    assert {(type(t), str(t.tz), t.unit) for t, _ in got} == {(pd.Timestamp, "UTC", "ns")}
