"""Seeded synthetic OHLCV: one geometric random walk per asset, with its own drift and volatility.

Every asset draws from its own `numpy.random.Generator`, seeded from a SHA-256 digest of
(seed, bundle name, frequency, asset index) -- never from `hash()` -- so the same spec gives
the same numbers in any process and on any machine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np
import pandas as pd
import polars as pl

MINUTES_PER_YEAR = 252 * 390


def asset_rng(seed: int, name: str, frequency: str, index: int) -> np.random.Generator:
    """A generator for one asset of one bundle, stable across processes and platforms."""
    digest = hashlib.sha256(f"rustybt-synthetic:{seed}:{name}:{frequency}:{index}".encode())
    entropy = int.from_bytes(digest.digest()[:16], "big")
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))


def symbol_for(index: int) -> str:
    return f"SYM{index:03d}"


def _walk(rng: np.random.Generator, minutes: np.ndarray) -> dict[str, np.ndarray]:
    """OHLCV arrays for one asset; prices rounded to cents, invariants enforced after rounding."""
    n = len(minutes)
    drift = rng.uniform(-0.05, 0.15)  # annual
    vol = rng.uniform(0.15, 0.45)  # annual
    start = rng.uniform(20.0, 300.0)
    frac = minutes / MINUTES_PER_YEAR
    step_sd = vol * np.sqrt(frac)
    log_ret = (drift - 0.5 * vol**2) * frac + step_sd * rng.standard_normal(n)
    close = start * np.exp(np.cumsum(log_ret))
    gap = step_sd * 0.2 * rng.standard_normal(n)
    prev_close = np.concatenate(([start], close[:-1]))
    open_ = prev_close * np.exp(gap)
    up = np.abs(rng.standard_normal(n)) * step_sd * 0.5
    down = np.abs(rng.standard_normal(n)) * step_sd * 0.5
    open_r = np.maximum(np.round(open_, 2), 0.01)
    close_r = np.maximum(np.round(close, 2), 0.01)
    high = np.maximum(
        np.round(np.maximum(open_, close) * np.exp(up), 2), np.maximum(open_r, close_r)
    )
    low = np.minimum(
        np.round(np.minimum(open_, close) * np.exp(-down), 2), np.minimum(open_r, close_r)
    )
    low = np.maximum(low, 0.01)
    base_volume = rng.uniform(2_000.0, 20_000.0) * minutes
    volume = np.maximum(base_volume * rng.lognormal(0.0, 0.5, n), 1.0).astype(np.int64)
    return {"open": open_r, "high": high, "low": low, "close": close_r, "volume": volume}


def synthesize_bars(
    *,
    name: str,
    frequency: str,
    seed: int,
    asset_count: int,
    times: pd.DatetimeIndex,
    minutes: np.ndarray,
    progress: Callable[[int, int], None] | None = None,
) -> pl.DataFrame:
    """Bars for `asset_count` assets (sids 0..n-1) at every label in `times`, sorted by sid, dt.

    `minutes` holds each bar's length, which scales its drift, volatility and volume.
    """
    dt = pl.Series("dt", times.as_unit("us").asi8, dtype=pl.Int64).cast(pl.Datetime("us", "UTC"))
    frames = []
    for index in range(asset_count):
        cols = _walk(asset_rng(seed, name, frequency, index), minutes)
        frames.append(
            pl.DataFrame({"sid": np.full(len(times), index, dtype=np.int64)}).with_columns(
                dt, *(pl.Series(k, v) for k, v in cols.items())
            )
        )
        if progress is not None:
            progress(index + 1, asset_count)
    return pl.concat(frames)
