from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from rbprofile.process import spawn
from rbprofile.runner.childspec import ChildSpec

SLEEPER = (
    "import subprocess, sys, time\n"
    "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
    "print(p.pid, flush=True)\n"
    "time.sleep(60)\n"
)


def _running(pid: int) -> bool:
    """Alive and not a zombie (a container's init may never reap orphans)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_interrupt_stops_the_whole_child_group(tmp_path: Path) -> None:
    seen: list[int] = []

    def interrupted(proc: subprocess.Popen[bytes]) -> None:
        seen.append(proc.pid)
        time.sleep(0.5)  # let the grandchild start
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        spawn([sys.executable, "-c", SLEEPER], tmp_path / "log", wait=interrupted)
    out = subprocess.run(["pgrep", "-g", str(seen[0])], capture_output=True, text=True)
    grandchild = int((tmp_path / "log").read_text().split()[0])
    group = [int(pid) for pid in out.stdout.split()]
    assert set(group) <= {grandchild}  # at most the orphaned grandchild, as a zombie
    assert not _running(seen[0])
    assert not _running(grandchild)


def test_finished_describes_exit_status_and_signal(tmp_path: Path) -> None:
    failed = spawn([sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"], tmp_path / "a")
    assert failed.returncode == 3
    assert failed.describe_failure() == "the child process exited with status 3: boom"
    killed = spawn([sys.executable, "-c", "import os; os.kill(os.getpid(), 9)"], tmp_path / "b")
    assert killed.describe_failure() == "the child process was killed by SIGKILL"


def test_child_argv_runs_the_child_module_of_this_interpreter(tmp_path: Path) -> None:
    spec = ChildSpec(Path("/s/algo.py"), "smoke", "float")
    assert spec.argv("cprofile", tmp_path) == [
        sys.executable, "-m", "rbprofile.runner.child", "--mode", "cprofile", "--out",
        str(tmp_path), "--strategy", "/s/algo.py", "--bundle", "smoke", "--numeric", "float",
    ]  # fmt: skip


# each child announces itself, then waits (up to 20 s) for the other's file: children run one
# after the other would fail the first one (exit 3), children run at once both exit 0
RENDEZVOUS = (
    "import pathlib, sys, time\n"
    "me, other = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])\n"
    "me.write_text('here')\n"
    "deadline = time.monotonic() + 20\n"
    "while not other.exists():\n"
    "    if time.monotonic() > deadline: sys.exit(3)\n"
    "    time.sleep(0.01)\n"
    "print('met', flush=True)\n"
)


def test_spawn_all_runs_the_children_at_once(tmp_path: Path) -> None:
    from rbprofile.process import spawn_all

    a, b = tmp_path / "a", tmp_path / "b"
    commands = [
        ([sys.executable, "-c", RENDEZVOUS, str(a), str(b)], tmp_path / "a.log"),
        ([sys.executable, "-c", RENDEZVOUS, str(b), str(a)], tmp_path / "b.log"),
    ]
    finished = spawn_all(commands)
    assert [f.returncode for f in finished] == [0, 0]
    assert [f.log.read_text().strip() for f in finished] == ["met", "met"]
    assert [f.log for f in finished] == [tmp_path / "a.log", tmp_path / "b.log"]


def test_spawn_all_stops_every_child_group_on_timeout(tmp_path: Path) -> None:
    from rbprofile.errors import ChildTimeoutError
    from rbprofile.process import spawn_all

    commands = [([sys.executable, "-c", SLEEPER], tmp_path / f"{i}.log") for i in range(2)]
    with pytest.raises(ChildTimeoutError):
        spawn_all(commands, timeout_s=1.5)
    # each child printed its grandchild's pid: the grandchildren went with their groups
    pids = [int(line) for i in range(2) for line in (tmp_path / f"{i}.log").read_text().split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 5
    while any(_running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_running(pid) for pid in pids)
