"""The parent side of the peer benchmark: one long-lived worker process per engine.

A ``Worker`` starts a runner program with ``--serve`` (see ``peer_worker``), waits for its
``ready`` line (it has done its warm-up by then) and asks for one timed round at a time.
``interleave`` runs the rounds engine by engine within each round, rotating which engine goes
first, so every engine sees the same machine conditions in turn. A worker's stderr goes to a
log file whose tail is quoted when the worker fails.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Self

from benchmarks.peers.peer_worker import QUIT, RUN

LOG_TAIL_LINES = 30


class WorkerFailed(RuntimeError):
    pass


class Worker:
    """A runner program in worker mode; ``ready`` is its first line (engine, settings, ...)."""

    def __init__(self, name: str, argv: list[str], log: Path) -> None:
        self.name = name
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = log.open("w")
        self._proc = subprocess.Popen(
            [*argv, "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log_file,
            text=True,
            bufsize=1,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
        self.ready: dict[str, Any] = {}

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wait_ready(self) -> dict[str, Any]:
        self.ready = self._read()
        if not self.ready.get("ready"):
            raise self._failed(f"sent {self.ready} instead of its ready line")
        return self.ready

    def round(self) -> dict[str, Any]:
        """One timed backtest call in the worker."""
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(RUN + "\n")
            self._proc.stdin.flush()
        except BrokenPipeError:
            raise self._failed("exited before a round") from None
        return self._read()

    def close(self) -> None:
        if self._proc.poll() is None:
            try:
                assert self._proc.stdin is not None
                self._proc.stdin.write(QUIT + "\n")
                self._proc.stdin.close()
                self._proc.wait(timeout=30)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self._proc.kill()
                self._proc.wait()
        self._log_file.close()

    def _read(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise self._failed(f"exited with status {self._proc.wait()}")
        message: dict[str, Any] = json.loads(line)
        return message

    def _failed(self, what: str) -> WorkerFailed:
        self._log_file.flush()
        tail = self.log.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
        return WorkerFailed(
            f"{self.name} worker {what}; its log {self.log} ends:\n" + "\n".join(tail)
        )


def interleave(workers: Mapping[str, Worker], rounds: int) -> dict[str, list[dict[str, Any]]]:
    """``rounds`` rounds; in round r the engines run in order, starting from the r-th one."""
    names = list(workers)
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for r in range(rounds):
        start = r % len(names)
        for name in names[start:] + names[:start]:
            results[name].append(workers[name].round())
    return results


def run_workers(
    argvs: Mapping[str, list[str]], logs: Path, rounds: int
) -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Start every worker (their warm-ups overlap, untimed), wait until all are ready, then
    interleave ``rounds`` rounds. Returns (ready lines, rounds) by engine name."""
    with ExitStack() as stack:
        workers = {
            name: stack.enter_context(Worker(name, argv, logs / f"{name}.log"))
            for name, argv in argvs.items()
        }
        ready = {name: w.wait_ready() for name, w in workers.items()}
        return ready, interleave(workers, rounds)
