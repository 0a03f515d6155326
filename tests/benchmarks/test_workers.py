"""The worker protocol with real runner programs (the bare loop), and the round interleaving."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.bench_peers import PEERS_DIR
from benchmarks.peers.workers import Worker, WorkerFailed, interleave, run_workers


def bare_loop(data: Path, strategy: str) -> list[str]:
    return [
        sys.executable,
        str(PEERS_DIR / "bare_loop.py"),
        "--data",
        str(data),
        "--strategy",
        strategy,
    ]


def test_standalone_prints_one_line_per_round_then_the_median(
    peer_exports: dict[str, Path],
) -> None:
    proc = subprocess.run(
        [*bare_loop(peer_exports["daily"], "sma"), "--rounds", "3", "--warmup", "0"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line.get("round") for line in lines] == [1, 2, 3, None]
    assert len({(r["final_value"], r["fills"]) for r in lines[:3]}) == 1  # deterministic
    assert lines[3]["engine"] == "bare Python loop"
    assert lines[3]["settings"]["commission"].startswith("0.005/share")
    assert min(r["seconds"] for r in lines[:3]) <= lines[3]["median_seconds"]


def test_workers_answer_ready_then_one_round_per_request(
    peer_exports: dict[str, Path], tmp_path: Path
) -> None:
    argvs = {
        "sma": bare_loop(peer_exports["daily"], "sma"),
        "zscore": bare_loop(peer_exports["minute"], "zscore"),
    }
    ready, rounds = run_workers(argvs, tmp_path / "logs", 3)
    assert set(ready) == {"sma", "zscore"}
    assert ready["sma"]["ready"] is True and len(ready["sma"]["warmup_seconds"]) == 1
    for name in argvs:
        assert len(rounds[name]) == 3
        assert {(r["final_value"], r["fills"]) for r in rounds[name]} == {
            (ready[name]["final_value"], ready[name]["fills"])
        }
        assert all(r["cpu_seconds"] > 0 and r["seconds"] > 0 for r in rounds[name])
    assert ready["sma"]["fills"] != ready["zscore"]["fills"]  # two different backtests ran


def test_a_worker_that_cannot_start_says_why(tmp_path: Path) -> None:
    (tmp_path / "empty" / "daily").mkdir(parents=True)
    worker = Worker("bare", bare_loop(tmp_path / "empty", "sma"), tmp_path / "bare.log")
    with worker, pytest.raises(WorkerFailed, match=r"(?s)exited with status 1.*not a complete"):
        worker.wait_ready()


class Recorder:
    """Stands in for a worker in the interleaving test: records when it was asked."""

    def __init__(self, name: str, calls: list[str]) -> None:
        self.name, self.calls = name, calls

    def round(self) -> dict[str, Any]:
        self.calls.append(self.name)
        return {"n": len(self.calls)}


def test_interleave_rotates_which_engine_goes_first() -> None:
    calls: list[str] = []
    workers = {n: Recorder(n, calls) for n in ("a", "b", "c")}
    results = interleave(workers, 4)  # type: ignore[arg-type]
    assert calls == ["a", "b", "c", "b", "c", "a", "c", "a", "b", "a", "b", "c"]
    assert [r["n"] for r in results["a"]] == [1, 6, 8, 10]
