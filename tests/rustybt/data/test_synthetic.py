"""The seeded generator: OHLC invariants (property test) and determinism."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from rustybt.data.bundles import get_calendar
from rustybt.data.synthetic import asset_rng, synthesize_bars
from rustybt.gens.clock import bar_index, bar_minutes

CAL = get_calendar("XNYS")
SESSIONS = CAL.sessions_in_range("2024-10-01", "2024-12-31")


def make(name: str, frequency: str, seed: int, assets: int, first: int, count: int) -> pl.DataFrame:
    sessions = SESSIONS[first : first + count]
    return synthesize_bars(
        name=name,
        frequency=frequency,
        seed=seed,
        asset_count=assets,
        times=bar_index(CAL, sessions, frequency),  # type: ignore[arg-type]
        minutes=bar_minutes(CAL, sessions, frequency),  # type: ignore[arg-type]
    )


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**63 - 1),
    frequency=st.sampled_from(["daily", "hourly", "minute"]),
    assets=st.integers(1, 3),
    first=st.integers(0, 50),
    count=st.integers(1, 8),
)
def test_ohlcv_invariants(seed: int, frequency: str, assets: int, first: int, count: int) -> None:
    bars = make("prop", frequency, seed, assets, first, count)
    broken = bars.filter(
        (pl.col("low") > pl.min_horizontal("open", "close"))
        | (pl.col("high") < pl.max_horizontal("open", "close"))
        | (pl.col("low") <= 0)
        | (pl.col("volume") <= 0)
    )
    assert broken.height == 0
    cents = bars.select(
        (pl.col(c) * 100 - (pl.col(c) * 100).round(0)).abs().max()
        for c in ("open", "high", "low", "close")
    )
    assert max(cents.row(0)) < 1e-6  # prices are whole cents
    assert bars.height == assets * len(bar_index(CAL, SESSIONS[first : first + count], frequency))
    assert bars.equals(bars.sort(["sid", "dt"]))


def test_same_spec_same_numbers_and_seed_matters() -> None:
    a = make("x", "hourly", 3, 2, 10, 5)
    assert a.equals(make("x", "hourly", 3, 2, 10, 5))
    assert not a.equals(make("x", "hourly", 4, 2, 10, 5))
    assert not a.equals(make("y", "hourly", 3, 2, 10, 5))


def test_assets_have_their_own_walks() -> None:
    bars = make("x", "daily", 3, 3, 0, 40)
    closes = [bars.filter(pl.col("sid") == s)["close"].to_numpy() for s in range(3)]
    returns = [np.diff(np.log(c)) for c in closes]
    assert len({round(float(r.std()), 6) for r in returns}) == 3


def test_asset_rng_is_a_stable_digest() -> None:
    # A known answer: the first draw for (seed 1, "smoke", daily, asset 0) never changes.
    # Changing the seeding scheme changes every bundle's bytes, so it is pinned here.
    assert asset_rng(1, "smoke", "daily", 0).random() == 0.42032543459015237
    assert asset_rng(1, "smoke", "daily", 1).random() != 0.42032543459015237
