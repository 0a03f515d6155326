"""The session schedule stored in a bundle answers as the exchange calendar does, and a bundle
written without one (before the schedule existed) still loads and runs the same."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from rustybt.data.bundles import (
    SESSIONS_FILE,
    Bundle,
    content_hash,
    get_calendar,
    load_bundle,
)
from rustybt.data.schedule import SessionSchedule
from rustybt.errors import BundleCorrupt
from rustybt.gens.clock import bar_index, bar_minutes, bar_times
from rustybt.run import run_algorithm


def calendar_of(bundle: Bundle) -> object:
    m = bundle.metadata
    return get_calendar(m.calendar, m.first_session, m.last_session)


@pytest.mark.parametrize("name", ["smoke_bundle", "minute_bundle", "hourly_bundle"])
def test_schedule_matches_calendar(name: str, request: pytest.FixtureRequest) -> None:
    bundle: Bundle = request.getfixturevalue(name)
    schedule, calendar = bundle.schedule, calendar_of(bundle)
    assert isinstance(schedule, SessionSchedule)
    sessions = bundle.sessions()
    expected = calendar.sessions_in_range(sessions[0], sessions[-1])  # type: ignore[attr-defined]
    assert sessions.equals(expected) and sessions.dtype == expected.dtype
    assert sessions.freq is not None and all(s + sessions.freq in sessions for s in sessions[:-1])
    for what in ("opens", "closes"):
        ours, theirs = getattr(schedule, what), getattr(calendar, what).reindex(sessions)
        assert ours.equals(theirs) and ours.dtype == theirs.dtype
    freq = bundle.frequency
    assert bar_index(schedule, sessions, freq).equals(bar_index(calendar, sessions, freq))
    assert (bar_minutes(schedule, sessions, freq) == bar_minutes(calendar, sessions, freq)).all()
    for session in sessions:
        assert bar_times(schedule, session, freq).equals(bar_times(calendar, session, freq))
    sub = sessions[1:3]  # a sub-range: only its sessions' bars
    assert bar_index(schedule, sub, freq).equals(bar_index(calendar, sub, freq))


def test_early_close_minutes(minute_bundle: Bundle) -> None:
    minutes = minute_bundle.schedule.session_minutes(pd.Timestamp("2024-11-29"))
    assert len(minutes) == 210  # the day after Thanksgiving closes at 13:00 New York time
    assert str(minutes[0]) == "2024-11-29 14:30:00+00:00"
    with pytest.raises(ValueError, match="not a session"):
        minute_bundle.schedule.session_minutes(pd.Timestamp("2024-11-28"))  # Thanksgiving


def without_schedule(bundle: Bundle, root: Path) -> Bundle:
    """A copy of `bundle` as written before the schedule existed (no sessions.parquet)."""
    target = root / f"{bundle.name}-old"
    shutil.copytree(bundle.path, target)
    (target / SESSIONS_FILE).unlink()
    meta = json.loads((target / "metadata.json").read_text())
    del meta["files"][SESSIONS_FILE]
    meta["name"] = target.name
    (target / "metadata.json").write_text(json.dumps(meta))
    return load_bundle(target.name, root)


def test_bundle_without_schedule_falls_back_to_calendar(
    minute_bundle: Bundle, tmp_path: Path
) -> None:
    old = without_schedule(minute_bundle, tmp_path)
    assert old.metadata.content_hash == minute_bundle.metadata.content_hash
    assert old.metadata.content_hash == content_hash(old.metadata.files)
    assert not isinstance(old.schedule, SessionSchedule)  # the exchange calendar
    assert old.sessions().equals(minute_bundle.sessions())

    def initialize(context: object) -> None:
        pass

    def handle_data(context: object, data: object) -> None:
        from rustybt.api import order, symbol

        order(symbol("SYM000"), 1)

    runs = [
        run_algorithm(bundle=b, initialize=initialize, handle_data=handle_data)
        for b in (minute_bundle, old)
    ]
    assert runs[0].transactions == runs[1].transactions
    assert len(runs[0].transactions) > 100
    assert runs[0].summary["final_portfolio_value"] == runs[1].summary["final_portfolio_value"]


def test_damaged_schedule_is_bundle_corrupt(smoke_bundle: Bundle, tmp_path: Path) -> None:
    target = tmp_path / "smoke"
    shutil.copytree(smoke_bundle.path, target)
    data = (target / SESSIONS_FILE).read_bytes()
    (target / SESSIONS_FILE).write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(BundleCorrupt, match=r"sessions\.parquet"):
        load_bundle("smoke", tmp_path)
