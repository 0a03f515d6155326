"""Resolve what `analyze` / `categorize` were pointed at.

    locate(target, scenario=None, profiles_dir=None) -> Sources
        target: a LABEL under the profiles dir (`--scenario` picks one of its scenarios; a
        label holding one scenario uses it), LABEL/SCENARIO, a RUN_DIR, a `.pstats` file, a py-spy
        speedscope `.json` or collapsed `.txt` file.
    Sources: name (e.g. "baseline/daily" or the file name), run_dir, pstats, pyspy (paths or
        None; a run's collapsed stacks are preferred to its speedscope file).
Anything that cannot be resolved raises RbprofileError with a one-line fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rbprofile.errors import RbprofileError
from rbprofile.paths import profiles_dir as default_profiles_dir

PSTATS = "cprofile.pstats"
PYSPY_FILES = ("pyspy.collapsed.txt", "pyspy.speedscope.json")
RUN_MARKERS = ("manifest.json", PSTATS, *PYSPY_FILES)
_PYSPY_SUFFIXES = (".json", ".txt", ".collapsed", ".folded")


@dataclass(frozen=True)
class Sources:
    name: str
    run_dir: Path | None
    pstats: Path | None
    pyspy: Path | None


def _is_run_dir(path: Path) -> bool:
    return any((path / marker).is_file() for marker in RUN_MARKERS)


def _from_file(path: Path) -> Sources:
    if path.suffix.lower() in _PYSPY_SUFFIXES:
        return Sources(path.name, None, None, path)
    return Sources(path.name, None, path, None)


def _from_run_dir(path: Path, name: str) -> Sources:
    pstats = path / PSTATS
    pyspy = next((path / f for f in PYSPY_FILES if (path / f).is_file()), None)
    if not pstats.is_file() and pyspy is None:
        raise RbprofileError(
            f"{path} holds no {PSTATS} or py-spy output; "
            "re-run it with `rbprofile run ... --profiler cprofile` (or pyspy, or all)."
        )
    return Sources(name, path, pstats if pstats.is_file() else None, pyspy)


def scenarios_in(label_dir: Path) -> list[str]:
    """Scenario run directories under a label, sorted (temporary `.x.tmp-*` dirs skipped)."""
    return sorted(
        p.name
        for p in label_dir.iterdir()
        if p.is_dir() and not p.name.startswith(".") and _is_run_dir(p)
    )


def _from_label_dir(label_dir: Path, label: str, scenario: str | None) -> Sources:
    found = scenarios_in(label_dir)
    if not found:
        raise RbprofileError(
            f"{label_dir} holds no runs; run `rbprofile run all --label {label}` first."
        )
    if scenario is None:
        if len(found) > 1:
            raise RbprofileError(
                f"label {label!r} holds scenarios {', '.join(found)}; pick one with --scenario."
            )
        scenario = found[0]
    if scenario not in found:
        raise RbprofileError(
            f"label {label!r} has no run for scenario {scenario!r}; it holds {', '.join(found)}."
        )
    return _from_run_dir(label_dir / scenario, f"{label}/{scenario}")


def _labels(root: Path) -> str:
    if not root.is_dir():
        return "none"
    names = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    return ", ".join(names) or "none"


def locate(target: str, scenario: str | None = None, profiles_dir: Path | None = None) -> Sources:
    """Turn the command's TARGET argument into the profile files to read."""
    given = Path(target)
    if given.is_file():
        return _from_file(given)
    if given.is_dir():
        if _is_run_dir(given):
            return _from_run_dir(given, given.name)
        return _from_label_dir(given, given.name, scenario)
    root = default_profiles_dir(profiles_dir)
    under = root / target
    if under.is_dir() and not given.is_absolute():
        if _is_run_dir(under):  # "label/scenario"
            return _from_run_dir(under, target)
        return _from_label_dir(under, target, scenario)
    raise RbprofileError(
        f"{target!r} is not a file, run directory or label under {root} "
        f"(labels: {_labels(root)}); run `rbprofile run all --label {target}` or pass a path."
    )
