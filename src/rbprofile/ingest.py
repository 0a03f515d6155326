"""`ingest` core: scenario rows -> bundle specs -> rustybt bundles on disk.

An existing bundle is kept (status "exists") unless `force`; if it differs from what was
asked for, the outcome says how, so the caller can suggest `--force`. A bundle larger than
`max_bars` (rustybt's `MAX_BARS` unless raised) is refused before anything is written.

rustybt phrases its bundle errors generically; `scenario_remedies()` turns the ones about a
scenario's bundle into the rbprofile command that fixes them (`rbprofile ingest --force NAME`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Literal, TypedDict, Unpack

import polars as pl

from rbprofile.errors import RbprofileError
from rbprofile.render import Document, Table
from rbprofile.scenarios import SCENARIOS, Scenario, expand
from rustybt.data.bundle_format import SESSIONS_FILE
from rustybt.data.bundles import (
    MAX_BARS,
    BundleMetadata,
    BundleSpec,
    calendar_sessions,
    default_bundle_root,
    get_calendar,
    list_bundles,
    load_bundle,
    write_bundle,
)
from rustybt.errors import BundleCorrupt, BundleError, BundleExists, BundleTooLarge

Progress = Callable[[str, int, int], None]  # bundle name, assets done, assets total


@dataclass(frozen=True)
class IngestOutcome:
    scenario: str
    metadata: BundleMetadata
    status: Literal["written", "exists"]
    seconds: float
    path: Path
    differs: tuple[str, ...] = ()


def bundle_spec(
    scenario: Scenario,
    *,
    assets: int | None = None,
    start: date | None = None,
    end: date | None = None,
    seed: int | None = None,
) -> BundleSpec:
    """The scenario's default bundle, with any overrides applied."""
    spec = BundleSpec(
        scenario.bundle,
        scenario.frequency,
        scenario.assets,
        scenario.start,
        scenario.end,
        scenario.seed,
    )
    if assets is not None:
        if assets < 1:
            raise RbprofileError(f"--assets must be at least 1, got {assets}")
        spec = replace(spec, assets=assets)
    spec = replace(spec, start=start or spec.start, end=end or spec.end)
    if seed is not None:
        spec = replace(spec, seed=seed)
    if spec.start > spec.end:
        raise RbprofileError(f"--start {spec.start} is after --end {spec.end}; swap them")
    return spec


def _names(scenarios: str | Sequence[str]) -> list[Scenario]:
    names = [scenarios] if isinstance(scenarios, str) else list(scenarios)
    picked: dict[str, Scenario] = {}
    for name in names:
        for scenario in expand(name):
            picked.setdefault(scenario.name, scenario)
    return list(picked.values())


def ingest_scenarios(
    scenarios: str | Sequence[str],
    *,
    assets: int | None = None,
    start: date | None = None,
    end: date | None = None,
    seed: int | None = None,
    force: bool = False,
    root: Path | None = None,
    progress: Progress | None = None,
    max_bars: int | None = MAX_BARS,
) -> list[IngestOutcome]:
    """Write (or keep) the bundle of each named scenario; `all` = daily, hourly, minute.

    `max_bars` (None: no limit) caps each bundle's assets x bars, checked before writing.
    """
    root = default_bundle_root() if root is None else root
    specs = [
        (s.name, bundle_spec(s, assets=assets, start=start, end=end, seed=seed))
        for s in _names(scenarios)
    ]
    with scenario_remedies():
        return [_ingest_one(name, spec, root, force, progress, max_bars) for name, spec in specs]


@contextmanager
def scenario_remedies() -> Iterator[None]:
    """rustybt's bundle errors about a scenario's bundle, with the rbprofile command to fix them.

    Other bundles' errors pass through unchanged (`rbprofile ingest` cannot rebuild them).
    """
    try:
        yield
    except BundleError as exc:
        remedy = _remedy(exc)
        if remedy is None:
            raise
        raise RbprofileError(f"{exc.what}; {remedy}") from exc


def _remedy(exc: BundleError) -> str | None:
    if isinstance(exc, BundleTooLarge):
        return "ask for fewer --assets or a shorter --start/--end window"
    scenario = next((s.name for s in SCENARIOS.values() if s.bundle == exc.bundle), None)
    if scenario is not None and isinstance(exc, BundleCorrupt | BundleExists):
        return f"rewrite it with `rbprofile ingest --force {scenario}`"
    return None


def _ingest_one(
    scenario: str,
    spec: BundleSpec,
    root: Path,
    force: bool,
    progress: Progress | None,
    max_bars: int | None,
) -> IngestOutcome:
    started = time.perf_counter()
    path = root / spec.name
    if not force and spec.name in list_bundles(root):
        metadata = load_bundle(spec.name, root).metadata
        if progress is not None:
            progress(spec.name, metadata.asset_count, metadata.asset_count)
        return IngestOutcome(
            scenario,
            metadata,
            "exists",
            time.perf_counter() - started,
            path,
            _differences(metadata, spec),
        )
    tick = None if progress is None else (lambda done, total: progress(spec.name, done, total))
    metadata = write_bundle(spec, root, force=force, progress=tick, max_bars=max_bars)
    return IngestOutcome(scenario, metadata, "written", time.perf_counter() - started, path)


def _differences(metadata: BundleMetadata, spec: BundleSpec) -> tuple[str, ...]:
    calendar = get_calendar(spec.calendar, spec.start, spec.end)
    sessions = calendar_sessions(calendar, spec.start, spec.end)
    wanted = {
        "frequency": spec.frequency,
        "assets": spec.assets,
        "first session": sessions[0].date(),
        "last session": sessions[-1].date(),
        "seed": spec.seed,
    }
    have = {
        "frequency": metadata.frequency,
        "assets": metadata.asset_count,
        "first session": metadata.first_session,
        "last session": metadata.last_session,
        "seed": metadata.seed,
    }
    differs = [f"{k} {have[k]} (asked {v})" for k, v in wanted.items() if have[k] != v]
    if SESSIONS_FILE not in metadata.files:  # written before bundles stored their schedule
        differs.append(
            f"no {SESSIONS_FILE} (an older bundle: every run builds the exchange calendar, "
            "which profiles as setup time the engine no longer spends)"
        )
    return tuple(differs)


class IngestOptions(TypedDict, total=False):
    """The keyword options of `ingest_scenarios`, for functions that pass them on."""

    assets: int | None
    start: date | None
    end: date | None
    seed: int | None
    force: bool
    root: Path | None
    progress: Progress | None
    max_bars: int | None


def ingest(
    scenarios: str | Sequence[str], **options: Unpack[IngestOptions]
) -> list[BundleMetadata]:
    """Like `ingest_scenarios` (same options), returning only each bundle's metadata."""
    return [o.metadata for o in ingest_scenarios(scenarios, **options)]


def ensure_bundle(
    scenario: str, root: Path | None = None, progress: Progress | None = None
) -> IngestOutcome:
    """The scenario's default bundle, ingested first if missing (status says which)."""
    (outcome,) = ingest_scenarios(scenario, root=root, progress=progress)
    return outcome


def to_document(outcomes: Sequence[IngestOutcome]) -> Document:
    """The summary table `rbprofile ingest` prints."""
    frame = pl.DataFrame(
        {
            "bundle": [o.metadata.name for o in outcomes],
            "status": [o.status for o in outcomes],
            "frequency": [o.metadata.frequency for o in outcomes],
            "first_session": [o.metadata.first_session.isoformat() for o in outcomes],
            "last_session": [o.metadata.last_session.isoformat() for o in outcomes],
            "sessions": [o.metadata.sessions for o in outcomes],
            "assets": [o.metadata.asset_count for o in outcomes],
            "rows": [o.metadata.row_count for o in outcomes],
            "seed": [o.metadata.seed for o in outcomes],
            "seconds": [o.seconds for o in outcomes],
            "content_hash": [o.metadata.content_hash[:12] for o in outcomes],
        }
    )
    notes = tuple(
        f"{o.metadata.name}: kept the existing bundle, which differs ({'; '.join(o.differs)}); "
        f"rewrite it with `rbprofile ingest --force {o.scenario}`"
        for o in outcomes
        if o.differs
    )
    where = sorted({str(o.path.parent) for o in outcomes})
    return Document(
        title="Ingested bundles",
        tables=(Table("bundles", "Bundles", frame, notes=notes, formats={"seconds": "{:.2f}"}),),
        notes=tuple(f"bundle root: {w}" for w in where),
        meta={
            "bundles": {
                o.metadata.name: {"path": str(o.path), "content_hash": o.metadata.content_hash}
                for o in outcomes
            }
        },
    )
