"""Finding runs: what a command's TARGET names, the runs under a label, a float-mode twin.

    locate(target, scenario=None, profiles_dir=None) -> Run
        target: a LABEL under the profiles dir (`--scenario` picks one of its scenarios; a label
        holding one scenario uses it), LABEL/SCENARIO, a RUN_DIR, a label directory, a `.pstats`
        file, or a py-spy speedscope `.json` / collapsed `.txt` file.
    label_runs(label, profiles_dir) -> list[Run]       every scenario run under a label
    scenario_dirs(label_dir) -> list[Path]             run directories (hidden temp dirs skipped)
    unfinished(label_dir) -> dict[scenario, reason]    runs whose only trace is a temp dir
    float_twin(run) -> Run | None                      the float-mode run of the same scenario
    available_labels(profiles_dir) -> list[str]

Anything that cannot be resolved raises RbprofileError with a one-line fix; so does a run
directory whose JSON files cannot be read (`Run.checked`).
"""

from __future__ import annotations

import re
from pathlib import Path

from rbprofile.errors import RbprofileError
from rbprofile.paths import profiles_dir as default_profiles_dir
from rbprofile.rundir import files
from rbprofile.rundir.run import PYSPY_RAW, Run

RUN_MARKERS = (files.MANIFEST, files.TIMING, files.PSTATS, *PYSPY_RAW)
PYSPY_SUFFIXES = (".json", ".txt", ".collapsed", ".folded")
_TMP_DIR = re.compile(r"^\.(.+)\.tmp-\d+$")


def is_run_dir(path: Path) -> bool:
    return path.is_dir() and any((path / marker).is_file() for marker in RUN_MARKERS)


def scenario_dirs(label_dir: Path) -> list[Path]:
    """Scenario run directories under a label, sorted by name (hidden temp dirs skipped)."""
    if not label_dir.is_dir():
        return []
    return sorted(p for p in label_dir.iterdir() if not files.is_hidden(p.name) and is_run_dir(p))


def unfinished(label_dir: Path) -> dict[str, str]:
    """Scenarios whose only trace is the runner's temporary directory `.<scenario>.tmp-<pid>`."""
    found: dict[str, str] = {}
    if not label_dir.is_dir():
        return found
    for child in sorted(label_dir.iterdir()):
        match = _TMP_DIR.match(child.name)
        if match and child.is_dir() and not (label_dir / match[1]).exists():
            found[match[1]] = f"unfinished run (only {child.name} exists: running or interrupted)"
    return found


def available_labels(profiles_dir: Path) -> list[str]:
    if not profiles_dir.is_dir():
        return []
    return sorted(
        p.name
        for p in profiles_dir.iterdir()
        if p.is_dir() and not files.is_hidden(p.name) and scenario_dirs(p)
    )


def _labels_text(root: Path) -> str:
    return ", ".join(available_labels(root)) or "none"


def _from_file(path: Path) -> Run:
    if path.suffix.lower() in PYSPY_SUFFIXES:
        return Run.files(pyspy=path)
    return Run.files(pstats=path)


def _with_profiles(run: Run, required: bool = True) -> Run:
    run.checked()
    if required and run.pstats_path is None and run.pyspy_path is None:
        raise RbprofileError(
            f"{run.path} holds no {files.PSTATS} or py-spy output; re-run it with "
            "`rbprofile run ... --profiler cprofile` (or pyspy, or all)."
        )
    return run


def _from_label_dir(
    label_dir: Path, label: str, scenario: str | None, required: bool = True
) -> Run:
    found = [p.name for p in scenario_dirs(label_dir)]
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
    return _with_profiles(Run.directory(label_dir / scenario, label, scenario), required)


def locate(
    target: str,
    scenario: str | None = None,
    profiles_dir: Path | None = None,
    *,
    profiles_required: bool = True,
) -> Run:
    """Turn a command's TARGET argument into the run (or files) to read; a run directory must
    hold a cProfile or py-spy profile unless `profiles_required` is False (memory views)."""
    required = profiles_required
    given = Path(target)
    if given.is_file():
        return _from_file(given)
    if given.is_dir():
        if is_run_dir(given):
            return _with_profiles(Run.directory(given), required)
        return _from_label_dir(given, given.name, scenario, required)
    root = default_profiles_dir(profiles_dir)
    under = root / target
    if under.is_dir() and not given.is_absolute():
        if is_run_dir(under):  # "label/scenario"
            return _with_profiles(Run.directory(under), required)
        return _from_label_dir(under, target, scenario, required)
    raise RbprofileError(
        f"{target!r} is not a file, run directory or label under {root} "
        f"(labels: {_labels_text(root)}); record one with `rbprofile run` or pass a path."
    )


def label_runs(label: str, profiles_dir: Path | None = None) -> list[Run]:
    """Every scenario run under `label` (sorted by scenario); a label without runs is an error."""
    root = default_profiles_dir(profiles_dir)
    found = scenario_dirs(root / label)
    if not found:
        raise RbprofileError(
            f"no runs for label {label!r} under {root} (labels there: {_labels_text(root)}); "
            f"record them with `rbprofile run all --label {label}`"
        )
    return [Run.directory(d, label, d.name) for d in found]


def float_twin(run: Run) -> Run | None:
    """The float-mode run of the same scenario next to a decimal-mode run (see `twin_of`)."""
    manifest = run.manifest
    if run.path is None or manifest is None or (manifest.numeric or "decimal") != "decimal":
        return None
    bundle_hash = manifest.bundle.content_hash if manifest.bundle else None
    return twin_of(run.path.parent.parent, run.label or "", run.path.name, bundle_hash)


def twin_of(root: Path, label: str, scenario: str, bundle_hash: str | None) -> Run | None:
    """The float-mode run of `scenario` under another label of `root`, on the same bundle
    data, preferring the label `<label>-float`, then the latest finished."""
    candidates: list[tuple[bool, str, str, Run]] = []
    for other in sorted(root.glob(f"*/{scenario}")):
        if other.parent.name == label or files.is_hidden(other.parent.name):
            continue
        if not is_run_dir(other):
            continue
        twin = Run.directory(other)
        theirs = twin.manifest
        if theirs is None or theirs.numeric != "float":
            continue
        twin_hash = theirs.bundle.content_hash if theirs.bundle else None
        if bundle_hash and twin_hash and twin_hash != bundle_hash:
            continue
        preferred = other.parent.name == f"{label}-float"
        candidates.append((preferred, theirs.finished or "", str(other), twin))
    return max(candidates, key=lambda c: c[:3])[3] if candidates else None
