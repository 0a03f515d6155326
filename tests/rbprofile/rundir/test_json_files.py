"""The run directory's JSON files: typed round trips, one version policy, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rbprofile.errors import RbprofileError
from rbprofile.rundir.manifest import (
    SCHEMA_VERSION,
    BundleInfo,
    Manifest,
    ProfilerRecord,
    TimingSummary,
    Workload,
    read_manifest,
)
from rbprofile.rundir.memory import read_memory
from rbprofile.rundir.timing import RUN_KEYS, Timing, read_timing
from rbprofile.runner import facts

CONTRACT_KEYS = {
    "schema_version", "label", "scenario", "project", "started", "finished", "versions",
    "platform", "git_commit", "bundle", "scenario_params", "numeric", "timing", "profilers",
}  # fmt: skip


def _manifest() -> Manifest:
    return Manifest(
        label="baseline",
        scenario="smoke",
        started="2026-11-24T00:00:00+00:00",
        project="rustybt",
        versions=facts.versions(),
        platform=facts.platform_info(),
        numeric="decimal",
        bundle=BundleInfo("smoke", "f" * 64, "daily", "2026-10-19", "2026-10-30", 3),
        workload=Workload(strategy="sma_crossover", assets=3, sessions=10),
        timing=TimingSummary(3, (1.0, 1.1, 1.2), (0.2, None, 0.3)),
        profilers={
            "cprofile": ProfilerRecord(
                "ok", None, 1.5, 1.3, ("cprofile.pstats",), {"functions": 9}
            ),
            "pyspy": ProfilerRecord("failed", "py-spy is not installed", details={"native": None}),
        },
    )


def _write(path: Path, obj: object) -> Path:
    path.write_text(json.dumps(obj))
    return path


def test_manifest_round_trips(tmp_path: Path) -> None:
    manifest = _manifest()
    path = _write(tmp_path / "manifest.json", manifest.to_json())
    again = read_manifest(path)
    assert again.to_json() == manifest.to_json()
    assert again.schema_version == SCHEMA_VERSION == 2
    assert again.profiler("cprofile") == manifest.profilers["cprofile"]
    assert dict(again.profilers["pyspy"].details) == {"native": None}
    assert set(manifest.to_json()) >= CONTRACT_KEYS


def test_versions_name_every_registered_profilers_tool() -> None:
    versions = facts.versions()
    assert {
        "rbprofile",
        "rustybt",
        "python",
        "polars",
        "pandas",
        "py_spy",
        "memory_profiler",
    } <= set(versions)


def test_version_1_manifests_are_read_as_rustybt_runs(tmp_path: Path) -> None:
    data = _manifest().to_json() | {"schema_version": 1}
    data.pop("project")
    manifest = read_manifest(_write(tmp_path / "manifest.json", data))
    assert (manifest.schema_version, manifest.project) == (1, "rustybt")


@pytest.mark.parametrize("version", [3, 0, None, "1", True])
def test_unknown_schema_version_is_refused(tmp_path: Path, version: object) -> None:
    path = _write(tmp_path / "manifest.json", _manifest().to_json() | {"schema_version": version})
    with pytest.raises(
        RbprofileError, match=rf"has schema_version {version!r}; this rbprofile reads 1, 2"
    ):
        read_manifest(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{truncated", r"is not valid JSON \(Expecting property name"),
        ("[1, 2]", "holds a JSON list, not an object"),
        ("", "is not valid JSON"),
    ],
)
def test_corrupt_manifests_say_what_to_do(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "manifest.json").write_text(text)
    with pytest.raises(RbprofileError, match=message) as info:
        read_manifest(tmp_path / "manifest.json")
    assert "re-record the run" in info.value.message and "\n" not in info.value.message


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("bundle", 5, "field 'bundle' must be an object, got 5"),
        ("label", ["x"], "field 'label' must be a string"),
        ("profilers", {"cprofile": 3}, "field 'profilers' must be an object of objects"),
    ],
)
def test_wrong_field_types_name_the_field(
    tmp_path: Path, field: str, value: object, expected: str
) -> None:
    path = _write(tmp_path / "manifest.json", _manifest().to_json() | {field: value})
    with pytest.raises(RbprofileError, match=expected):
        read_manifest(path)


def test_profiler_status_must_be_known(tmp_path: Path) -> None:
    data = _manifest().to_json()
    data["profilers"]["cprofile"]["status"] = "fine"
    with pytest.raises(
        RbprofileError, match=r"profilers.cprofile: field 'status' must be ok / failed / skipped"
    ):
        read_manifest(_write(tmp_path / "manifest.json", data))


def test_timing_takes_the_median_of_every_key_and_round_trips(tmp_path: Path) -> None:
    rows = [{k: float(i + n) for n, k in enumerate(RUN_KEYS)} for i in (3, 1, 2)]
    timing = Timing.from_rows(rows)
    assert timing.repeats == 3
    assert dict(timing.median) == {k: float(2 + n) for n, k in enumerate(RUN_KEYS)}
    again = read_timing(_write(tmp_path / "timing.json", timing.to_json()))
    assert again.to_json() == timing.to_json() and again.series("startup_s") == (3.0, 1.0, 2.0)


def test_timing_keys_missing_from_any_run_are_left_out() -> None:
    timing = Timing.from_rows([{"total_wall_s": 1.0, "startup_s": 0.1}, {"total_wall_s": 3.0}])
    assert dict(timing.median) == {"total_wall_s": 2.0}
    assert timing.series("startup_s") is None


def test_timing_with_a_non_number_is_refused(tmp_path: Path) -> None:
    doc = {"schema_version": 1, "repeats": 1, "runs": [{"total_wall_s": "fast"}], "median": {}}
    with pytest.raises(
        RbprofileError, match=r"runs\[0\]: field 'total_wall_s' must be a finite number"
    ):
        read_timing(_write(tmp_path / "timing.json", doc))
    doc["schema_version"] = 2
    with pytest.raises(RbprofileError, match="has schema_version 2; this rbprofile reads 1"):
        read_timing(_write(tmp_path / "timing.json", doc))


def test_memory_samples_must_be_pairs(tmp_path: Path) -> None:
    doc = {"schema_version": 1, "samples": "x", "peak_mib": 3.0}
    with pytest.raises(RbprofileError, match="field 'samples' must be a list"):
        read_memory(_write(tmp_path / "memory.json", doc))
    doc["samples"] = [[0.0, 10.0], [0.1, 12.5]]
    memory = read_memory(_write(tmp_path / "memory.json", doc))
    assert memory.samples == ((0.0, 10.0), (0.1, 12.5)) and memory.peak_mib == 3.0
