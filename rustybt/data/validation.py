"""Checks for bars and assets before they become a bundle (schemas declared once, here)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import polars as pl

from rustybt.gens.clock import Frequency, bar_index

BARS_SCHEMA = pl.Schema(
    {
        "sid": pl.Int64(),
        "dt": pl.Datetime("us", "UTC"),
        "open": pl.Float64(),
        "high": pl.Float64(),
        "low": pl.Float64(),
        "close": pl.Float64(),
        "volume": pl.Int64(),
    }
)
ASSETS_SCHEMA = pl.Schema({"sid": pl.Int64, "symbol": pl.String, "start": pl.Date, "end": pl.Date})
PRICES = ("open", "high", "low", "close")


def _require(frame: pl.DataFrame, schema: pl.Schema, what: str) -> None:
    missing = [c for c in schema if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lack columns {missing}; need {list(schema)}")


def normalize_bars(bars: pl.DataFrame) -> pl.DataFrame:
    """Select and cast to BARS_SCHEMA; a date or naive datetime `dt` is taken as UTC."""
    _require(bars, BARS_SCHEMA, "bars")
    dt = bars.schema["dt"]
    dt_expr = pl.col("dt")
    if dt == pl.Date:
        dt_expr = dt_expr.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    elif isinstance(dt, pl.Datetime) and dt.time_zone is None:
        dt_expr = dt_expr.dt.replace_time_zone("UTC")
    elif isinstance(dt, pl.Datetime):
        dt_expr = dt_expr.dt.convert_time_zone("UTC")
    else:
        raise ValueError(f"bars.dt must be a date or datetime, got {dt}")
    out = bars.with_columns(dt_expr.dt.cast_time_unit("us")).select(list(BARS_SCHEMA))
    out = out.cast(BARS_SCHEMA)
    nulls = [c for c in out.columns if out[c].null_count()]
    if nulls:
        raise ValueError(f"bars have nulls in {nulls}; every bar needs all of {list(BARS_SCHEMA)}")
    return out.sort(["sid", "dt"])


def check_ohlcv(bars: pl.DataFrame) -> None:
    """low <= min(open, close), high >= max(open, close), low > 0, volume > 0, finite prices."""
    rules = {
        "prices must be finite": pl.any_horizontal([~pl.col(c).is_finite() for c in PRICES]),
        "low must be > 0": pl.col("low") <= 0,
        "low must be <= min(open, close)": pl.col("low") > pl.min_horizontal("open", "close"),
        "high must be >= max(open, close)": pl.col("high") < pl.max_horizontal("open", "close"),
        "volume must be > 0": pl.col("volume") <= 0,
    }
    for rule, broken in rules.items():
        bad = bars.filter(broken)
        if bad.height:
            row = bad.row(0, named=True)
            raise ValueError(f"{bad.height} bar(s) break '{rule}', e.g. {row}")
    dupes = bars.filter(pl.struct("sid", "dt").is_duplicated())
    if dupes.height:
        raise ValueError(f"duplicate (sid, dt) bars, e.g. {dupes.row(0, named=True)}")


def session_bounds(bars: pl.DataFrame, calendar: Any, frequency: Frequency) -> tuple[date, date]:
    """First and last session the bars fall on."""
    if bars.height == 0:
        raise ValueError("bars are empty; a bundle needs at least one bar")
    us = bars["dt"].dt.epoch("us")
    lo = pd.Timestamp(int(us.min()), unit="us", tz="UTC")  # type: ignore[arg-type]
    hi = pd.Timestamp(int(us.max()), unit="us", tz="UTC")  # type: ignore[arg-type]
    if frequency == "daily":
        return lo.date(), hi.date()
    first = calendar.minute_to_session(lo, direction="next")
    last = calendar.minute_to_session(hi, direction="previous")
    return first.date(), last.date()


def check_bar_times(bars: pl.DataFrame, calendar: Any, frequency: Frequency) -> pd.DatetimeIndex:
    """Every dt must be a bar label of the calendar at `frequency`; returns the sessions spanned."""
    first, last = session_bounds(bars, calendar, frequency)
    sessions = calendar.sessions_in_range(pd.Timestamp(first), pd.Timestamp(last))
    valid = pl.Series(bar_index(calendar, sessions, frequency).as_unit("us").asi8)
    bad = bars.filter(~pl.col("dt").dt.epoch("us").is_in(valid.implode()))
    if bad.height:
        raise ValueError(
            f"{bad.height} bar(s) are not {frequency} bar labels of {calendar.name} "
            f"(holiday, weekend or off-grid time), e.g. {bad.row(0, named=True)}"
        )
    return sessions


def normalize_assets(assets: pl.DataFrame, first: date, last: date) -> pl.DataFrame:
    """Cast to ASSETS_SCHEMA; missing start/end default to the bundle's first/last session."""
    if "start" not in assets.columns:
        assets = assets.with_columns(start=pl.lit(first))
    if "end" not in assets.columns:
        assets = assets.with_columns(end=pl.lit(last))
    _require(assets, ASSETS_SCHEMA, "assets")
    out = assets.select(list(ASSETS_SCHEMA)).cast(ASSETS_SCHEMA)
    if out["sid"].is_duplicated().any():
        raise ValueError("assets have duplicate sids; each sid must appear once")
    return out.sort("sid")


def check_sids(bars: pl.DataFrame, assets: pl.DataFrame) -> None:
    unknown = set(bars["sid"].unique().to_list()) - set(assets["sid"].to_list())
    if unknown:
        raise ValueError(f"bars reference sids {sorted(unknown)} missing from the assets table")
