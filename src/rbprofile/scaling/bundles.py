"""Sized bundles for `rbprofile scale SCENARIO`: one synthetic bundle per (assets, sessions).

    sized_spec(scenario, assets=None, sessions=None) -> BundleSpec
        the scenario's bundle with `assets` assets and the last `sessions` sessions of its
        window's calendar, ending on the scenario's last day; name `scale-<scenario>-a<A>-s<S>`
    ensure_sized(spec, progress=None) -> BundleMetadata      written once, reused after
    estimate_seconds(scenario, assets, sessions) -> float    one profiled run, roughly

Bundles are written by rustybt's bundle writer like `rbprofile ingest`: seeded (the
scenario's seed), byte-identical for the same spec, refused beyond `MAX_BARS`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta

from rbprofile.errors import RbprofileError
from rbprofile.ingest import scenario_remedies
from rbprofile.scale.plan import CHILD_FIXED_S, PER_ASSET_BAR_S
from rbprofile.scenarios import Scenario
from rustybt.data.bundles import (
    MAX_BARS,
    BundleMetadata,
    BundleSpec,
    calendar_sessions,
    get_calendar,
    list_bundles,
    load_bundle,
    write_bundle,
)

SIZE_VARIABLES = ("assets", "sessions")
BARS_PER_SESSION = {"daily": 1, "hourly": 7, "minute": 390}
_DAYS_PER_SESSION = 1.5  # calendar days per XNYS session, with room for holidays


def _last_sessions(end: date, count: int) -> date:
    """The first of the last `count` XNYS sessions up to `end`."""
    lookback = timedelta(days=math.ceil(count * _DAYS_PER_SESSION) + 30)
    calendar = get_calendar("XNYS", end - lookback, end)
    sessions = calendar_sessions(calendar, calendar.first_session, end)
    if len(sessions) < count:
        raise RbprofileError(
            f"--sessions {count}: the calendar holds only {len(sessions)} sessions up to {end}; "
            "ask for fewer sessions."
        )
    first: date = sessions[-count].date()
    return first


def window_sessions(scenario: Scenario) -> int:
    """How many sessions the scenario's own window holds."""
    calendar = get_calendar("XNYS", scenario.start, scenario.end)
    return len(calendar_sessions(calendar, scenario.start, scenario.end))


def sized_spec(scenario: Scenario, assets: int | None, sessions: int | None) -> BundleSpec:
    """The bundle of `scenario` at this size (None: the scenario's own assets or window)."""
    n_assets = assets if assets is not None else scenario.assets
    start = _last_sessions(scenario.end, sessions) if sessions is not None else scenario.start
    n_sessions = sessions if sessions is not None else "w"
    name = f"scale-{scenario.name}-a{n_assets}-s{n_sessions}"
    return BundleSpec(name, scenario.frequency, n_assets, start, scenario.end, scenario.seed)


def _matches(meta: BundleMetadata, spec: BundleSpec) -> bool:
    return (
        meta.frequency == spec.frequency
        and meta.asset_count == spec.assets
        and meta.first_session == spec.start
        and meta.last_session == spec.end
        and meta.seed == spec.seed
    )


def ensure_sized(
    spec: BundleSpec, progress: Callable[[int, int], None] | None = None
) -> BundleMetadata:
    """The bundle `spec` describes: kept when an identical one exists, else (re)written."""
    with scenario_remedies():
        if spec.name in list_bundles():
            meta = load_bundle(spec.name).metadata
            if _matches(meta, spec):
                return meta
        return write_bundle(spec, force=True, progress=progress, max_bars=MAX_BARS)


def bars(scenario: Scenario, assets: int, sessions: int) -> int:
    return assets * sessions * BARS_PER_SESSION[scenario.frequency]


def estimate_seconds(scenario: Scenario, assets: int, sessions: int) -> float:
    """A rough upper estimate of one profiled run's wall time at this size."""
    return CHILD_FIXED_S + PER_ASSET_BAR_S * bars(scenario, assets, sessions)
