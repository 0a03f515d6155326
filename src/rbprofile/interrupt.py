"""Stop signals: SIGINT, SIGTERM and SIGHUP all become `Interrupted` in the main thread.

`stop_signals()` (installed once, around a command, by `cli.app.main`) turns each of the three
signals into an `Interrupted` exception (a `KeyboardInterrupt`), so a terminal's Ctrl-C,
`timeout`/`kill` and a closed terminal all unwind the same way: the child's process group is
stopped (`process.spawn`), the partial run directory is removed and the lock released
(`rundir.writer.RunDir`), and `main` prints one line and exits 128 + the signal number (130
for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP).

Only the first signal raises: later ones, while that cleanup runs, are noted and ignored, so a
second Ctrl-C cannot leave a half-removed directory behind. Python runs signal handlers only in
the main thread, between bytecodes, so every wait in the main thread polls
(`process.wait_polling`): a blocking `waitpid` would not return when the signal is delivered to
one of the native threads Polars starts.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from rbprofile.errors import EXIT_SIGNAL_BASE

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(KeyboardInterrupt):
    """A stop signal arrived; `exit_code` is 128 + its number."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.signal_name = signal.Signals(signum).name
        super().__init__(self.signal_name)

    @property
    def exit_code(self) -> int:
        return EXIT_SIGNAL_BASE + self.signum


@contextmanager
def stop_signals() -> Iterator[list[int]]:
    """Within the block, the first SIGINT/SIGTERM/SIGHUP raises `Interrupted`; later ones are
    ignored. Yields the signals received (click turns the exception into its own `Abort`, so
    the caller reads the signal from here). Outside the main thread (signals cannot be
    handled there) it does nothing."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def handler(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)
        if len(received) == 1:
            raise Interrupted(signum)

    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield received
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
