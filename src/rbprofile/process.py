"""Spawning children: a fresh process in its own process group, output to a log file.

The child gets its own session so that, on Ctrl-C or any error in the parent, the whole
group (py-spy and the Python child it traced) is stopped with `killpg`, never left behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rbprofile.errors import ChildKilledError, RbprofileError


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
        """The user's traceback the child printed (`Traceback (strategy code):` onward), or ""."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        marker = "Traceback (strategy code):"
        if marker not in text:
            return ""
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
) -> Finished:
    """Run `argv` to completion with stdout+stderr to `log`; stop its group on any exception.

    `stamp` (e.g. `--spawned-at`) is appended with the `time.time()` of the spawn, so the child
    can measure its own interpreter start-up. `wait(proc)` replaces `proc.wait()` (memory
    sampling from the parent uses it).
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        started = time.perf_counter()
        if stamp is not None:
            argv = [*argv, stamp, repr(time.time())]
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            raise RbprofileError(f"cannot start {argv[0]}: {exc.strerror}") from exc
        try:
            waited = wait(proc) if wait is not None else None
            returncode = proc.wait()
        except BaseException:
            stop_group(proc)
            raise
        return Finished(returncode, time.perf_counter() - started, log, waited)


def stop_group(proc: subprocess.Popen[bytes], grace_s: float = 3.0) -> None:
    """SIGTERM the child's process group, then SIGKILL whatever is left after `grace_s`."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=grace_s)
            break
        except subprocess.TimeoutExpired:
            continue
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # stragglers in the group (e.g. py-spy's child)
