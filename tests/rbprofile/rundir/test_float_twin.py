"""The float-mode twin of a decimal run: same scenario, same bundle data, preferring
`<label>-float`, then the latest finished."""

from __future__ import annotations

import json
from pathlib import Path

from rbprofile.rundir.locate import float_twin
from rbprofile.rundir.run import Run


def manifest(run: Path, numeric: str, content_hash: str, finished: str) -> Path:
    run.mkdir(parents=True)
    doc = {"schema_version": 1, "label": run.parent.name, "scenario": run.name,
           "numeric": numeric, "finished": finished,
           "bundle": {"name": run.name, "content_hash": content_hash}}  # fmt: skip
    (run / "manifest.json").write_text(json.dumps(doc))
    return run


def twin_path(run: Path) -> Path | None:
    found = float_twin(Run.directory(run))
    return None if found is None else found.path


def test_prefers_label_float_then_latest(tmp_path: Path) -> None:
    base = manifest(tmp_path / "base" / "daily", "decimal", "H", "2026-11-01T00:00:00+00:00")
    manifest(tmp_path / "later" / "daily", "float", "H", "2026-11-03T00:00:00+00:00")
    manifest(tmp_path / "other-bundle" / "daily", "float", "G", "2026-11-04T00:00:00+00:00")
    manifest(tmp_path / "decimal-too" / "daily", "decimal", "H", "2026-11-05T00:00:00+00:00")
    assert twin_path(base) == tmp_path / "later" / "daily"
    twin = manifest(tmp_path / "base-float" / "daily", "float", "H", "2026-11-02T00:00:00+00:00")
    assert twin_path(base) == twin
    assert twin_path(twin) is None  # a float run has no float twin


def test_without_manifest_is_none(tmp_path: Path) -> None:
    (tmp_path / "x" / "daily").mkdir(parents=True)
    assert twin_path(tmp_path / "x" / "daily") is None
