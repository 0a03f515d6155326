"""`rbprofile analyze` through the CLI: formats, exit codes, stdout vs stderr."""

from __future__ import annotations

import json
import sys
from io import StringIO
from pathlib import Path

import polars as pl
import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))

from hotprofiles import copy_hotpkg, cprofile_hotpkg, write_pstats


@pytest.fixture(scope="module")
def hot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_hotpkg(tmp_path_factory.mktemp("cli"))
    return cprofile_hotpkg(root, root / "hot.pstats")


@pytest.fixture
def profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hot: Path) -> Path:
    root = tmp_path / "profiles"
    run = root / "baseline" / "daily"
    run.mkdir(parents=True)
    (run / "cprofile.pstats").write_bytes(hot.read_bytes())
    monkeypatch.setenv("RBPROFILE_PROFILES_DIR", str(root))
    monkeypatch.setenv("RBPROFILE_HOME", str(tmp_path / "home"))
    return root


def test_json_by_function(profiles: Path, cli) -> None:
    result = cli(["analyze", "baseline", "--format", "json", "--sort", "self"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["meta"]["target"] == "baseline/daily"
    assert doc["tables"]["top_self"]["rows"][0]["function"] == "hotpkg.work:loop_heavy"
    assert set(doc["tables"]) == {"top_self", "top_cumulative", "bottlenecks"}


def test_csv_modules_round_trip(profiles: Path, cli) -> None:
    args = ["analyze", "baseline", "--by", "module", "--project", "hotpkg", "--depth", "1"]
    result = cli([*args, "--format", "csv", "--top", "50", "--table", "modules"])
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(StringIO(result.stdout))
    assert frame.columns == ["module", "kind", "functions", "self_s", "share"]
    assert frame["module"][0] == "hotpkg"
    assert frame["share"].sum() == pytest.approx(1.0, abs=1e-9)


def test_csv_of_several_tables_asks_for_one(profiles: Path, cli) -> None:
    result = cli(["analyze", "baseline", "--sort", "self", "--format", "csv"])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "error: --format csv writes one table and this output has 3: add --table NAME with "
        "one of: top_self, top_cumulative, bottlenecks\n"
    )
    chosen = cli(
        ["analyze", "baseline", "--sort", "self", "--format", "csv", "--table", "top_self"]
    )
    assert chosen.exit_code == 0, chosen.output
    assert pl.read_csv(StringIO(chosen.stdout))["function"][0] == "hotpkg.work:loop_heavy"


def test_unknown_table_lists_the_names(profiles: Path, cli) -> None:
    result = cli(["analyze", "baseline", "--table", "hotspots"])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "error: no table 'hotspots' here; --table takes one of: top_cumulative, top_self, "
        "bottlenecks\n"
    )
    markdown = cli(["analyze", "baseline", "--table", "bottlenecks", "--format", "markdown"])
    assert markdown.exit_code == 0, markdown.output
    assert markdown.stdout.count("\n## ") == 1 and "Top 20 by" not in markdown.stdout


def test_owner_markdown_and_table(profiles: Path, cli) -> None:
    result = cli(["analyze", "baseline", "--by", "owner", "--project", "hotpkg"])
    assert result.exit_code == 0, result.output
    assert "hotpkg.work:loop_heavy" in result.stdout
    result = cli(
        ["analyze", "baseline", "--by", "owner", "--project", "hotpkg", "--format", "markdown"]
    )
    assert "## Owners (cProfile, estimated)" in result.stdout


def test_targets_and_categories(profiles: Path, cli) -> None:
    args = ["analyze", "baseline", "--by", "category", "--targets", "--project", "hotpkg"]
    result = cli([*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    tables = json.loads(result.stdout)["tables"]
    rows = tables["targets"]["rows"]
    # functions called once at >= 1 ms (polars_call ...) are one-time setup, removed whole, and
    # may outrank it by removable time; the hot loop is the top compiled kernel
    kernels = [r["target"] for r in rows if r["fix"] == "compiled kernel"]
    assert kernels[0] == "hotpkg.work:loop_heavy"
    assert sum(r["share"] for r in tables["categories"]["rows"]) == pytest.approx(1.0)


def test_corrupt_pstats_is_one_line_on_stderr(tmp_path: Path, cli) -> None:
    bad = tmp_path / "bad.pstats"
    bad.write_bytes(b"\x00\x01")
    result = cli(["analyze", str(bad)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0 and str(bad) in result.stderr


def test_missing_label_and_bad_option(profiles: Path, cli) -> None:
    result = cli(["analyze", "nope"])
    assert result.exit_code == 1 and "labels: baseline" in result.stderr
    result = cli(["analyze", "baseline", "--by", "colour"])
    assert result.exit_code == 2


def test_hand_built_file_exact_markdown(tmp_path: Path, cli) -> None:
    main, work = ("/n/app.py", 1, "main"), ("/n/app.py", 5, "work")
    path = write_pstats(
        tmp_path / "h.pstats",
        {main: (1, 1, 1.0, 4.0, {}), work: (3, 3, 3.0, 3.0, {main: (3, 3, 3.0, 3.0)})},
    )
    result = cli(
        ["analyze", str(path), "--by", "module", "--project", "app", "--format", "markdown"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "# rbprofile analyze: h.pstats\n\n"
        f"cProfile: {path} -- 4.0000 s total (pstats total_tt), 2 functions; "
        "shares are of that total.\n\n"
        "Project: app (--project).\n\n"
        "## Self time by module (cProfile)\n\n"
        "| module | kind | functions | self_s | share |\n"
        "| --- | --- | ---: | ---: | ---: |\n"
        "| app | project | 2 | 4.0000 | 100.0% |\n\n"
        "Self time by module (app at depth 3); shares sum to 100%.\n"
    )


@pytest.mark.parametrize(
    ("by", "tables"),
    [
        ("function", {"pyspy_functions"}),
        ("module", {"modules_inclusive"}),
        ("owner", {"owners"}),
    ],
)
def test_pyspy_file_alone(tmp_path: Path, by: str, tables: set[str], cli) -> None:
    path = tmp_path / "stacks.txt"
    path.write_text("main (/n/app.py:2);work (/n/app.py:6) 3\nmain (/n/app.py:3) 1\n")
    result = cli(["analyze", str(path), "--by", by, "--project", "app", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc["tables"]) == tables
    assert doc["meta"]["samples"] == 4


def test_speedup_override_and_bad_value(profiles: Path, cli) -> None:
    args = ["analyze", "baseline", "--targets", "--project", "hotpkg", "--format", "json"]
    result = cli([*args, "--speedup", "loops=7"])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)["tables"]["targets"]["rows"][0]
    # hotpkg's loop_heavy: a loop found statically (no py-spy), its speedup overridden
    assert (row["category"], row["kernel_speedup"]) == ("loops", pytest.approx(7.0))
    result = cli([*args, "--speedup", "bogus=3"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: bad --speedup 'bogus=3'")


def test_the_project_of_a_bare_profile_is_discovered_not_assumed(tmp_path: Path, cli) -> None:
    """A profile of zipline-like code: the project is the package with the most self time
    outside the standard library and the data libraries (pandas here), not rustybt."""
    run = ("/v/lib/python3.11/site-packages/zipline/algorithm.py", 10, "run")
    spot = ("/v/lib/python3.11/site-packages/zipline/data/portal.py", 40, "get_spot_value")
    frame = ("/v/lib/python3.11/site-packages/pandas/core/frame.py", 900, "__getitem__")
    helper = ("/v/lib/python3.11/site-packages/toolz/itertoolz.py", 5, "first")
    stats = {
        run: (1, 1, 0.5, 10.0, {}),
        spot: (100, 100, 2.0, 8.0, {run: (100, 100, 2.0, 8.0)}),
        frame: (100, 100, 6.0, 6.0, {spot: (100, 100, 6.0, 6.0)}),
        helper: (5, 5, 1.5, 1.5, {run: (5, 5, 1.5, 1.5)}),
    }
    path = write_pstats(tmp_path / "z.pstats", stats)
    result = cli(["analyze", str(path), "--by", "owner", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["meta"]["project"] == "zipline"
    assert (
        "Project: zipline (discovered: 100% of the self time outside the standard library and "
        "the data libraries; --project to change)." in doc["notes"]
    )
    owners = {r["owner"]: r["charged_s"] for r in doc["tables"]["owners"]["rows"]}
    assert owners["zipline.data.portal:get_spot_value"] == pytest.approx(8.0)
