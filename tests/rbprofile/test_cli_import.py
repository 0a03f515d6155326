"""`rbprofile import`: real profiles of the hotpkg program wrapped into a run directory."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))

from hotprofiles import copy_hotpkg, cprofile_hotpkg, pyspy_hotpkg


@pytest.fixture(scope="module")
def hot(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = copy_hotpkg(tmp_path_factory.mktemp("imp"))
    return cprofile_hotpkg(root, root / "hot.pstats"), pyspy_hotpkg(root, root / "hot.txt")


@pytest.mark.slow
def test_import_writes_a_run_directory_that_analyze_and_compare_read(
    hot: tuple[Path, Path], profiles: Path, cli
) -> None:
    pstats, collapsed = hot
    result = cli(["import", str(pstats), str(collapsed), "--label", "before", "--scenario", "s"])
    assert result.exit_code == 0, result.output
    run = profiles / "before" / "s"
    assert (
        result.stdout.startswith("imported ") and f"into {run} (project hotpkg: " in result.stdout
    )
    names = {p.name for p in run.iterdir()}
    assert {"cprofile.pstats", "functions.parquet", "callers.parquet", "samples.parquet",
            "pyspy.collapsed.txt", "evidence.parquet", "manifest.json"} <= names  # fmt: skip
    assert "timing.json" not in names
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["project"] == "hotpkg"
    assert manifest["profilers"]["cprofile"]["imported_from"] == str(pstats)
    assert manifest["profilers"]["memory"]["status"] == "skipped"
    doc = json.loads(cli(["analyze", "before", "--format", "json"]).stdout)
    assert doc["tables"]["top_self"]["rows"][0]["function"] == "hotpkg.work:loop_heavy"
    assert "Project: hotpkg (recorded by the run; --project to change)." in doc["notes"]

    assert cli(["import", str(pstats), "--label", "after", "--scenario", "s"]).exit_code == 0
    compared = cli(["compare", "before", "after", "--format", "json"])
    assert compared.exit_code == 0, compared.output
    body = json.loads(compared.stdout)
    assert body["tables"]["timing"]["rows"] == []
    assert any("no run-time verdict" in n and "rbprofile run" in n for n in body["notes"])
    functions = body["tables"]["functions"]["rows"]
    assert all(r["status"] != "regressed" for r in functions)  # the same profile on both sides


def test_import_refuses_bad_input_in_one_line(tmp_path: Path, profiles: Path, cli) -> None:
    missing = cli(["import", str(tmp_path / "nope.pstats"), "--label", "x"])
    assert missing.exit_code == 1 and missing.stderr.count("\n") == 1
    assert "is not a file" in missing.stderr
    bad = tmp_path / "bad.pstats"
    bad.write_bytes(b"\x00\x01")
    result = cli(["import", str(bad), "--label", "x"])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1 and str(bad) in result.stderr
    two = cli(["import", str(bad), str(bad), "--label", "x"])
    assert two.exit_code == 1 and "pass one .pstats file" in two.stderr
    assert not (profiles / "x").exists()


@pytest.mark.slow
def test_import_does_not_replace_a_run_without_force(
    hot: tuple[Path, Path], profiles: Path, cli
) -> None:
    pstats, _ = hot
    assert cli(["import", str(pstats), "--label", "a"]).exit_code == 0
    again = cli(["import", str(pstats), "--label", "a"])
    assert again.exit_code == 1 and "pass --force" in again.stderr
    assert cli(["import", str(pstats), "--label", "a", "--force"]).exit_code == 0
