"""py-spy's failure reason is its own `Error:` line, not the tail of its Rust backtrace."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from rbprofile.process import spawn, spawn_all
from rbprofile.profilers import pyspy
from rbprofile.profilers.base import ProfilerContext, ProfilerOutcome


def _run(tmp_path: Path, program: str, **options: float) -> tuple[Path, ProfilerOutcome]:
    """py-spy at 1 Hz over children running `program` (a real py-spy; skipped without one)."""
    try:
        pyspy.find_binary()
    except pyspy.PyspyUnavailableError as exc:
        pytest.skip(str(exc))
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    ctx = ProfilerContext(
        run_dir=run_dir,
        work=tmp_path / "work",
        child_argv=lambda _mode, out: [sys.executable, "-c", program, str(out)],
        spawn=spawn,
        spawn_all=spawn_all,
        run_child=lambda *a, **k: pytest.fail("py-spy records a plain child itself"),
        rate_hz=1,
        options=dict(options),
    )
    return run_dir, pyspy.PySpyProfiler().run(ctx)


# a real program that completes (writes result.json) but only ever sleeps: py-spy's idle
# samples fill the raw file, the flamegraph (recorded without --idle) has no stack at all
IDLE = "import sys, time, pathlib; pathlib.Path(sys.argv[1], 'result.json').write_text('{}'); "
IDLE += "time.sleep(3)"


@pytest.mark.slow
def test_no_samples_is_said_in_py_spys_own_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUST_BACKTRACE", "1")  # py-spy then prints a backtrace after its error
    # a few sampling children, then the flamegraph. py-spy samples at random (exponentially
    # distributed) intervals, so even at 1 Hz it now and then catches the picture's child in
    # the tens of milliseconds it spends starting or exiting (CPU, not idle; seen once in CI):
    # then there is a picture, and the recording is tried again
    for attempt in range(3):
        tries = tmp_path / f"attempt-{attempt}"
        tries.mkdir()
        run_dir, outcome = _run(tries, IDLE, sample_budget_s=8)
        if outcome.status != "ok":
            break
    assert outcome.status == "failed"
    assert outcome.reason == (
        "py-spy recorded no samples (Failed to write flamegraph: No stack counts found): "
        "raise --rate or profile a longer run"
    )
    assert list(run_dir.iterdir()) == []  # the sampled stacks went with the failure
    log = (tries / "work" / "pyspy-flamegraph" / "pyspy.log").read_text()
    assert "Stack backtrace:" in log  # what the reason used to end with


# completes in well under py-spy's first sample at 1 Hz: the raw file is written, and empty
BRIEF = "import sys, time, pathlib; pathlib.Path(sys.argv[1], 'result.json').write_text('{}'); "
BRIEF += "time.sleep(0.2)"


@pytest.mark.slow
def test_children_with_no_samples_add_none_and_the_run_says_so(tmp_path: Path) -> None:
    run_dir, outcome = _run(tmp_path, BRIEF, sample_budget_s=4, run_s=0.2, startup_s=0.1)
    assert outcome.status == "failed"
    # one directory per child (a second one, without -native, where --native is refused)
    raw = list((tmp_path / "work").glob("pyspy-raw-*/pyspy.collapsed.txt"))
    children = {p.parent.name.split("-")[2] for p in raw}
    assert len(children) > 1  # an empty child is no failure: sampling went on
    assert any(p.stat().st_size == 0 for p in raw)
    if all(p.stat().st_size == 0 for p in raw):
        assert outcome.reason == (
            f"py-spy recorded no samples in {len(children)} sampling children: "
            "raise --rate or profile a longer run"
        )
    else:  # on a loaded machine py-spy may catch a child starting up: then the picture fails
        assert outcome.reason == (
            "py-spy recorded no samples (Failed to write flamegraph: No stack counts found): "
            "raise --rate or profile a longer run"
        )
    assert list(run_dir.iterdir()) == []  # nothing half-written
