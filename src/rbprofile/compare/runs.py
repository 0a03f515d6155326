"""The runs on each side of a comparison, and the timing measures they share.

A side is a label under the profiles directory (`<profiles-dir>/<label>/<scenario>/`), a label
directory, or one run directory. Hidden directories (the runner's temporary siblings) are
skipped; a scenario whose manifest cannot be read, or that holds neither timing repeats nor a
function table, is recorded as partial with the reason, never crashed on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rbprofile.errors import RbprofileError
from rbprofile.paths import profiles_dir as default_profiles_dir
from rbprofile.rundir import files
from rbprofile.rundir.locate import is_run_dir, scenario_dirs, unfinished
from rbprofile.rundir.manifest import Manifest
from rbprofile.rundir.run import Run
from rbprofile.rundir.timing import MEASURES

Timings = dict[str, tuple[float, ...]]


@dataclass(frozen=True)
class Side:
    """One side of a comparison: usable runs by scenario, partial ones with the reason."""

    name: str
    root: Path
    runs: dict[str, Run]
    partial: dict[str, str]


def timings(run: Run) -> Timings:
    """Each measure recorded for every repeat: timing.json first, the manifest's copy next."""
    found: Timings = {}
    if run.timing is not None:
        for key, _ in MEASURES:
            series = run.timing.series(key)
            if series is not None:
                found[key] = series
    summary = run.manifest.timing if run.manifest is not None else None
    if summary is not None:
        backups = (("simulate_cpu_s", summary.simulate_cpu_s), ("total_wall_s", summary.wall_s))
        for key, values in backups:
            if key not in found and values and all(v is not None and v > 0 for v in values):
                found[key] = tuple(float(v) for v in values if v is not None)
    return found


def _problem(run: Run) -> str | None:
    """Why `run` cannot be compared at all, or None."""
    unreadable = run.unreadable()
    if unreadable:
        return "; ".join(unreadable.values())
    if not timings(run) and run.file(files.FUNCTIONS) is None:
        return "no timing repeats recorded (an interrupted or partial run?)"
    return None


def _side_of(name: str, root: Path, candidates: list[Run]) -> Side:
    runs: dict[str, Run] = {}
    partial = unfinished(root) if root.is_dir() else {}
    for run in candidates:
        scenario = run.scenario or (run.path.name if run.path else run.name)
        problem = _problem(run)
        if problem is None:
            runs[scenario] = run
        else:
            partial[scenario] = problem
    return Side(name, root, runs, partial)


def resolve_side(arg: str, profiles_dir: Path | None = None) -> Side:
    """A label or LABEL/SCENARIO under the profiles dir, a label directory, or a run directory."""
    root_dir = default_profiles_dir(profiles_dir)
    given = Path(arg)
    candidates = [given] if given.is_absolute() else [given, root_dir / arg]
    for path in candidates:
        if is_run_dir(path):
            return _side_of(arg, path, [Run.directory(path, scenario=_scenario(path))])
    root = next((p for p in candidates if p.is_dir()), None)
    if root is None:
        raise RbprofileError(f"no run directory or label {arg!r} under {root_dir}; {_hint(arg)}")
    side = _side_of(arg, root, [Run.directory(d, root.name, d.name) for d in scenario_dirs(root)])
    if not side.runs and not side.partial:
        raise RbprofileError(f"{root} holds no scenario runs; {_hint(root.name)}")
    return side


def _hint(arg: str) -> str:
    """How to record what `arg` names: LABEL/SCENARIO one scenario, a LABEL all of them."""
    parts = Path(arg).parts
    if len(parts) == 2 and not Path(arg).is_absolute():
        label, scenario = parts
        return f"record it with `rbprofile run {scenario} --label {label}` or pass --profiles-dir"
    return f"record it with `rbprofile run all --label {arg}` or pass --profiles-dir"


def _scenario(path: Path) -> str:
    """The scenario a run directory's manifest names (its directory name otherwise)."""
    manifest = Run.directory(path).manifest
    return manifest.scenario if manifest is not None and manifest.scenario else path.name


def common_measure(before: Timings, after: Timings) -> tuple[str, str] | None:
    """(key, description) of the preferred measure recorded on both sides, or None."""
    for key, description in MEASURES:
        if key in before and key in after:
            return key, description
    return None


# Manifest fields that should match for a like-for-like comparison.
LIKE_FOR_LIKE: tuple[tuple[str, Callable[[Manifest], object]], ...] = (
    ("bundle data", lambda m: m.bundle.content_hash if m.bundle else None),
    ("numeric mode", lambda m: m.numeric),
    ("Python", lambda m: m.versions.get("python")),
    ("polars", lambda m: m.versions.get("polars")),
    ("pandas", lambda m: m.versions.get("pandas")),
    ("CPU", lambda m: m.platform.get("cpu")),
    ("CPU count", lambda m: m.platform.get("cpu_count")),
    # runs recorded before every measured call started after a full garbage collection paid
    # for start-up's garbage inside their first run (40-55 ms of a 0.3 s daily backtest)
    (
        "start-up garbage collected before the measured call",
        lambda m: None if m.timing is None else ("yes" if m.timing.collected_before else "no"),
    ),
)


def unlike(before: Run, after: Run) -> list[str]:
    """What differs between the two runs' manifests besides the code (fields both recorded)."""
    b, a = before.manifest, after.manifest
    if b is None or a is None:
        return []
    found = []
    for what, get in LIKE_FOR_LIKE:
        left, right = get(b), get(a)
        if left is not None and right is not None and left != right:
            shown = (str(left)[:12], str(right)[:12]) if what == "bundle data" else (left, right)
            found.append(f"{what} {shown[0]} vs {shown[1]}")
    return found
