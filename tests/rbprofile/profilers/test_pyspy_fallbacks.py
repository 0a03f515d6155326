"""py-spy refusing --native or ptrace, simulated by a wrapper in front of the real binary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rbprofile.profilers import pyspy
from rbprofile.profilers.base import ProfilerContext
from rbprofile.runner.childspec import ChildSpec
from rbprofile.runner.orchestrate import profiler_context
from rustybt.data.bundles import Bundle

REFUSE_NATIVE = """#!/bin/sh
for a in "$@"; do
  if [ "$a" = "--native" ]; then echo "Error: native unwinding is unsupported" >&2; exit 1; fi
done
exec {real} "$@"
"""
NO_PTRACE = """#!/bin/sh
echo "Error: Failed to attach: Operation not permitted (os error 1)" >&2
exit 1
"""


def _wrapper(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    real = pyspy.find_binary()
    script = tmp_path / "py-spy-wrapper"
    script.write_text(text.format(real=real))
    script.chmod(0o755)
    monkeypatch.setenv(pyspy.ENV_BINARY, str(script))


def _ctx(tmp_path: Path, bundle: str = "smoke") -> ProfilerContext:
    algo = Path(__file__).parents[3] / "rustybt" / "examples" / "sma_crossover.py"
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    # a small sampling goal: these tests are about py-spy's refusals, not about the evidence
    options = {"samples": 100, "sample_budget_s": 20.0}
    return profiler_context(ChildSpec(algo, bundle), run_dir, tmp_path / "work", options=options)


def test_ptrace_refusal_says_how_to_grant_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _wrapper(tmp_path, NO_PTRACE, monkeypatch)
    outcome = pyspy.PySpyProfiler().run(_ctx(tmp_path))
    assert outcome.status == "failed"
    assert outcome.reason is not None
    assert outcome.reason.startswith("py-spy is not permitted to trace the child")
    assert "--cap-add SYS_PTRACE" in outcome.reason
    assert "Operation not permitted" in outcome.reason
    assert outcome.details["native"] is False  # retried without --native before giving up


@pytest.mark.slow
def test_native_refused_records_without_it(
    smoke_bundle: Bundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RBPROFILE_HOME", str(smoke_bundle.path.parent.parent))
    _wrapper(tmp_path, REFUSE_NATIVE, monkeypatch)
    ctx = _ctx(tmp_path)
    outcome = pyspy.PySpyProfiler().run(ctx)
    assert outcome.status == "ok", outcome.reason
    assert outcome.details["native"] is False
    assert outcome.files == [
        "pyspy.collapsed.txt",
        "pyspy_runs.parquet",
        "pyspy.svg",
        "pyspy.speedscope.json",
        "samples.parquet",
    ]
    collapsed = (ctx.run_dir / "pyspy.collapsed.txt").read_text()
    assert ".so)" not in collapsed and ".so." not in collapsed  # no native frames
    assert json.loads((ctx.run_dir / "pyspy.speedscope.json").read_text())["profiles"]
