"""Spawning children: a fresh process in its own process group, output to a log file.

The child gets its own session so that, on Ctrl-C (any stop signal, see `rbprofile.interrupt`)
or any error in the parent, the whole group (py-spy and the Python child it traced) is stopped
with `killpg`, never left behind. The wait polls, so the parent's signal handlers run within a
few tens of milliseconds even while Polars' native threads are alive.

A child that outlives its parent: on Linux every child gets a parent-death signal (SIGKILL,
`prctl(PR_SET_PDEATHSIG)` between fork and exec; it survives the exec), so a SIGKILLed parent
takes its children with it. The signal is tied to the thread that forked, so children are
spawned from the main thread only. A grandchild (the program py-spy starts) sets its own
(`die_with_parent`, called by `rbprofile.runner.child`): it is cleared on fork.

`spawn_all` starts several children at once from the main thread and waits for all of them
(py-spy's sampling children, `--sampling-jobs`).

`timeout_s` limits a child's wall time: past it the group is stopped and `ChildTimeoutError`
raised.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from rbprofile.errors import ChildKilledError, ChildTimeoutError, RbprofileError
from rbprofile.pdeath import PARENT_PID_ENV, parent_death_signal

POLL_S = 0.05  # how long a wait blocks before Python gets to run signal handlers
GRACE_S = 0.5  # SIGTERM -> SIGKILL
# what a child prints above the user's own frames: a strategy's (rustybt), a command's program
USER_TRACEBACKS = ("Traceback (strategy code):", "Traceback (program code):")


@dataclass(frozen=True)
class Finished:
    returncode: int
    wall_s: float
    log: Path
    waited: Any = None  # what `wait` returned (e.g. memory samples)

    def tail(self, lines: int = 3) -> str:
        """The child's `error:` line if it printed one, else its last `lines` lines."""
        try:
            text = self.log.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        errors = [line for line in text if line.startswith("error: ")]
        return errors[-1].removeprefix("error: ") if errors else " | ".join(text[-lines:])

    def strategy_traceback(self) -> str:
        """The user's traceback the child printed (`Traceback (strategy code):` or, for a
        command, `Traceback (program code):` onward), or ""."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        found = [m for m in USER_TRACEBACKS if m in text]
        if not found:
            return ""
        marker = found[0]
        lines = text[text.index(marker) :].splitlines()
        return "\n".join(line for line in lines if not line.startswith("error: ")).rstrip()

    def raise_if_killed(self) -> None:
        if self.returncode < 0:
            raise ChildKilledError(
                f"{self.describe_failure()}; the partial run was removed, re-run when the "
                "machine has the memory/time it needs"
            )

    def describe_failure(self) -> str:
        if self.returncode < 0:
            sig = signal.Signals(-self.returncode).name
            return f"the child process was killed by {sig}"
        return f"the child process exited with status {self.returncode}: {self.tail()}"


def spawn(
    argv: list[str],
    log: Path,
    *,
    wait: Callable[[subprocess.Popen[bytes]], Any] | None = None,
    stamp: str | None = None,
    timeout_s: float | None = None,
) -> Finished:
    """Run `argv` to completion with stdout+stderr to `log`; stop its group on any exception.

    `stamp` (e.g. `--spawned-at`) is appended with the `time.time()` of the spawn, so the child
    can measure its own interpreter start-up. `wait(proc)` runs before the final wait (memory
    sampling from the parent uses it; it must poll). `timeout_s` (None or 0: no limit) stops
    the group when the child runs longer and raises `ChildTimeoutError`.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        started = time.perf_counter()
        if stamp is not None:
            argv = [*argv, stamp, repr(time.time())]
        proc = _start(argv, sink)
        watchdog = _Watchdog(proc, timeout_s) if timeout_s else None
        try:
            waited = wait(proc) if wait is not None else None
            returncode = wait_polling(proc)
        except BaseException:
            stop_group(proc)
            raise
        finally:
            if watchdog is not None:
                watchdog.cancel()
        if watchdog is not None and watchdog.expired:
            raise ChildTimeoutError(timeout_s or 0.0)
        return Finished(returncode, time.perf_counter() - started, log, waited)


def spawn_all(
    commands: Sequence[tuple[list[str], Path]], *, timeout_s: float | None = None
) -> list[Finished]:
    """Run every `(argv, log)` at once (each as `spawn` runs one) and wait for all of them.

    On any exception (a stop signal, a child past `timeout_s`) every group still running is
    stopped. Each `Finished.wall_s` is that child's own, from its start to its exit."""
    with contextlib.ExitStack() as stack:
        sinks = []
        for _, log in commands:
            log.parent.mkdir(parents=True, exist_ok=True)
            sinks.append(stack.enter_context(log.open("wb")))
        procs: list[subprocess.Popen[bytes]] = []
        watchdogs: list[_Watchdog] = []
        walls: dict[int, float] = {}
        started = time.perf_counter()
        try:
            for (argv, _), sink in zip(commands, sinks, strict=True):
                procs.append(_start(argv, sink))
                if timeout_s:
                    watchdogs.append(_Watchdog(procs[-1], timeout_s))
            while len(walls) < len(procs):
                for i, proc in enumerate(procs):
                    if i not in walls and proc.poll() is not None:
                        walls[i] = time.perf_counter() - started
                time.sleep(POLL_S)
        except BaseException:
            for proc in procs:
                stop_group(proc)
            raise
        finally:
            for watchdog in watchdogs:
                watchdog.cancel()
        if any(w.expired for w in watchdogs):
            raise ChildTimeoutError(timeout_s or 0.0)
        return [
            Finished(proc.returncode, walls[i], log)
            for i, (proc, (_, log)) in enumerate(zip(procs, commands, strict=True))
        ]


def _start(argv: list[str], sink: BinaryIO) -> subprocess.Popen[bytes]:
    """A child in its own session, output to `sink`, dying with this process (main thread)."""
    try:
        return subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, PARENT_PID_ENV: str(os.getpid())},
            preexec_fn=parent_death_signal(os.getpid()),
        )
    except OSError as exc:
        raise RbprofileError(f"cannot start {argv[0]}: {exc.strerror}") from exc


def wait_polling(proc: subprocess.Popen[bytes], timeout_s: float | None = None) -> int:
    """`proc.wait()` in short slices, so signal handlers run meanwhile (`Popen.wait` with a
    timeout sleeps at most 50 ms at a time). Raises `subprocess.TimeoutExpired` after
    `timeout_s`."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    while True:
        try:
            return proc.wait(timeout=POLL_S)
        except subprocess.TimeoutExpired:
            if deadline is not None and time.monotonic() >= deadline:
                raise


class _Watchdog:
    """Stops `proc`'s group from a timer thread once `timeout_s` has passed."""

    def __init__(self, proc: subprocess.Popen[bytes], timeout_s: float) -> None:
        self.expired = False
        self._proc = proc
        self._timer = threading.Timer(timeout_s, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self) -> None:
        self.expired = True
        _signal_group(self._proc, signal.SIGTERM)
        time.sleep(GRACE_S)
        _signal_group(self._proc, signal.SIGKILL)

    def cancel(self) -> None:
        self._timer.cancel()


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def stop_group(proc: subprocess.Popen[bytes], grace_s: float = GRACE_S) -> None:
    """SIGTERM the child's process group, then SIGKILL whatever is left after `grace_s`."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        _signal_group(proc, sig)
        try:
            wait_polling(proc, grace_s)
            break
        except subprocess.TimeoutExpired:
            continue
    _signal_group(proc, signal.SIGKILL)  # stragglers in the group (e.g. py-spy's child)
