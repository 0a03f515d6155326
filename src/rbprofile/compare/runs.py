"""Finding the runs on each side of a comparison, and reading their timing repeats.

A side is a label under the profiles directory (`<profiles-dir>/<label>/<scenario>/`), a label
directory, or one run directory (holding manifest.json and/or timing.json). Hidden directories
(the runner's temporary siblings) are skipped; a scenario directory without readable timing is
recorded as partial with the reason, never crashed on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rbprofile.errors import RbprofileError
from rbprofile.paths import profiles_dir as default_profiles_dir

MANIFEST = "manifest.json"
TIMING = "timing.json"
MANIFEST_SCHEMA_VERSION = 1
_TMP_DIR = re.compile(r"^\.(.+)\.tmp-\d+$")

# Measures in order of preference: the first present on both sides is compared.
# sim CPU = CPU time of the simulation phase; sim wall = its wall time; total wall = the run's.
MEASURES: tuple[tuple[str, str], ...] = (
    ("simulate_cpu_s", "sim CPU"),
    ("simulate_wall_s", "sim wall"),
    ("total_wall_s", "total wall"),
)


@dataclass(frozen=True)
class Run:
    """One complete run directory: its timing repeats per measure and its manifest."""

    scenario: str
    path: Path
    timings: dict[str, tuple[float, ...]]
    manifest: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Side:
    """One side of a comparison: complete runs by scenario, partial ones with the reason."""

    name: str
    root: Path
    runs: dict[str, Run]
    partial: dict[str, str]


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path.name} is unreadable ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path.name} is not a JSON object")
    return data


def _positive_series(values: object) -> tuple[float, ...] | None:
    if not isinstance(values, list) or not values:
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in values):
        return None
    return tuple(float(v) for v in values)


def timings_from(
    timing: dict[str, Any] | None, manifest: dict[str, Any]
) -> dict[str, tuple[float, ...]]:
    """Each measure recorded for every repeat: timing.json `runs` first, manifest `timing` next."""
    found: dict[str, tuple[float, ...]] = {}
    runs = timing.get("runs") if timing else None
    if isinstance(runs, list) and all(isinstance(r, dict) for r in runs):
        for key, _ in MEASURES:
            series = _positive_series([r.get(key) for r in runs])
            if series is not None:
                found[key] = series
    recorded = manifest.get("timing")
    if isinstance(recorded, dict):
        for key, source in (("simulate_cpu_s", "simulate_cpu_s"), ("total_wall_s", "wall_s")):
            series = _positive_series(recorded.get(source))
            if key not in found and series is not None:
                found[key] = series
    return found


def load_run(path: Path, scenario: str | None = None) -> Run:
    """Read one run directory; ValueError says why it cannot be compared."""
    manifest = _read_json(path / MANIFEST) or {}
    version = manifest.get("schema_version", MANIFEST_SCHEMA_VERSION)
    if version != MANIFEST_SCHEMA_VERSION:
        raise ValueError(f"manifest schema_version {version!r} is not {MANIFEST_SCHEMA_VERSION}")
    timings = timings_from(_read_json(path / TIMING), manifest)
    if not timings:
        raise ValueError("no timing repeats recorded (an interrupted or partial run?)")
    name = scenario or str(manifest.get("scenario") or path.name)
    return Run(name, path, timings, manifest)


def _is_run_dir(path: Path) -> bool:
    return (path / MANIFEST).is_file() or (path / TIMING).is_file()


def _unfinished(root: Path) -> dict[str, str]:
    """Scenarios whose only trace is the runner's temporary directory `.<scenario>.tmp-<pid>`."""
    found: dict[str, str] = {}
    for child in root.iterdir():
        match = _TMP_DIR.match(child.name)
        if match and child.is_dir() and not (root / match[1]).exists():
            found[match[1]] = f"unfinished run (only {child.name} exists: running or interrupted)"
    return found


def _label_side(name: str, root: Path) -> Side:
    runs: dict[str, Run] = {}
    partial = _unfinished(root)
    for child in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            runs[child.name] = load_run(child, child.name)
        except ValueError as exc:
            partial[child.name] = str(exc)
    if not runs and not partial:
        raise RbprofileError(
            f"{root} holds no scenario runs; run `rbprofile run all --label {name}`"
        )
    return Side(name, root, runs, partial)


def resolve_side(arg: str, profiles_dir: Path | None = None) -> Side:
    """A label under the profiles dir, a label directory, or a single run directory."""
    given = Path(arg)
    if given.is_dir() and _is_run_dir(given):
        try:
            run = load_run(given)
        except ValueError as exc:
            return Side(arg, given, {}, {given.name: str(exc)})
        return Side(arg, given, {run.scenario: run}, {})
    if given.is_dir():
        return _label_side(arg, given)
    root = default_profiles_dir(profiles_dir)
    candidate = root / arg
    if candidate.is_dir():
        return _label_side(arg, candidate)
    raise RbprofileError(
        f"no run directory or label {arg!r} under {root}; "
        f"run `rbprofile run all --label {arg}` or pass --profiles-dir"
    )


def common_measure(before: Run, after: Run) -> tuple[str, str]:
    """(key, description) of the preferred measure recorded on both sides."""
    for key, description in MEASURES:
        if key in before.timings and key in after.timings:
            return key, description
    raise ValueError("the two runs share no timing measure")


# Manifest fields that should match for a like-for-like comparison: (path, what it means).
LIKE_FOR_LIKE: tuple[tuple[tuple[str, ...], str], ...] = (
    (("bundle", "content_hash"), "bundle data"),
    (("numeric",), "numeric mode"),
    (("versions", "python"), "Python"),
    (("versions", "polars"), "polars"),
    (("versions", "pandas"), "pandas"),
    (("platform", "cpu"), "CPU"),
    (("platform", "cpu_count"), "CPU count"),
)


def _field(manifest: dict[str, Any], path: tuple[str, ...]) -> object:
    value: object = manifest
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def unlike(before: Run, after: Run) -> list[str]:
    """What differs between the two runs' manifests besides the code (fields both recorded)."""
    found = []
    for path, what in LIKE_FOR_LIKE:
        b, a = _field(before.manifest, path), _field(after.manifest, path)
        if b is not None and a is not None and b != a:
            shown = (str(b)[:12], str(a)[:12]) if path[-1] == "content_hash" else (b, a)
            found.append(f"{what} {shown[0]} vs {shown[1]}")
    return found
