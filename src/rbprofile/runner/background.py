"""Parent-side post-processing on one daemon thread, overlapping the next child.

A daemon thread never holds up the exit after Ctrl-C (a `ThreadPoolExecutor`'s workers are
joined at interpreter exit), and `join` waits in short slices so the main thread's signal
handlers keep running.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

POLL_S = 0.05


class Background:
    def __init__(self, name: str) -> None:
        self._jobs: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._error: BaseException | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[[], None]) -> None:
        self._jobs.put(fn)

    def join(self) -> None:
        """Wait for every submitted function; re-raise the first one's exception."""
        self._jobs.put(None)
        while not self._done.wait(POLL_S):
            pass
        if self._error is not None:
            raise self._error

    def _work(self) -> None:
        while (fn := self._jobs.get()) is not None:
            if self._error is None:
                try:
                    fn()
                except BaseException as exc:  # handed to the main thread by `join`
                    self._error = exc
        self._done.set()
