"""The profiler registry: every profiler rbprofile can run, in the order runs record them.

    REGISTRY               name -> Profiler instance (cprofile, pyspy, memory, memray)
    register(profiler)     add one (a plug-in, or a test's fake); replaces a same-named one
    get(name) -> Profiler  RbprofileError (exit 2) naming the choices for an unknown name
    default_names()        what `--profiler all` runs

The runner, the manifest, `rbprofile run --help` and the report's methodology and raw-data
sections iterate this registry. Modules here import nothing heavy at import time, so the
registry is cheap to load (`--help`, the child process).
"""

from __future__ import annotations

from rbprofile.errors import EXIT_USAGE, RbprofileError
from rbprofile.profilers.base import Profiler
from rbprofile.profilers.cprofile import CProfileProfiler
from rbprofile.profilers.memory import MemoryProfiler
from rbprofile.profilers.memray import MemrayProfiler
from rbprofile.profilers.pyspy import PySpyProfiler

REGISTRY: dict[str, Profiler] = {
    p.name: p for p in (CProfileProfiler(), PySpyProfiler(), MemoryProfiler(), MemrayProfiler())
}


def register(profiler: Profiler) -> None:
    REGISTRY[profiler.name] = profiler


def unregister(name: str) -> None:
    REGISTRY.pop(name, None)


def names() -> tuple[str, ...]:
    return tuple(REGISTRY)


def default_names() -> tuple[str, ...]:
    return tuple(n for n, p in REGISTRY.items() if p.in_all)


def get(name: str) -> Profiler:
    try:
        return REGISTRY[name]
    except KeyError:
        raise RbprofileError(
            f"unknown profiler {name!r}; choose from {', '.join(REGISTRY)}, all, none",
            exit_code=EXIT_USAGE,
        ) from None


def by_child_mode(mode: str) -> Profiler | None:
    """The profiler whose in-child part runs in `mode` (None for the plain mode)."""
    return next((p for p in REGISTRY.values() if p.child_mode == mode), None)
