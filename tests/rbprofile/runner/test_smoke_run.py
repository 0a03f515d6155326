"""The whole `run` core on the smoke scenario with the real profilers (slow)."""

from __future__ import annotations

import json
import pstats
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from rbprofile.rundir.timing import RUN_KEYS
from rbprofile.runner.orchestrate import RunSummary, StepEvent, run_profiles
from rbprofile.runner.request import RunRequest
from rbprofile.schema import FUNCTIONS_SCHEMA
from rustybt.data.bundles import Bundle

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def smoke_run(
    smoke_bundle: Bundle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, RunSummary, list[StepEvent]]]:
    events: list[StepEvent] = []
    profiles = tmp_path_factory.mktemp("profiles")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RBPROFILE_HOME", str(smoke_bundle.path.parent.parent))
        mp.delenv("RBPROFILE_PYSPY", raising=False)
        request = RunRequest(
            "smoke", ("cprofile", "pyspy", "memory"), repeat=2, profiles_dir=profiles, samples=300
        )
        summary = run_profiles(request, events.append)
    yield profiles / "baseline" / "smoke", summary, events


def _manifest(run_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((run_dir / "manifest.json").read_text())
    return data


def test_summary_and_progress_events(smoke_run: tuple[Path, RunSummary, list[StepEvent]]) -> None:
    run_dir, summary, events = smoke_run
    assert [r.scenario for r in summary.results] == ["smoke"]
    assert summary.results[0].path == run_dir
    assert not summary.failed
    steps = [(e.step, e.state) for e in events]
    assert steps == [
        ("timing", "start"), ("timing", "progress"), ("timing", "progress"), ("timing", "ok"),
        ("cprofile", "start"), ("cprofile", "ok"),
        ("pyspy", "start"), ("pyspy", "ok"), ("memory", "start"), ("memory", "ok"),
        ("annotate", "start"), ("annotate", "ok"),
    ]  # fmt: skip
    assert [e.detail for e in events if e.state == "progress"] == ["1/2", "2/2"]
    assert all(e.elapsed_s is not None and e.elapsed_s > 0 for e in events if e.state == "ok")
    assert sorted(p.name for p in run_dir.parent.iterdir()) == ["smoke"]  # no tmp, no lock


def test_pstats_holds_the_ledger_the_portal_and_the_strategy(
    smoke_run: tuple[Path, RunSummary, list[StepEvent]],
) -> None:
    run_dir = smoke_run[0]
    stats = pstats.Stats(str(run_dir / "cprofile.pstats"))
    files = {file for file, _line, _name in stats.stats}  # type: ignore[attr-defined]
    assert any(f.endswith("rustybt/finance/decimal/ledger.py") for f in files)
    assert any(f.endswith("rustybt/data/polars/portal.py") for f in files)
    assert any(f.endswith("rustybt/examples/sma_crossover.py") for f in files)
    assert not any(f.endswith("rbprofile/runner/child.py") for f in files)  # backtest call only
    summary = (run_dir / "cprofile_summary.txt").read_text()
    assert "ncalls  tottime  percall  cumtime  percall" in summary
    assert "Ordered by: cumulative time" in summary
    assert "restriction <20>" in summary
    functions = pl.read_parquet(run_dir / "functions.parquet")
    assert functions.schema == FUNCTIONS_SCHEMA
    callers = pl.read_parquet(run_dir / "callers.parquet")
    assert callers.height > 0 and set(callers["callee_key"]) <= set(functions["key"])
    assert functions["decided_by"].null_count() == 0
    assert pl.read_parquet(run_dir / "evidence.parquet").height > 0
    assert functions.height == len(stats.stats)  # type: ignore[attr-defined]
    assert "rustybt.run:run_algorithm" in functions["key"].to_list()
    # annotated once every profiler ran: one category each; owners are rustybt functions
    assert functions["category"].null_count() == 0 and functions["owner"].null_count() == 0
    row = functions.row(by_predicate=pl.col("key") == "rustybt.run:run_algorithm", named=True)
    assert row["owner"] == "rustybt.run:run_algorithm"  # a project function owns itself
    history = functions.row(
        by_predicate=pl.col("key") == "rustybt.data.polars.portal:PolarsDataPortal.history",
        named=True,
    )
    assert history["category"] == "data processing"  # the project-data rule


def test_pyspy_outputs(smoke_run: tuple[Path, RunSummary, list[StepEvent]]) -> None:
    run_dir = smoke_run[0]
    svg = ET.parse(run_dir / "pyspy.svg").getroot()
    assert svg.tag.endswith("svg")
    speedscope = json.loads((run_dir / "pyspy.speedscope.json").read_text())
    frames = speedscope["shared"]["frames"]
    assert any(f.get("file", "").endswith("rustybt/run.py") for f in frames)
    assert any(p["samples"] for p in speedscope["profiles"])
    lines = (run_dir / "pyspy.collapsed.txt").read_text().splitlines()
    assert lines and all(line.rsplit(" ", 1)[1].isdigit() for line in lines)
    assert any("run_algorithm (/" in line and "/rustybt/run.py:" in line for line in lines)
    if _manifest(run_dir)["profilers"]["pyspy"]["native"]:
        assert any(".so" in line.split(";")[-1] or ".so)" in line for line in lines)


def test_memory_json(smoke_run: tuple[Path, RunSummary, list[StepEvent]]) -> None:
    memory = json.loads((smoke_run[0] / "memory.json").read_text())
    assert memory["schema_version"] == 1
    assert memory["interval_s"] == 0.1
    assert len(memory["samples"]) >= 3
    assert memory["peak_mib"] > memory["baseline_mib"] > 0
    assert memory["peak_mib"] == max(m for _t, m in memory["samples"])
    assert memory["rss_includes_tracemalloc"] is True
    assert 0 < memory["marks"]["before_run"] < memory["marks"]["after_run"]
    assert memory["tracemalloc"]["top_by_peak"] and memory["tracemalloc"]["top_by_total"]
    assert set(memory["gc"]["collections"]) == {"0", "1", "2"}
    assert {f["name"] for f in memory["polars_frames"]} >= {"bars"}


def test_manifest_and_timing(
    smoke_run: tuple[Path, RunSummary, list[StepEvent]], smoke_bundle: Bundle
) -> None:
    run_dir = smoke_run[0]
    manifest = _manifest(run_dir)
    assert manifest["schema_version"] == 2 and manifest["project"] == "rustybt"
    assert (manifest["label"], manifest["scenario"], manifest["numeric"]) == (
        "baseline", "smoke", "decimal",
    )  # fmt: skip
    assert manifest["bundle"]["content_hash"] == smoke_bundle.metadata.content_hash
    params = manifest["scenario_params"]
    assert (params["strategy"], params["sessions"], params["bars"], params["assets"]) == (
        "sma_crossover", 10, 10, 3,
    )  # fmt: skip
    assert (params["start"], params["end"]) == ("2026-10-19", "2026-10-30")
    profilers = manifest["profilers"]
    ran = {n: p for n, p in profilers.items() if p["status"] != "skipped"}
    assert {n: p["status"] for n, p in ran.items()} == dict.fromkeys(
        ("cprofile", "pyspy", "memory"), "ok"
    )
    assert profilers["memray"]["status"] == "skipped"  # the fixture runs these three
    assert profilers["pyspy"]["native"] in (True, False)
    assert all(p["overhead"] > 0 for p in ran.values())
    timing = json.loads((run_dir / "timing.json").read_text())
    assert timing["repeats"] == manifest["timing"]["repeats"] == 2
    assert [set(r) for r in timing["runs"]] == [set(RUN_KEYS)] * 2
    for run in timing["runs"]:
        assert 0 < run["startup_s"] < run["total_wall_s"]
        parts = run["startup_s"] + run["import_s"] + run["load_wall_s"] + run["simulate_wall_s"]
        assert parts < run["total_wall_s"]
    assert manifest["timing"]["wall_s"] == [r["total_wall_s"] for r in timing["runs"]]
    events = [json.loads(line)["event"] for line in (run_dir / "run.log.jsonl").open()]
    assert events[0] == "run_start" and events[-1] == "run_complete"
