"""What to run: the request, its targets (scenarios or a strategy file) and their bundles."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rbprofile import profilers
from rbprofile.errors import RbprofileError
from rbprofile.scenarios import SCENARIOS, expand

DEFAULT_TIMEOUT_S = 1800.0  # per child: the scenarios take seconds; a hung strategy stops


@dataclass(frozen=True)
class RunRequest:
    target: str = "all"  # a scenario, "all", or a strategy file path
    profilers: tuple[str, ...] = field(default_factory=profilers.default_names)  # () = timing
    label: str = "baseline"
    repeat: int = 3
    numeric: str = "decimal"
    rate_hz: int = 100
    bundle: str | None = None
    profiles_dir: Path | None = None
    force: bool = False
    timeout_s: float | None = DEFAULT_TIMEOUT_S  # per child; None: no limit
    samples: int = 3000  # py-spy samples wanted under the measured call
    sample_budget_s: float = 45.0  # wall seconds py-spy may spend sampling one target
    cprofile_repeat: int = 3  # profiled cProfile children (medians and spread per function)


def default_label(numeric: str) -> str:
    """`baseline`, or `baseline-float` for a float-mode run (its own label, see the docs)."""
    return "baseline" if numeric == "decimal" else f"baseline-{numeric}"


@dataclass(frozen=True)
class Target:
    name: str  # the run directory name: the scenario, or the strategy file's stem
    strategy: Path
    bundle: str


def parse_profilers(values: Iterable[str]) -> tuple[str, ...]:
    """Repeatable / comma lists; `all` = every default profiler; `none` = timing only.
    Returned in registry order."""
    chosen: set[str] = set()
    for value in values:
        for name in filter(None, (v.strip().lower() for v in value.split(","))):
            if name == "all":
                chosen.update(profilers.default_names())
            elif name != "none":
                chosen.add(profilers.get(name).name)
    return tuple(n for n in profilers.names() if n in chosen)


def resolve_targets(target: str, bundle: str | None) -> list[Target]:
    if target.endswith(".py") or Path(target).is_file():
        path = Path(target)
        if not path.is_file():
            raise RbprofileError(f"strategy file {target} does not exist; check the path")
        if bundle is None:
            raise RbprofileError(
                f"say which bundle {path.name} runs on, e.g. `--bundle daily` "
                f"(default bundles: {', '.join(SCENARIOS)})"
            )
        return [Target(path.stem, path.resolve(), bundle)]
    return [Target(s.name, s.strategy_file, bundle or s.bundle) for s in expand(target)]


def ensure_bundle(name: str, notify: Callable[[str], None]) -> None:
    """Ingest a missing default (scenario) bundle, saying so; other missing bundles are errors."""
    from rustybt.data.bundles import list_bundles

    if name in list_bundles():
        return
    if name not in SCENARIOS:
        raise RbprofileError(
            f"bundle {name!r} not found; ingest it first or choose one of: "
            f"{', '.join(list_bundles()) or 'none yet (run `rbprofile ingest all`)'}"
        )
    from rbprofile.ingest import ingest_scenarios

    notify(f"bundle {name!r} is missing; ingesting it first (rbprofile ingest {name})")
    ingest_scenarios([name])


def bundle_facts(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(manifest `bundle` block, calendar facts: frequency, sessions, bars) of a bundle."""
    from rustybt.data.bundles import load_bundle
    from rustybt.gens.clock import bar_times

    bundle = load_bundle(name)
    meta = bundle.metadata
    sessions = bundle.sessions(None, None)
    if meta.frequency == "daily":
        bars = len(sessions)
    else:
        bars = sum(len(bar_times(bundle.calendar, s, meta.frequency)) for s in sessions)
    block = {
        "name": meta.name,
        "content_hash": meta.content_hash,
        "frequency": meta.frequency,
        "first_session": str(meta.first_session),
        "last_session": str(meta.last_session),
        "assets": meta.asset_count,
    }
    facts = {"frequency": meta.frequency, "assets": meta.asset_count, "sessions": len(sessions)}
    return block, {**facts, "bars": bars}
