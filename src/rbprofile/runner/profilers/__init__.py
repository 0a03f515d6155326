"""The three profilers. Each `profile(ctx) -> ProfilerOutcome` writes its files into the run dir.

A profiler that cannot run (py-spy missing or not permitted) returns status "failed" with a
reason saying what to do; it never stops the other profilers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rbprofile.runner.process import ChildSpec

NAMES = ("cprofile", "pyspy", "memory")


@dataclass(frozen=True)
class ProfilerContext:
    spec: ChildSpec
    run_dir: Path  # the (temporary) run directory the files go to
    work: Path  # scratch space, removed before the run dir is committed
    rate_hz: int = 100
    # Parent-side post-processing: run `fn` now, or (orchestrator) while the next child runs.
    defer: Callable[[Callable[[], None]], None] = field(default=lambda fn: fn())


@dataclass
class ProfilerOutcome:
    status: str  # "ok" | "failed" | "skipped"
    reason: str | None = None
    wall_s: float | None = None
    files: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def as_manifest(self, timing_median_s: float | None) -> dict[str, Any]:
        overhead = (
            self.wall_s / timing_median_s if self.wall_s is not None and timing_median_s else None
        )
        return {
            "status": self.status,
            "reason": self.reason,
            "wall_s": self.wall_s,
            "overhead": overhead,
            "files": self.files,
            **self.extra,
        }


def failed(reason: str, **extra: Any) -> ProfilerOutcome:
    return ProfilerOutcome("failed", reason=reason, extra=extra)
