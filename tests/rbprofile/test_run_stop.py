"""Stopping `rbprofile run` for real: signals to its process group, a killed parent, --timeout.

Every test starts `python -m rbprofile run forever.py --bundle smoke` in its own session (as a
terminal would), waits until the phase under test has a live child, signals the run and
checks: the exit code, one `interrupted` line and no traceback on stderr, the time from the
signal to the exit, that no process of the run survives it, and that only the earlier run is
left under the label (no temporary directory, no lock file).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rbprofile.cli.app import INTERRUPTED
from rustybt.data.bundles import Bundle

pytestmark = pytest.mark.slow

FOREVER = """\
import time

from rustybt.api import symbols


def initialize(context):
    context.assets = symbols("SYM000")


def handle_data(context, data):
    while True:
        time.sleep(0.5)
"""

# fast in the timing repeats, hangs once a profiler watches it: cProfile installs a profile
# function, memory traces allocations, py-spy is the parent process
HANGS_WHEN_PROFILED = """\
import os
import sys
import time
import tracemalloc
from pathlib import Path

from rustybt.api import symbols


def initialize(context):
    context.assets = symbols("SYM000")


def profiled():
    parent = Path(f"/proc/{os.getppid()}/comm").read_text().strip()
    return sys.getprofile() is not None or tracemalloc.is_tracing() or parent == "py-spy"


def handle_data(context, data):
    while profiled():
        time.sleep(0.5)
"""

STOP_LIMIT_S = 1.0  # the promise: from the signal to the exit


@pytest.fixture
def scratch(smoke_bundle: Bundle, tmp_path: Path) -> Iterator[dict[str, Path]]:
    strategies = tmp_path / "strategies"
    strategies.mkdir()
    (strategies / "forever.py").write_text(FOREVER)
    (strategies / "hangs.py").write_text(HANGS_WHEN_PROFILED)
    yield {
        "home": smoke_bundle.path.parent.parent,
        "profiles": tmp_path / "profiles",
        "strategies": strategies,
    }
    for proc in _STARTED:  # a failed test leaves no run (and its never-ending child) behind
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    _STARTED.clear()


_STARTED: list[subprocess.Popen] = []


def _env(scratch: dict[str, Path]) -> dict[str, str]:
    env = {**os.environ, "RBPROFILE_HOME": str(scratch["home"]), "COLUMNS": "200"}
    env.pop("RBPROFILE_PYSPY", None)
    return env


def _start(scratch: dict[str, Path], *args: str, strategy: str = "forever.py") -> subprocess.Popen:
    cmd = [sys.executable, "-m", "rbprofile", "run", str(scratch["strategies"] / strategy)]
    cmd += ["--bundle", "smoke", "--repeat", "1", "--profiles-dir", str(scratch["profiles"])]
    proc = subprocess.Popen(
        [*cmd, *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=_env(scratch), start_new_session=True,
    )  # fmt: skip
    _STARTED.append(proc)
    return proc


def _old_run(scratch: dict[str, Path], name: str = "forever") -> Path:
    old = scratch["profiles"] / "baseline" / name
    old.mkdir(parents=True)
    (old / "manifest.json").write_text('{"old": true}')
    return old


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    todo = [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                kids = {int(k) for k in (task / "children").read_text().split()}
            except OSError:
                continue
            todo += sorted(kids - found)
            found |= kids
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for(predicate: object, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out waiting for the phase"
        time.sleep(0.05)


def _in_phase(proc: subprocess.Popen, work: str, depth: int = 1) -> set[int]:
    """Wait until the run's `.work/<work>` directory exists and `depth` generations of
    processes run under it (py-spy's traced program is the 2nd); return every descendant."""
    profiles = Path(proc.args[proc.args.index("--profiles-dir") + 1])

    def ready() -> bool:
        assert proc.poll() is None, proc.communicate()
        return any(profiles.glob(f"*/.*.tmp-*/.work/{work}")) and _depth(proc.pid) >= depth

    _wait_for(ready)
    time.sleep(0.5)  # let the child get going, so the signal meets a running backtest
    return _descendants(proc.pid)


def _depth(pid: int) -> int:
    depth, level = 0, {pid}
    while True:
        nxt: set[int] = set()
        for p in level:
            for task in Path(f"/proc/{p}/task").glob("*"):
                try:
                    nxt |= {int(k) for k in (task / "children").read_text().split()}
                except OSError:
                    continue
        if not nxt:
            return depth
        depth, level = depth + 1, nxt


def _stop(proc: subprocess.Popen, sig: int) -> tuple[float, str, str]:
    """Send `sig` to the run; (seconds until it exited, stdout, stderr)."""
    sent = time.monotonic()
    os.kill(proc.pid, sig)
    while proc.poll() is None:
        time.sleep(0.005)
    elapsed = time.monotonic() - sent
    stdout, stderr = proc.communicate(timeout=30)
    return elapsed, stdout, stderr


def _none_survive(pids: set[int]) -> None:
    assert pids, "the run had no child to stop"
    deadline = time.monotonic() + 2.0  # a killed process needs a moment to be torn down
    while any(_running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [p for p in pids if _running(p)] == []


def _one_interrupted_line(stderr: str, sig: int) -> None:
    assert "Traceback" not in stderr, stderr
    by = "" if sig == signal.SIGINT else f" by {signal.Signals(sig).name}"
    expected = INTERRUPTED.replace("interrupted", f"interrupted{by}", 1)
    assert stderr.rstrip("\n").splitlines()[-1] == expected, stderr
    assert stderr.count("interrupted") == 1, stderr


@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)]
)
def test_a_stop_signal_during_timing_stops_the_run_and_cleans_up(
    scratch: dict[str, Path], sig: int, code: int
) -> None:
    old = _old_run(scratch)
    proc = _start(scratch, "--profiler", "none", "--force")
    pids = _in_phase(proc, "plain-1")
    elapsed, stdout, stderr = _stop(proc, sig)
    assert proc.returncode == code
    assert stdout == ""
    _one_interrupted_line(stderr, sig)
    assert elapsed < STOP_LIMIT_S, f"took {elapsed:.2f} s to stop"
    _none_survive(pids)
    assert [p.name for p in old.parent.iterdir()] == ["forever"]  # no tmp dir, no lock file
    assert json.loads((old / "manifest.json").read_text()) == {"old": True}


@pytest.mark.parametrize(
    ("profiler", "work", "depth"),
    [("cprofile", "cprofile-1", 1), ("memory", "memory", 1), ("pyspy", "pyspy-raw-0-native", 2)],
)
def test_ctrl_c_during_each_profiler_stops_it_within_a_second(
    scratch: dict[str, Path], profiler: str, work: str, depth: int
) -> None:
    old = _old_run(scratch, "hangs")
    proc = _start(scratch, "--profiler", profiler, "--force", strategy="hangs.py")
    pids = _in_phase(proc, work, depth)
    elapsed, stdout, stderr = _stop(proc, signal.SIGINT)
    assert (proc.returncode, stdout) == (130, ""), stderr
    _one_interrupted_line(stderr, signal.SIGINT)
    assert elapsed < STOP_LIMIT_S, f"took {elapsed:.2f} s to stop"
    _none_survive(pids)
    assert len(pids) >= depth  # py-spy and the program it traces
    assert [p.name for p in old.parent.iterdir()] == ["hangs"]
    assert json.loads((old / "manifest.json").read_text()) == {"old": True}


@pytest.mark.parametrize(("work", "depth"), [("plain-1", 1), ("pyspy-raw-0-native", 2)])
def test_children_die_with_a_killed_parent_and_the_next_run_cleans_up(
    scratch: dict[str, Path], work: str, depth: int
) -> None:
    strategy = "forever.py" if work == "plain-1" else "hangs.py"
    proc = _start(scratch, "--profiler", "pyspy", strategy=strategy)
    pids = _in_phase(proc, work, depth)
    _stop(proc, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    _none_survive(pids)  # py-spy and the program it traced included
    label = scratch["profiles"] / "baseline"
    left = sorted(p.name for p in label.iterdir())
    stem = Path(strategy).stem
    assert left == [f".{stem}.lock", f".{stem}.tmp-{proc.pid}"]  # what SIGKILL leaves
    # the next run on the label (another scenario) removes both: their pid is gone
    done = subprocess.run(
        [sys.executable, "-m", "rbprofile", "run", "smoke", "--profiler", "none", "--repeat",
         "1", "--profiles-dir", str(scratch["profiles"])],
        capture_output=True, text=True, env=_env(scratch), timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in label.iterdir()) == ["smoke"]


def test_timeout_stops_a_hung_timing_child_and_names_the_phase(scratch: dict[str, Path]) -> None:
    old = _old_run(scratch)
    proc = _start(scratch, "--profiler", "none", "--force", "--timeout", "3")
    pids = _in_phase(proc, "plain-1")
    stdout, stderr = proc.communicate(timeout=120)
    assert (proc.returncode, stdout) == (1, ""), stderr
    assert "Traceback" not in stderr
    assert stderr.rstrip("\n").splitlines()[-1] == (
        "error: forever timing: the child process ran longer than the --timeout limit of 3 s "
        "and was stopped; earlier results are intact (pass a larger --timeout if the backtest "
        "needs longer)"
    )
    _none_survive(pids)
    assert [p.name for p in old.parent.iterdir()] == ["forever"]
    assert json.loads((old / "manifest.json").read_text()) == {"old": True}


def test_timeout_in_a_profiler_phase_names_that_profiler(scratch: dict[str, Path]) -> None:
    proc = _start(scratch, "--profiler", "cprofile", "--timeout", "20", strategy="hangs.py")
    pids = _in_phase(proc, "cprofile-1")
    stdout, stderr = proc.communicate(timeout=180)
    assert (proc.returncode, stdout) == (1, ""), stderr
    last = stderr.rstrip("\n").splitlines()[-1]
    assert last.startswith("error: hangs cprofile: the child process ran longer than the "
                           "--timeout limit of 20 s and was stopped")  # fmt: skip
    _none_survive(pids)
    assert not (scratch["profiles"] / "baseline").exists()
