from __future__ import annotations

from pathlib import Path

from rbprofile.profilers.base import ProfilerOutcome, failed
from rbprofile.render import OutputFormat, render
from rbprofile.render.json_out import to_obj
from rbprofile.runner.orchestrate import RunSummary, ScenarioResult, profiler_record
from rbprofile.runner.summary import summary_document


def _summary() -> RunSummary:
    profilers = {
        "cprofile": profiler_record(ProfilerOutcome("ok", wall_s=3.0), 2.0),
        "pyspy": profiler_record(failed("py-spy is not installed (not on PATH); install it"), 2.0),
        "memory": profiler_record(ProfilerOutcome("skipped", reason="not requested"), 2.0),
        "memray": profiler_record(ProfilerOutcome("ok", wall_s=12.0), 2.0),
    }
    timing = {"total_wall_s": 2.0, "run_wall_s": 0.6, "simulate_wall_s": 0.5}
    return RunSummary(
        "baseline", [ScenarioResult("daily", Path("p/baseline/daily"), timing, profilers)]
    )


def test_summary_rows_statuses_and_failure_notes() -> None:
    summary = _summary()
    assert summary.failed
    doc = summary_document(summary)
    assert doc.table("runs").frame.to_dicts() == [
        {
            "scenario": "daily",
            "wall_median_s": 2.0,
            "run_median_s": 0.6,
            "simulate_median_s": 0.5,
            "cprofile": "ok (1.50x)",
            "pyspy": "failed",
            "memory": "skipped",
            "memray": "ok (6.00x)",
            "path": str(Path("p/baseline/daily")),
        }
    ]
    assert doc.notes == ("daily: pyspy failed: py-spy is not installed (not on PATH); install it",)
    assert to_obj(doc)["meta"]["failed"] is True  # type: ignore[index]


def test_summary_renders_in_every_run_format() -> None:
    from io import StringIO

    for fmt in (OutputFormat.table, OutputFormat.json):
        out = StringIO()
        render(summary_document(_summary()), fmt, out)
        assert "daily" in out.getvalue()
