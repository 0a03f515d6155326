"""Resolving the analyze TARGET: label, run dir, files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rbprofile.errors import RbprofileError
from rbprofile.rundir.locate import locate


def _run(root: Path, label: str, scenario: str, *files: str) -> Path:
    """A run directory holding `files`: placeholder bytes, a valid manifest.json."""
    run = root / label / scenario
    run.mkdir(parents=True)
    for name in files:
        (run / name).write_text("x")
    if "manifest.json" in files:
        manifest = {"schema_version": 2, "label": label, "scenario": scenario}
        (run / "manifest.json").write_text(json.dumps(manifest))
    return run


def test_label_with_one_scenario(tmp_path: Path) -> None:
    run = _run(tmp_path, "baseline", "daily", "cprofile.pstats", "pyspy.collapsed.txt")
    found = locate("baseline", profiles_dir=tmp_path)
    assert (found.name, found.path, found.pstats_path, found.pyspy_path) == (
        "baseline/daily",
        run,
        run / "cprofile.pstats",
        run / "pyspy.collapsed.txt",
    )


def test_label_with_several_scenarios_needs_one(tmp_path: Path) -> None:
    _run(tmp_path, "baseline", "daily", "cprofile.pstats")
    _run(tmp_path, "baseline", "minute", "pyspy.speedscope.json")
    with pytest.raises(
        RbprofileError, match="holds scenarios daily, minute; pick one with --scenario"
    ):
        locate("baseline", profiles_dir=tmp_path)
    found = locate("baseline", "minute", tmp_path)
    assert (
        found.pstats_path is None
        and found.pyspy_path is not None
        and found.pyspy_path.name == "pyspy.speedscope.json"
    )
    with pytest.raises(RbprofileError, match="no run for scenario 'hourly'"):
        locate("baseline", "hourly", tmp_path)
    assert locate("baseline/daily", profiles_dir=tmp_path).name == "baseline/daily"


def test_run_dir_and_files(tmp_path: Path) -> None:
    run = _run(tmp_path, "x", "daily", "cprofile.pstats", "manifest.json")
    assert locate(str(run)).pstats_path == run / "cprofile.pstats"
    assert locate(str(run / "cprofile.pstats")).pstats_path == run / "cprofile.pstats"
    (tmp_path / "s.json").write_text("{}")
    assert locate(str(tmp_path / "s.json")).pyspy_path == tmp_path / "s.json"


def test_run_dir_with_an_unreadable_manifest_is_refused(tmp_path: Path) -> None:
    run = _run(tmp_path, "x", "daily", "cprofile.pstats", "manifest.json")
    (run / "manifest.json").write_text("x")
    with pytest.raises(RbprofileError, match=r"^x/daily: .*manifest.json is not valid JSON"):
        locate(str(run))


def test_run_dir_without_profiles(tmp_path: Path) -> None:
    run = _run(tmp_path, "x", "daily", "manifest.json")
    with pytest.raises(RbprofileError, match=r"holds no cprofile\.pstats or py-spy output"):
        locate(str(run))


def test_unknown_target_lists_labels(tmp_path: Path) -> None:
    _run(tmp_path, "baseline", "daily", "cprofile.pstats")
    with pytest.raises(RbprofileError, match=r"labels: baseline\)"):
        locate("nope", profiles_dir=tmp_path)
