"""Children die with their parent (Linux `prctl(PR_SET_PDEATHSIG)`), standard library only.

`parent_death_signal(pid)` is the preexec function `process.spawn` gives every child: SIGKILL
when the parent dies. The setting survives the exec, but is tied to the thread that forked
(children are spawned from the main thread) and cleared on fork, so a grandchild (the program
py-spy starts) calls `die_with_parent()` itself. Imported by `rbprofile.runner.child` before it
measures anything: keep it to the standard library.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable

PARENT_PID_ENV = "RBPROFILE_PARENT_PID"  # the rbprofile process a child tree belongs to
PR_SET_PDEATHSIG = 1


def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


PRCTL = _prctl()  # resolved at import, not between fork and exec


def parent_death_signal(parent: int) -> Callable[[], None] | None:
    """The preexec function that gives the child SIGKILL when `parent` dies (None: no prctl)."""
    prctl = PRCTL
    if prctl is None:
        return None

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the prctl: follow it now
            os.kill(os.getpid(), signal.SIGKILL)

    return preexec


def die_with_parent() -> None:
    """In a child: SIGKILL when its parent dies; die now if the rbprofile process that started
    the tree (`$RBPROFILE_PARENT_PID`) is already gone. A no-op where prctl is missing."""
    if PRCTL is None:
        return
    PRCTL(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    owner = os.environ.get(PARENT_PID_ENV, "")
    if owner.isdigit():
        try:
            os.kill(int(owner), 0)
        except ProcessLookupError:
            os.kill(os.getpid(), signal.SIGKILL)
        except PermissionError:
            pass
