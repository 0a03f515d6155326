"""One engine's backtest as a program: timed rounds on their own, or a worker the benchmark drives.

Every runner program (``zipline_sma.py``, ``backtrader_zscore.py``, ``bare_loop.py``,
``rustybt_runner.py``, ...) ends with ``peer_worker.main(build, parser)``. Stdlib only: it runs
in each engine's own venv, imported as a sibling module.

- Standalone: ``python benchmarks/peers/<runner>.py --data DIR [--rounds N] [--warmup N]`` runs
  the warm-up rounds, then N timed rounds, printing one JSON line per round (``round``,
  ``seconds``, ``cpu_seconds``, ``final_value``, ``fills``) and a last line with the engine, its
  version, its settings and the median seconds.
- Worker (``--serve``): the warm-up rounds, then one ``ready`` line (engine, version, settings,
  warm-up seconds, final value and fills); then one round for each ``run`` line read on stdin,
  answered by that round's JSON line. ``quit`` or the end of stdin stops it. The benchmark keeps
  one worker per engine and interleaves them round by round this way.

Only the backtest call is timed (``time.perf_counter`` and ``time.process_time`` around it): not
imports, data preparation or ingest, which ``build`` does once. ``gc.collect()`` runs before each
round, outside the timing. Protocol lines go to the original stdout; anything the engine prints
goes to stderr instead.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

RUN = "run"
QUIT = "quit"
ROUNDS = 5
WARMUP = 1


@dataclass(frozen=True)
class Outcome:
    """What a backtest ended with, to check that the engines trade comparably."""

    final_value: float
    fills: int


@dataclass(frozen=True)
class Backtest:
    """A prepared backtest: ``call()`` runs it once (the timed part)."""

    engine: str
    version: str
    settings: dict[str, str]
    call: Callable[[], Outcome]


def parser(description: str) -> argparse.ArgumentParser:
    """The options every runner takes; a runner adds its own before calling ``main``."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--data", type=Path, required=True, help="the exported data directory")
    p.add_argument("--rounds", type=int, default=ROUNDS, help="timed rounds (standalone)")
    p.add_argument("--warmup", type=int, default=WARMUP, help="untimed rounds first")
    p.add_argument("--serve", action="store_true", help="be a worker: one round per 'run' line")
    return p


def timed_round(call: Callable[[], Outcome]) -> dict[str, Any]:
    """One backtest call, timed in wall and CPU seconds."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    outcome = call()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {
        "seconds": wall,
        "cpu_seconds": cpu,
        "final_value": round(outcome.final_value, 2),
        "fills": outcome.fills,
    }


def _protocol_stream() -> TextIO:
    """The original stdout, kept for protocol lines; fd 1 and sys.stdout now go to stderr."""
    sys.stdout.flush()
    stream = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return stream


def _say(stream: TextIO, message: dict[str, Any]) -> None:
    stream.write(json.dumps(message) + "\n")
    stream.flush()


def main(build: Callable[[argparse.Namespace], Backtest], p: argparse.ArgumentParser) -> int:
    args = p.parse_args()
    out = _protocol_stream()
    try:
        backtest = build(args)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    info = {"engine": backtest.engine, "version": backtest.version, "settings": backtest.settings}
    warm = [timed_round(backtest.call) for _ in range(args.warmup)]
    if args.serve:
        last = warm[-1] if warm else timed_round(backtest.call)
        _say(out, {"ready": True, **info, "warmup_seconds": [w["seconds"] for w in warm],
                   "final_value": last["final_value"], "fills": last["fills"]})  # fmt: skip
        for line in sys.stdin:
            command = line.strip()
            if command == QUIT:
                break
            if command != RUN:
                print(
                    f"error: unknown command {command!r}; send {RUN!r} or {QUIT!r}", file=sys.stderr
                )
                return 2
            _say(out, timed_round(backtest.call))
        return 0
    rounds = []
    for i in range(1, args.rounds + 1):
        rounds.append(timed_round(backtest.call))
        _say(out, {"round": i, **rounds[-1]})
    median = statistics.median(r["seconds"] for r in rounds) if rounds else None
    _say(out, {**info, "median_seconds": median})
    return 0
