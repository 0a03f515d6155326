"""Facts recorded in a run's manifest: tool versions, the machine, the git commit, the time.

The manifest's shape is `rbprofile.rundir.manifest.Manifest`; this module only gathers what
goes into it at record time.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from rbprofile import profilers


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _dist(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def versions(profiler_names: tuple[str, ...] | None = None) -> dict[str, str | None]:
    """rbprofile, rustybt, Python, the data libraries, and each registered profiler's tool."""
    import rbprofile
    import rustybt

    found: dict[str, str | None] = {
        "rbprofile": rbprofile.__version__,
        "rustybt": rustybt.__version__,
        "python": platform.python_version(),
        "polars": _dist("polars"),
        "pandas": _dist("pandas"),
    }
    for name, profiler in profilers.REGISTRY.items():
        if profiler.tool and (profiler_names is None or name in profiler_names):
            found[profiler.tool] = profiler.version()
    return found


def platform_info() -> dict[str, object]:
    return {
        "system": platform.system(),
        "release": platform.release(),
        "machine": platform.machine(),
        "cpu": _cpu_name(),
        "cpu_count": os.cpu_count(),
    }


def _cpu_name() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def git_commit(where: Path) -> tuple[str | None, bool | None]:
    """(commit, dirty) of the git checkout holding `where`, or (None, None) outside git."""

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(
                ["git", "-C", str(where), *args],
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip()

    commit = git("rev-parse", "HEAD")
    if not commit:
        return None, None
    status = git("status", "--porcelain", "--untracked-files=no")
    return commit, (bool(status) if status is not None else None)
