from __future__ import annotations

from pathlib import Path

import pytest

from rbprofile.profilers import pyspy
from rbprofile.profilers.base import ProfilerContext
from rbprofile.runner.childspec import ChildSpec
from rbprofile.runner.orchestrate import profiler_context


def _ctx(tmp_path: Path) -> ProfilerContext:
    return profiler_context(ChildSpec(Path("algo.py"), "smoke"), tmp_path / "run", tmp_path / "w")


def test_missing_binary_fails_the_profiler_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(pyspy.ENV_BINARY, str(tmp_path / "no-py-spy"))
    outcome = pyspy.PySpyProfiler().run(_ctx(tmp_path))
    assert outcome.status == "failed"
    assert outcome.reason == (
        f"py-spy not found at $RBPROFILE_PYSPY={tmp_path / 'no-py-spy'}; install it "
        "(`pip install py-spy`) or point $RBPROFILE_PYSPY at the binary"
    )
    assert outcome.files == []
    assert pyspy.version() is None


def test_py_spy_absent_from_path_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(pyspy.ENV_BINARY, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(pyspy.sys, "executable", str(tmp_path / "python"))
    with pytest.raises(pyspy.PyspyUnavailableError, match="not installed"):
        pyspy.find_binary()


def test_record_command_line() -> None:
    cmd = pyspy.record_cmd(
        "py-spy", "raw", Path("out.txt"), 250, native=True, idle=True, child=["python", "x.py"]
    )
    assert cmd == [
        "py-spy", "record", "--format", "raw", "--output", "out.txt", "--rate", "250",
        "--full-filenames", "--native", "--idle", "--", "python", "x.py",
    ]  # fmt: skip
