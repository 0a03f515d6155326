"""A py-spy that writes garbage: the run records py-spy failed with the reason, and analyze
still reads the run (cProfile views, py-spy named as not used).

The real py-spy records the real backtest; a wrapper in front of it then overwrites the raw
(collapsed) output with `GARBAGE`, the way a crashed or mismatched py-spy could leave it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rbprofile.profilers import pyspy
from rustybt.data.bundles import Bundle

CORRUPT_RAW = """#!/bin/sh
{real} "$@"
rc=$?
out=""; fmt=""; prev=""
for a in "$@"; do
  [ "$prev" = "--output" ] && out="$a"
  [ "$prev" = "--format" ] && fmt="$a"
  prev="$a"
done
if [ "$fmt" = "raw" ] && [ -f "$out" ]; then printf 'not py-spy output\\n' > "$out"; fi
exit $rc
"""


@pytest.mark.slow
def test_garbage_stacks_fail_pyspy_and_keep_the_run_usable(
    smoke_bundle: Bundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    wrapper = tmp_path / "py-spy-corrupting"
    wrapper.write_text(CORRUPT_RAW.format(real=pyspy.find_binary()))
    wrapper.chmod(0o755)
    monkeypatch.setenv(pyspy.ENV_BINARY, str(wrapper))
    monkeypatch.setenv("RBPROFILE_HOME", str(smoke_bundle.path.parent.parent))
    profiles = tmp_path / "profiles"
    monkeypatch.setenv("RBPROFILE_PROFILES_DIR", str(profiles))

    args = ["run", "smoke", "--profiler", "cprofile,pyspy", "--repeat", "1", "--label", "g"]
    args += ["--samples", "200"]  # the first child's stacks are already garbage
    result = cli(args)
    assert result.exit_code == 1, result.output  # a profiler failed
    run_dir = profiles / "g" / "smoke"
    record = json.loads((run_dir / "manifest.json").read_text())["profilers"]["pyspy"]
    assert record["status"] == "failed"
    assert record["reason"].startswith(
        "py-spy wrote unreadable stacks: not a py-spy raw line (no sample count): "
    )
    assert not (run_dir / "samples.parquet").exists()

    analyzed = cli(["analyze", "g", "--format", "json"])
    assert analyzed.exit_code == 0, analyzed.output
    doc = json.loads(analyzed.stdout)
    assert set(doc["tables"]) == {"top_cumulative", "top_self", "bottlenecks"}
    assert any(n.startswith("py-spy: not used (") for n in doc["notes"])
