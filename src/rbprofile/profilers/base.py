"""The profiler interface: what a profiler declares, what it is given, what it returns.

A profiler is a `Profiler` subclass in its own module, listed once in the registry
(`rbprofile.profilers.REGISTRY`). The runner, the manifest, the report's methodology and raw
data sections and `rbprofile run --help` all iterate that registry, so adding a profiler
(pyinstrument, memray, Scalene ...) touches its module, the registry and a test.

- `run(ctx)` runs in the parent: it starts children through `ctx` (it never imports the
  runner), moves the files it wants to keep into `ctx.run_dir`, and returns an outcome. A
  profiler that cannot run returns status "failed" with a reason saying what to do; it never
  stops the others. `ChildKilledError` (a signal) propagates: the whole run is abandoned.
- `in_child(call, out)` runs inside the profiled child around the measured call (cProfile's
  `runcall`, tracemalloc, ...); the default just calls it. A profiler with an in-child part sets
  `child_mode` to its name; others record a plain child from outside (py-spy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

if TYPE_CHECKING:
    from rbprofile.process import Finished

T = TypeVar("T")
PLAIN = "plain"  # the child mode with nothing attached


@dataclass(frozen=True)
class ProfilerContext:
    """What a profiler is given by the runner."""

    run_dir: Path  # the (temporary) run directory its files go to
    work: Path  # scratch space, removed before the run directory is committed
    # (mode, out dir) -> the child's command line (the measured program, in that mode)
    child_argv: Callable[[str, Path], list[str]]
    # (argv, log, wait=None, stamp=None) -> Finished: a child in its own process group
    spawn: Callable[..., Finished]
    # ([(argv, log), ...]) -> [Finished, ...]: children run at once (parallel py-spy sampling)
    spawn_all: Callable[..., list[Finished]]
    # (mode, work dir, wait=None) -> (Finished, the child's result.json): one measured child
    run_child: Callable[..., tuple[Finished, dict[str, Any]]]
    rate_hz: int = 100
    options: dict[str, Any] = field(default_factory=dict)
    # Parent-side post-processing: run `fn` now, or (orchestrator) while the next child runs;
    # deferred functions run one at a time, in the order given, before the work dir is removed.
    defer: Callable[[Callable[[], None]], None] = field(default=lambda fn: fn())


@dataclass
class ProfilerOutcome:
    status: str  # "ok" | "failed" | "skipped"
    reason: str | None = None
    wall_s: float | None = None
    files: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


def failed(reason: str, **details: Any) -> ProfilerOutcome:
    return ProfilerOutcome("failed", reason=reason, details=details)


def installed_version(distribution: str) -> str | None:
    """The installed version of a distribution (`memory-profiler`), None when absent."""
    import importlib.metadata

    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


class Profiler:
    """Base class: class attributes describe the profiler; `run` measures."""

    name: ClassVar[str]  # `--profiler NAME`, the manifest key
    title: ClassVar[str]  # "cProfile"
    summary: ClassVar[str]  # one line for `rbprofile run --help`
    methodology: ClassVar[str]  # what it measures and how, for the report
    files: ClassVar[tuple[str, ...]]  # run-directory files it may write
    tool: ClassVar[str | None] = None  # `versions` key in the manifest (py_spy, ...)
    in_all: ClassVar[bool] = True  # part of `--profiler all`
    child_mode: ClassVar[str] = PLAIN

    def version(self) -> str | None:
        """The version of the tool behind it, for the manifest."""
        return None

    def run(self, ctx: ProfilerContext) -> ProfilerOutcome:
        raise NotImplementedError

    def in_child(self, call: Callable[[], T], out: Path) -> tuple[T, dict[str, Any] | None]:
        """Around the measured call inside the child: (its result, a report for the parent)."""
        return call(), None
