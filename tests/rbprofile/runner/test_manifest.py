from __future__ import annotations

import json
from pathlib import Path

import pytest

from rbprofile.errors import RbprofileError
from rbprofile.runner.manifest import SCHEMA_VERSION, base_manifest, load_manifest, write_json

CONTRACT_KEYS = {
    "schema_version", "label", "scenario", "started", "finished", "versions", "platform",
    "git_commit", "bundle", "scenario_params", "numeric", "timing", "profilers",
}  # fmt: skip


def _manifest() -> dict[str, object]:
    return base_manifest(
        label="baseline", scenario="smoke", started="2026-11-24T00:00:00+00:00",
        numeric="decimal", pyspy_version="0.4.3",
    )  # fmt: skip


def test_manifest_round_trips(tmp_path: Path) -> None:
    manifest = _manifest()
    write_json(tmp_path / "manifest.json", manifest)
    assert load_manifest(tmp_path) == json.loads(json.dumps(manifest))
    assert load_manifest(tmp_path / "manifest.json")["schema_version"] == SCHEMA_VERSION == 1


def test_manifest_carries_the_contract_fields() -> None:
    manifest = _manifest()
    assert set(manifest) >= CONTRACT_KEYS
    versions = manifest["versions"]
    assert isinstance(versions, dict)
    assert set(versions) == {
        "rbprofile", "rustybt", "python", "polars", "pandas", "py_spy", "memory_profiler",
    }  # fmt: skip
    assert versions["py_spy"] == "0.4.3"
    assert set(manifest["platform"]) == {"system", "release", "machine", "cpu", "cpu_count"}  # type: ignore[arg-type]


@pytest.mark.parametrize("version", [2, 0, None, "1"])
def test_unknown_schema_version_is_refused(tmp_path: Path, version: object) -> None:
    write_json(tmp_path / "manifest.json", {**_manifest(), "schema_version": version})
    with pytest.raises(RbprofileError, match=f"schema_version {version!r}, this rbprofile reads 1"):
        load_manifest(tmp_path)


def test_missing_and_corrupt_manifests_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(RbprofileError, match=r"no manifest .* run `rbprofile run` first"):
        load_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text("{truncated")
    with pytest.raises(RbprofileError, match="not valid JSON"):
        load_manifest(tmp_path)
