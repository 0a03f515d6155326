"""Ctrl-C (and SIGTERM) during `rbprofile ingest --force`: out within a second, exit 130/143,
the bundle that was there stays as it was, no temporary directory left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rbprofile.cli.app import INTERRUPTED
from rbprofile.ingest import ingest
from rustybt.data.bundles import load_bundle

pytestmark = pytest.mark.slow


def _loaded(pid: int) -> bool:
    """The engine's data libraries are mapped: ingest is synthesizing bars."""
    try:
        return "polars" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stop_signal_during_ingest_keeps_the_old_bundle(
    tmp_path: Path, sig: int, code: int
) -> None:
    root = tmp_path / "home" / "bundles"
    (old,) = ingest("daily", assets=2, root=root)
    meta = (root / "daily" / "metadata.json").read_text()
    env = {**os.environ, "RBPROFILE_HOME": str(root.parent)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rbprofile", "ingest", "daily", "--force", "--assets", "20000"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not _loaded(proc.pid):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    time.sleep(1.0)
    assert proc.poll() is None, "ingest ended before the signal: raise --assets"
    sent = time.monotonic()
    os.kill(proc.pid, sig)
    stdout, stderr = proc.communicate(timeout=60)
    elapsed = time.monotonic() - sent
    assert (proc.returncode, stdout) == (code, "")
    by = "" if sig == signal.SIGINT else f" by {signal.Signals(sig).name}"
    assert stderr.rstrip("\n").splitlines()[-1] == INTERRUPTED.replace(
        "interrupted", f"interrupted{by}", 1
    )
    assert "Traceback" not in stderr
    assert elapsed < 1.0, f"took {elapsed:.2f} s"
    assert sorted(p.name for p in root.iterdir()) == ["daily"]
    assert (root / "daily" / "metadata.json").read_text() == meta
    assert json.loads(meta)["asset_count"] == old.asset_count == 2


def test_ctrl_c_while_run_ingests_a_missing_bundle(tmp_path: Path) -> None:
    import threading

    root = tmp_path / "home" / "bundles"
    profiles = tmp_path / "profiles"
    env = {**os.environ, "RBPROFILE_HOME": str(root.parent), "COLUMNS": "200"}
    argv = [sys.executable, "-m", "rbprofile", "run", "daily", "--profiler", "none"]
    proc = subprocess.Popen(
        [*argv, "--repeat", "1", "--profiles-dir", str(profiles)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        start_new_session=True,
    )  # fmt: skip
    lines: list[str] = []
    assert proc.stderr is not None
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr or ()), daemon=True)
    reader.start()
    deadline = time.monotonic() + 60
    while not any("ingesting it first" in line for line in lines):
        assert proc.poll() is None and time.monotonic() < deadline, lines
        time.sleep(0.02)
    time.sleep(0.3)
    assert proc.poll() is None, "the ingest ended before the signal"
    sent = time.monotonic()
    os.kill(proc.pid, signal.SIGINT)
    proc.wait(timeout=60)
    elapsed = time.monotonic() - sent
    reader.join(timeout=10)
    assert proc.returncode == 130
    assert lines[-1].rstrip("\n") == INTERRUPTED
    assert not any("Traceback" in line for line in lines)
    assert elapsed < 1.0, f"took {elapsed:.2f} s"
    # no temporary dir; a bundle only if its ingest finished before the signal, then whole
    left = list(root.iterdir()) if root.exists() else []
    assert [p for p in left if p.name.startswith(".")] == []
    for bundle in left:
        load_bundle(bundle.name, root)  # verifies every file's sha256
    assert not profiles.exists() or list(profiles.rglob("*")) == []
