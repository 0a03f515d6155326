"""`rbprofile report` through CliRunner: markdown only on stdout, progress on stderr."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from rbprofile.report.build import SECTION_TITLES


def test_report_default_label_writes_only_markdown_to_stdout(
    make_run, profiles, tmp_path, cli
) -> None:
    make_run("baseline")
    result = cli(["report", "--output-dir", str(tmp_path / "docs")])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# Profiling results: baseline\n")
    assert "\x1b" not in result.stdout
    assert "report:" not in result.stdout
    assert [f"report: {t}" for t in SECTION_TITLES] == result.stderr.splitlines()
    for title in SECTION_TITLES:
        assert f"\n## {title}\n" in result.stdout


def test_report_with_compare_and_profiles_dir(
    make_run, profiles: Path, tmp_path, monkeypatch, cli
) -> None:
    make_run("baseline")
    make_run("after")
    monkeypatch.delenv("RBPROFILE_PROFILES_DIR")
    result = cli(
        [
            "report",
            "baseline",
            "after",
            "--compare",
            "baseline",
            "after",
            "--profiles-dir",
            str(profiles),
            "--output-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert "# Profiling results: baseline, after\n" in result.stdout
    assert "`rbprofile report baseline after --compare baseline after`" in result.stdout
    assert (
        "[differential flamegraph, smoke](compare/baseline_vs_after/diff_smoke.svg)"
        in result.stdout
    )


def test_json_report_has_the_markdown_sections(make_run, profiles, tmp_path, cli) -> None:
    make_run("baseline")
    make_run("baseline-float", numeric="float")
    args = ["report", "baseline", "--output-dir", str(tmp_path / "docs")]
    markdown = cli(args).stdout
    result = cli([*args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    headings = [
        (len(line) - len(line.lstrip("#")), line.lstrip("#").strip())
        for line in markdown.splitlines()
        if line.startswith("##")
    ]
    assert [(s["level"], s["title"]) for s in doc["sections"]] == headings
    assert doc["title"] == "Profiling results: baseline"
    cpu = next(s for s in doc["sections"] if s["title"] == "baseline/smoke")
    tables = [b for b in cpu["blocks"] if b["kind"] == "table"]
    assert tables and tables[0]["rows"] and tables[0]["name"] == "top_cumulative"


def test_unknown_label_is_one_line_error_and_exit_1(profiles, tmp_path, cli) -> None:
    result = cli(["report", "missing", "--output-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: no runs for label 'missing'")
    assert result.stderr.count("\n") == 1


@pytest.mark.slow
def test_report_on_a_real_smoke_run(profiles: Path, tmp_path: Path, cli) -> None:
    """`rbprofile run smoke --profiler all` for real (cProfile, py-spy, memory, memray), then
    report."""
    env = {**os.environ, "RBPROFILE_HOME": str(tmp_path / "home")}
    run = [
        sys.executable,
        "-m",
        "rbprofile",
        "run",
        "smoke",
        "--profiler",
        "all",
        "--repeat",
        "3",
        "--label",
        "baseline",
        "--profiles-dir",
        str(profiles),
        "--samples",
        "500",
        "--sample-budget",
        "15",
    ]
    done = subprocess.run(run, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "docs"
    result = cli(["report", "--profiles-dir", str(profiles), "--output-dir", str(out)])
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert [line[3:] for line in text.splitlines() if line.startswith("## ")] == list(
        SECTION_TITLES
    )
    assert "(Decimal, Polars code in profile)" in text
    assert "rustybt.run:run_algorithm" in text
    assert "allocating functions, total allocated (memray, exact, with native frames)" in text
    assert "tracemalloc, lower bound" not in text  # memray's numbers replace it
    assert "[memray.parquet](" in text
    for link in re.findall(r"\]\(([^)]+)\)", text):
        assert Path(os.path.normpath(out / link)).exists(), link
    for chart in ("memory_timeline.svg", "modules.svg"):
        drawn = out / "charts" / f"baseline--smoke--{chart}"
        assert ET.parse(drawn).getroot().tag.endswith("svg")
        assert not (profiles / "baseline" / "smoke" / chart).exists()  # measured data untouched
