"""`rbprofile compare` through CliRunner: exit codes, stdout vs stderr, formats."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from compare_fixtures import write_run

STEADY = [1.00, 1.01, 0.99, 1.02, 0.98]
SLOWER_25 = [1.25, 1.26, 1.24, 1.27, 1.23]
NOISY = [1.01, 0.96, 1.04, 0.99, 1.00]


def _two_labels(profiles: Path, after: list[float]) -> None:
    write_run(profiles, "base", "daily", STEADY)
    write_run(profiles, "new", "daily", after)


def test_fail_on_regression_exit_codes(profiles: Path, cli) -> None:
    _two_labels(profiles, SLOWER_25)
    result = cli(["compare", "base", "new", "--fail-on-regression", "10"])
    assert result.exit_code == 3
    assert "regression beyond 10%: daily (+25.0%)" in result.stderr
    assert "1.25x slower" in result.stdout
    assert "regression" not in result.stdout
    ok = cli(["compare", "base", "new", "--fail-on-regression", "30"])
    assert ok.exit_code == 0
    assert ok.stderr == ""


def test_noise_passes_fail_on_regression(profiles: Path, cli) -> None:
    _two_labels(profiles, NOISY)
    result = cli(["compare", "base", "new", "--fail-on-regression", "0"])
    assert result.exit_code == 0
    assert "not significant" in result.stdout


def test_without_threshold_a_regression_exits_zero(profiles: Path, cli) -> None:
    _two_labels(profiles, SLOWER_25)
    assert cli(["compare", "base", "new"]).exit_code == 0


def test_json_and_csv(profiles: Path, cli) -> None:
    _two_labels(profiles, SLOWER_25)
    result = cli(["compare", "base", "new", "--format", "json"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    (row,) = doc["tables"]["timing"]["rows"]
    assert (row["scenario"], row["verdict"], row["result"]) == ("daily", "slower", "1.25x slower")
    assert doc["meta"]["geomean_speedup"] == 1.0 / 1.25
    csv = cli(["compare", "base", "new", "--format", "csv", "--table", "timing"])
    frame = pl.read_csv(csv.stdout.encode())
    assert frame["verdict"].to_list() == ["slower"]


def test_markdown_names_measure_and_one_sided_scenario(profiles: Path, cli) -> None:
    _two_labels(profiles, SLOWER_25)
    write_run(profiles, "base", "hourly", STEADY)
    result = cli(["compare", "base", "new", "--format", "markdown"])
    assert result.exit_code == 0
    assert result.stdout.startswith("# Comparison: base -> new\n")
    row = "| daily | sim CPU | 1.0000 | 0.0158 | 1.2500 | 0.0158 | 5/5 | 0.000 | 1.25x slower |"
    assert row in result.stdout
    assert "Only in base (not compared): hourly." in result.stdout


def test_domain_error_is_one_line_on_stderr(profiles: Path, cli) -> None:
    result = cli(["compare", "base", "new"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: no run directory or label 'base' under ")
    assert result.stderr.count("\n") == 1


def test_flamegraph_dir_option(profiles: Path, tmp_path: Path, cli) -> None:
    stacks = "main (/p/run.py:1);work (/p/run.py:5) 10\n"
    write_run(profiles, "base", "daily", STEADY, collapsed=stacks)
    write_run(profiles, "new", "daily", SLOWER_25, collapsed=stacks)
    out = tmp_path / "fg"
    args = ["compare", "base", "new", "--flamegraph-dir", str(out), "--format", "json"]
    first = cli(args)
    assert first.exit_code == 0
    assert json.loads(first.stdout)["meta"]["flamegraphs"] == {"daily": str(out / "diff_daily.svg")}
    again = cli(args)
    assert again.exit_code == 1
    assert "pass --force" in again.stderr
    assert cli([*args, "--force"]).exit_code == 0


def test_label_slash_scenario_compares_that_run(profiles: Path, cli) -> None:
    _two_labels(profiles, SLOWER_25)
    write_run(profiles, "base", "hourly", STEADY)
    result = cli(["compare", "base/daily", "new/daily", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [row["scenario"] for row in doc["tables"]["timing"]["rows"]] == ["daily"]


def test_missing_label_slash_scenario_suggests_recording_that_scenario(profiles: Path, cli) -> None:
    _two_labels(profiles, STEADY)
    result = cli(["compare", "base/minute", "new"])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (
        f"error: no run directory or label 'base/minute' under {profiles}; record it with "
        "`rbprofile run minute --label base` or pass --profiles-dir\n"
    )


def test_partial_scenarios_are_listed_with_their_reason(profiles: Path, cli) -> None:
    write_run(profiles, "base", "daily", STEADY)
    partial = profiles / "new" / "daily"
    partial.mkdir(parents=True)
    (partial / "manifest.json").write_text(json.dumps({"schema_version": 1, "label": "new"}))
    result = cli(["compare", "base", "new"])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (
        "error: no scenario has complete runs on both sides (base: daily; new: daily (partial: "
        "no timing repeats recorded (an interrupted or partial run?))); run the missing "
        "scenarios with `rbprofile run`\n"
    )


def test_project_option_regroups_modules(profiles: Path, cli) -> None:
    """Modules of the project are shown at depth 3, others by top-level package: --project
    decides which is which (the runs here recorded no project: rustybt by default)."""
    rows = [("eng.data.portal:Portal.get", "/e/eng/data/portal.py", 1, 10, 0.5, 0.5, None)]
    write_run(profiles, "base", "daily", STEADY, functions=rows)
    write_run(profiles, "new", "daily", STEADY, functions=rows)
    default = json.loads(cli(["compare", "base", "new", "--format", "json"]).stdout)
    chosen = json.loads(
        cli(["compare", "base", "new", "--project", "eng", "--format", "json"]).stdout
    )
    assert [r["module"] for r in default["tables"]["modules"]["rows"]] == ["eng"]
    assert [r["module"] for r in chosen["tables"]["modules"]["rows"]] == ["eng.data.portal"]
