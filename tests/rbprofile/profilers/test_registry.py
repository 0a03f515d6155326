"""A profiler added through the registry alone shows up in `run --help`, is run and recorded
in the manifest, and is described by the report's methodology and raw-data sections."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from rbprofile import profilers
from rbprofile.cli.app import build_app
from rbprofile.profilers.base import PLAIN, Profiler, ProfilerContext, ProfilerOutcome
from rbprofile.report import methodology, raw_data
from rbprofile.report.model import LinkBase, ReportContext
from rbprofile.report.render import section_markdown
from rbprofile.rundir.locate import label_runs
from rbprofile.runner.orchestrate import run_profiles
from rbprofile.runner.request import RunRequest, parse_profilers
from rustybt.data.bundles import Bundle

FAKE_FILE = "fake.txt"


class FakeProfiler(Profiler):
    """Times one plain child and writes its wall time to fake.txt."""

    name = "fake"
    title = "Fake timer"
    summary = "a stopwatch around one plain run (test profiler)"
    methodology = "Fake timer runs the backtest once more and writes its wall time."
    files = (FAKE_FILE,)
    in_all = False

    def run(self, ctx: ProfilerContext) -> ProfilerOutcome:
        finished, _result = ctx.run_child(PLAIN, ctx.work / self.name)
        (ctx.run_dir / FAKE_FILE).write_text(f"{finished.wall_s:.6f}\n")
        return ProfilerOutcome("ok", wall_s=finished.wall_s, files=[FAKE_FILE], details={"n": 1})


@pytest.fixture
def fake() -> Iterator[FakeProfiler]:
    profiler = FakeProfiler()
    profilers.register(profiler)
    yield profiler
    profilers.unregister(profiler.name)


def test_fake_profiler_is_listed_in_run_help_and_parsed(fake: FakeProfiler, cli) -> None:
    result = cli(["run", "--help"], build_app())
    assert result.exit_code == 0
    assert "fake (not in all): a stopwatch around one plain run" in " ".join(result.stdout.split())
    assert parse_profilers(["fake,cprofile"]) == ("cprofile", "fake")
    assert "fake" not in parse_profilers(["all"])


@pytest.mark.slow
def test_fake_profiler_runs_into_the_manifest_and_the_report(
    fake: FakeProfiler, smoke_bundle: Bundle, profiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RBPROFILE_HOME", str(smoke_bundle.path.parent.parent))
    profiles_dir = profiles
    run_profiles(RunRequest("smoke", ("fake",), label="faked", repeat=1, profiles_dir=profiles_dir))
    run_dir = profiles_dir / "faked" / "smoke"
    manifest = json.loads((run_dir / "manifest.json").read_text())
    record = manifest["profilers"]["fake"]
    assert (record["status"], record["files"], record["n"]) == ("ok", [FAKE_FILE], 1)
    assert record["overhead"] > 0
    assert manifest["profilers"]["cprofile"]["status"] == "skipped"
    assert float((run_dir / FAKE_FILE).read_text()) > 0
    ctx = ReportContext(
        ("faked",), tuple(label_runs("faked", profiles)), LinkBase(profiles), profiles
    )
    text = section_markdown(methodology.section(ctx))
    assert "- Fake timer runs the backtest once more and writes its wall time." in text
    assert "| fake overhead |" in text
    assert f"| [{FAKE_FILE}](" in section_markdown(raw_data.section(ctx))
