"""PolarsDataPortal and the readers: windows equal the raw Parquet bars, no lookahead."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from rustybt.assets import Asset
from rustybt.data.bundles import Bundle, load_bundle, write_bundle_from_frames
from rustybt.data.polars import (
    PolarsDataPortal,
    PolarsParquetDailyReader,
    PolarsParquetMinuteReader,
)
from rustybt.errors import DatesOutOfRange, NoDataForAsset
from rustybt.gens.clock import ClockEvent, trading_clock

DAYS = [date(2024, 11, 25), date(2024, 11, 26), date(2024, 11, 27), date(2024, 11, 29)]


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def hand_bundle(root: Path) -> Bundle:
    """sid 1 trades every day; sid 2 misses 11-26 and is listed only from 11-26 on."""
    rows = [
        (1, d, 10.0 + i, 11.0 + i, 9.0 + i, 10.5 + i, 100 * (i + 1)) for i, d in enumerate(DAYS)
    ]
    rows += [(2, d, 20.0, 25.0, 19.0, 20.0 + i, 7) for i, d in enumerate(DAYS) if i != 1]
    bars = pl.DataFrame(
        rows, schema=["sid", "dt", "open", "high", "low", "close", "volume"], orient="row"
    )
    assets = pl.DataFrame({"sid": [1, 2], "symbol": ["AAA", "BBB"], "start": [DAYS[0], DAYS[1]]})
    write_bundle_from_frames("hand", "daily", bars, assets, root)
    return load_bundle("hand", root)


def raw_window(bundle: Bundle, t: pd.Timestamp, n: int) -> pl.DataFrame:
    """The last n close bars at or before t, straight from the Parquet file, one column/symbol."""
    symbols = {a.sid: a.symbol for a in bundle.assets}
    bars = pl.read_parquet(bundle.path / "bars.parquet").filter(pl.col("dt") <= t.to_pydatetime())
    wide = bars.pivot(on="sid", index="dt", values="close", sort_columns=True).sort("dt").tail(n)
    return wide.rename({str(s): sym for s, sym in symbols.items()})


@pytest.mark.parametrize("fixture", ["minute_bundle", "hourly_bundle", "smoke_bundle"])
def test_history_equals_raw_parquet_at_every_bar(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    bundle: Bundle = request.getfixturevalue(fixture)
    portal = PolarsDataPortal(bundle)
    bars = [
        t
        for t, e in trading_clock(bundle.calendar, portal.sessions, bundle.frequency)
        if e is ClockEvent.BAR
    ]
    assert len(bars) == bundle.metadata.row_count // bundle.metadata.asset_count
    for t in [*bars[:: max(1, len(bars) // 25)], bars[-1]]:
        portal.set_bar(t)
        got = portal.history(portal.assets, "close", 20, portal.history_frequency, frame="polars")
        assert_frame_equal(got, raw_window(bundle, t, 20))
        frame = portal.history(portal.assets, "close", 20, portal.history_frequency)
        assert frame.index[-1] == t  # no lookahead: the window ends at now
        assert list(frame.columns) == portal.assets


def test_history_shapes_and_types(minute_bundle: Bundle) -> None:
    portal = PolarsDataPortal(minute_bundle)
    portal.set_bar(utc("2024-11-29 14:31"))
    a0 = portal.assets[0]
    series = portal.history(a0, "close", 5, "1m")
    assert isinstance(series, pd.Series) and series.name == a0
    assert list(series.index) == [
        utc("2024-11-27 20:57"),
        utc("2024-11-27 20:58"),
        utc("2024-11-27 20:59"),
        utc("2024-11-29 14:30"),
        utc("2024-11-29 14:31"),
    ]  # the Thanksgiving holiday (11-28) is skipped
    frame = portal.history(portal.assets, "volume", 3, "1m")
    assert frame.shape == (3, 3) and frame.dtypes.tolist() == [np.dtype("int64")] * 3
    with pytest.raises(ValueError, match=r"use '1m'"):
        portal.history(a0, "close", 5, "1d")
    with pytest.raises(ValueError, match="unknown field 'vwap'"):
        portal.history(a0, "vwap", 5, "1m")


@pytest.mark.parametrize("name", ["smoke_bundle", "minute_bundle"])
def test_history_is_the_frame_of_the_window(name: str, request: pytest.FixtureRequest) -> None:
    """The sliced cached frame equals a frame built from the window itself (values, dtype,
    index with its freq, columns, column-contiguous to_numpy), and a strategy editing the frame
    it got changes nothing the next call returns."""
    bundle: Bundle = request.getfixturevalue(name)
    portal = PolarsDataPortal(bundle)
    arr = portal.reader.arrays["close"]
    assets = [portal.assets[2], portal.assets[0]]  # not in sid order
    for row in (0, 3, len(portal.reader.times) - 1):
        portal.set_bar(portal.reader.times[row])
        lo = max(0, row + 1 - 5)
        index = portal.reader.times[lo : row + 1]
        got = portal.history(assets, "close", 5, portal.history_frequency)
        built = pd.DataFrame(arr[lo : row + 1, [2, 0]], index=index, columns=pd.Index(assets))
        pd.testing.assert_frame_equal(got, built, check_freq=True)
        # each column contiguous, as before: sums over axis 0 add in the same order
        assert got.to_numpy().strides[0] == built.to_numpy().strides[0] == 8
        one = portal.history(assets[0], "close", 5, portal.history_frequency)
        pd.testing.assert_series_equal(one, built[assets[0]], check_freq=True)
        got.iloc[:, :] = -1.0
        one.iloc[:] = -1.0
        again = portal.history(assets, "close", 5, portal.history_frequency)
        pd.testing.assert_frame_equal(again, built)
        assert (portal.history(assets[0], "close", 5, portal.history_frequency) > 0).all()


def test_history_at_first_bar_has_one_row(smoke_bundle: Bundle) -> None:
    portal = PolarsDataPortal(smoke_bundle)
    portal.set_bar(utc("2026-10-19"))
    assert len(portal.history(portal.assets, "close", 30, "1d")) == 1


def test_history_sees_lookback_before_start(smoke_bundle: Bundle) -> None:
    portal = PolarsDataPortal(smoke_bundle, start="2026-10-26")
    assert portal.sessions[0] == pd.Timestamp("2026-10-26")
    portal.set_bar(utc("2026-10-26"))
    window = portal.history(portal.assets[0], "close", 30, "1d")
    assert len(window) == 6 and window.index[0] == utc("2026-10-19")


def test_end_limits_what_is_loaded(smoke_bundle: Bundle) -> None:
    portal = PolarsDataPortal(smoke_bundle, end=date(2026, 10, 23))
    assert portal.reader.last_available_dt == utc("2026-10-23")
    portal.set_bar(utc("2026-10-30"))  # past the end: still only bars up to the 23rd
    assert portal.history(portal.assets[0], "close", 30, "1d").index[-1] == utc("2026-10-23")


def test_current_can_trade_price_bar_with_gaps(tmp_path: Path) -> None:
    portal = PolarsDataPortal(hand_bundle(tmp_path))
    a1, a2 = portal.assets
    portal.set_bar(utc("2024-11-25"))
    assert portal.can_trade(a1) and not portal.can_trade(a2)  # BBB is listed from 11-26
    assert portal.current(a2, "close") == 20.0  # it has a bar, it just cannot trade yet
    portal.set_bar(utc("2024-11-26"))
    assert portal.current(a1, "close") == 11.5
    assert np.isnan(portal.current(a2, "close"))
    assert portal.current(a2, "volume") == 0
    assert portal.current(a2, "price") == 20.0  # last close at or before now
    assert portal.price(2) == 20.0 and portal.bar(2) is None
    assert portal.bar(1) == (11.0, 12.0, 10.0, 11.5, 200)
    assert not portal.can_trade(a2)
    current = portal.current([a1, a2], "open")
    assert list(current.index) == [a1, a2] and current.iloc[0] == 11.0
    portal.set_bar(utc("2024-11-29"))
    assert portal.can_trade(a2)
    history = portal.history([a1, a2], "close", 4, "1d")
    assert history[a2].tolist()[:1] == [20.0] and np.isnan(history[a2].iloc[1])
    assert history[a1].tolist() == [10.5, 11.5, 12.5, 13.5]
    assert portal.history([a1, a2], "price", 4, "1d")[a2].tolist() == [20.0, 20.0, 22.0, 23.0]


def test_between_bars_nothing_is_current(tmp_path: Path) -> None:
    portal = PolarsDataPortal(hand_bundle(tmp_path))
    portal.set_bar(utc("2024-11-26 12:00"))
    assert np.isnan(portal.current(portal.assets[0], "close"))
    assert not portal.can_trade(portal.assets[0])
    assert portal.price(1) == 11.5
    assert portal.history(portal.assets[0], "close", 10, "1d").index[-1] == utc("2024-11-26")


def test_unknown_asset_and_dates(tmp_path: Path) -> None:
    bundle = hand_bundle(tmp_path)
    portal = PolarsDataPortal(bundle)
    portal.set_bar(utc("2024-11-26"))
    with pytest.raises(NoDataForAsset, match="sid 9 is not in bundle 'hand'"):
        portal.current(Asset(9, "ZZZ"), "close")
    with pytest.raises(DatesOutOfRange, match=r"covers 2024-11-25\.\.2024-11-29"):
        PolarsDataPortal(bundle, start="2024-11-01")


def test_readers(tmp_path: Path, minute_bundle: Bundle) -> None:
    reader = PolarsParquetDailyReader(hand_bundle(tmp_path))
    assert reader.get_value(1, utc("2024-11-27"), "close") == 12.5
    with pytest.raises(NoDataForAsset, match="no daily bar for sid 2"):
        reader.get_value(2, utc("2024-11-26"), "close")
    (opens,) = reader.load_raw_arrays(["open"], utc("2024-11-26"), utc("2024-11-27"), [1])
    assert opens.tolist() == [[11.0], [12.0]]
    with pytest.raises(ValueError, match="reads daily bundles"):
        PolarsParquetDailyReader(minute_bundle)
    minute = PolarsParquetMinuteReader(minute_bundle)
    assert minute.arrays["close"].shape == (990, 3)
    assert minute.first_trading_day == pd.Timestamp("2024-11-27")


def test_frames_info(smoke_bundle: Bundle) -> None:
    info = PolarsDataPortal(smoke_bundle).frames_info()
    assert info[0]["name"] == "bars" and (info[0]["rows"], info[0]["columns"]) == (30, 7)
    assert {i["name"] for i in info[1:]} == {
        "dense:open",
        "dense:high",
        "dense:low",
        "dense:close",
        "dense:volume",
        "dense:price",
    }
    assert all(i["estimated_mib"] > 0 for i in info)


def test_hand_bundle_metadata(tmp_path: Path) -> None:
    m = hand_bundle(tmp_path).metadata
    assert (m.first_session, m.last_session, m.sessions, m.row_count) == (DAYS[0], DAYS[-1], 4, 7)
    assert m.seed is None


def _bars(**override: object) -> pl.DataFrame:
    row = {
        "sid": 1,
        "dt": datetime(2024, 11, 27, 14, 30),
        "open": 10.0,
        "high": 11.0,
        "low": 9.0,
        "close": 10.0,
        "volume": 5,
    }
    row.update(override)
    return pl.DataFrame([row])


ASSETS = pl.DataFrame({"sid": [1], "symbol": ["AAA"]})


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"high": 9.5}, r"high must be >= max\(open, close\)"),
        ({"low": 10.5}, r"low must be <= min\(open, close\)"),
        ({"volume": 0}, "volume must be > 0"),
        ({"dt": datetime(2024, 11, 28, 15, 0)}, "not minute bar labels"),
        ({"dt": datetime(2024, 11, 27, 21, 0)}, "not minute bar labels"),
        ({"sid": 3}, r"sids \[3\] missing from the assets table"),
    ],
)
def test_write_from_frames_rejects_bad_bars(
    tmp_path: Path, override: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        write_bundle_from_frames("bad", "minute", _bars(**override), ASSETS, tmp_path)
    assert not (tmp_path / "bad").exists()


def test_write_from_frames_hourly_grid(tmp_path: Path) -> None:
    ok = _bars(dt=datetime(2024, 11, 29, 17, 30))
    write_bundle_from_frames("h", "hourly", ok, ASSETS, tmp_path)
    with pytest.raises(ValueError, match="not hourly bar labels"):
        write_bundle_from_frames(
            "h2", "hourly", _bars(dt=datetime(2024, 11, 29, 17, 31)), ASSETS, tmp_path
        )


def test_can_trade_intraday_follows_asset_end_date(tmp_path: Path) -> None:
    times = [datetime(2024, 11, 27, 20, 59), datetime(2024, 11, 29, 14, 30)]
    bars = pl.concat([_bars(sid=sid, dt=t) for sid in (1, 2) for t in times])
    assets = pl.DataFrame(
        {"sid": [1, 2], "symbol": ["AAA", "BBB"], "end": [date(2024, 11, 27), date(2024, 11, 29)]}
    )
    write_bundle_from_frames("m", "minute", bars, assets, tmp_path)
    portal = PolarsDataPortal(load_bundle("m", tmp_path))
    a1, a2 = portal.assets
    portal.set_bar(utc("2024-11-27 20:59"))
    assert (portal.can_trade(a1), portal.can_trade(a2)) == (True, True)
    portal.set_bar(utc("2024-11-29 14:30"))
    assert (portal.can_trade(a1), portal.can_trade(a2)) == (False, True)
    portal.set_bar(utc("2024-11-29 14:31"))  # a trading minute with no bar for either
    assert (portal.can_trade(a1), portal.can_trade(a2)) == (False, False)


def test_prices_now_is_price_of_every_asset(minute_bundle: Bundle) -> None:
    """One read of the bar's prices values positions as price(sid) would, in both modes."""
    from rustybt.errors import RustyBTError
    from rustybt.finance.pricing import MoneyPrices
    from rustybt.numeric import numeric_mode

    portal = PolarsDataPortal(minute_bundle)
    for mode in ("decimal", "float"):
        prices = MoneyPrices(portal, numeric_mode(mode))
        portal.set_bar(utc("2024-11-26 00:00"))  # before the first bar: no price yet
        with pytest.raises(RustyBTError, match="no price available"):
            prices.prices_now()(0)
        for dt in (utc("2024-11-27 14:30"), utc("2024-11-29 17:59"), utc("2024-11-29 23:00")):
            portal.set_bar(dt)
            now = prices.prices_now()
            for a in portal.assets:
                assert now(a.sid) == prices.price(a.sid)
                assert type(now(a.sid)) is type(prices.price(a.sid))
                assert str(now(a.sid)) == str(prices.price(a.sid))


@pytest.mark.parametrize("name", ["smoke_bundle", "minute_bundle"])
def test_set_bar_steps_like_a_search(name: str, request: pytest.FixtureRequest) -> None:
    """Forward a bar at a time (set_bar's shortcut), between bars, back and far ahead: the
    portal's row and on-bar state are the reader's searchsorted answer every time."""
    bundle: Bundle = request.getfixturevalue(name)
    portal = PolarsDataPortal(bundle)
    times = portal.reader.times
    ns = pd.Timedelta(1, "ns")
    path = [times[0] - ns, *times[:5], times[5] - ns, times[5], times[5] + ns, times[6] - ns]
    path += [times[3], times[-1], times[-1] + ns, times[0] - ns, times[len(times) // 2]]
    for dt in path:
        portal.set_bar(dt)
        row = portal.reader.position(dt)
        assert (portal._row, portal._on_bar) == (row, row >= 0 and times[row] == dt), dt
