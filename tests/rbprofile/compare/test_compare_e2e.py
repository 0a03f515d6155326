"""End to end: real `rbprofile run` (cProfile + py-spy) under two labels, then `compare`."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest


@pytest.mark.slow
def test_real_runs_compare(profiles: Path, tmp_path: Path, cli) -> None:
    assert cli(["ingest", "smoke"]).exit_code == 0
    for label in ("before", "after"):
        args = ["run", "smoke", "--profiler", "cprofile,pyspy", "--repeat", "3", "--label", label]
        done = cli([*args, "--samples", "500", "--sample-budget", "15"])
        assert done.exit_code == 0, done.stderr
    flames = tmp_path / "flames"
    args = ["compare", "before", "after", "--format", "json", "--flamegraph-dir", str(flames)]
    result = cli([*args, "--fail-on-regression", "1000"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    (timing,) = doc["tables"]["timing"]["rows"]
    assert (timing["scenario"], timing["measure"], timing["n"]) == ("smoke", "sim CPU", "3/3")
    assert timing["p"] is not None
    functions = doc["tables"]["functions"]["rows"]
    assert functions, "both sides ran cProfile, so some function changed"
    assert {row["scenario"] for row in functions} == {"smoke"}
    modules = {row["module"] for row in doc["tables"]["modules"]["rows"]}
    assert "rustybt.finance.decimal" in modules or "rustybt.finance" in modules
    assert doc["tables"]["categories"]["rows"]
    svg = ET.parse(flames / "diff_smoke.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    titles = [t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}title")]
    # one node: py-spy's sometimes-unwound thread-start frames do not split the stack
    (run_algorithm,) = [t for t in titles if t.startswith("run_algorithm (rustybt/run.py): ")]
    assert not run_algorithm.startswith("run_algorithm (rustybt/run.py): before 0.00%")  # matched
