"""`manifest.json`: what was run, on what, with which tools, and how each profiler went.

Format history (bump `SCHEMA_VERSION` and add a reader for the old shape when it changes):
- 1: first version (docs/architecture.md, "A run directory").

`load_manifest` refuses any other version loudly instead of guessing.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rbprofile.errors import RbprofileError

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def write_json(path: Path, obj: object) -> None:
    """Write JSON atomically (temporary file, then rename)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(obj, indent=2, default=str) + "\n")
    tmp.replace(path)


def load_manifest(run_dir: Path) -> dict[str, Any]:
    """Read `<run_dir>/manifest.json`; unknown schema versions are refused with what to do."""
    path = run_dir / MANIFEST if run_dir.is_dir() else run_dir
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise RbprofileError(f"no manifest at {path}; run `rbprofile run` first") from None
    except json.JSONDecodeError as exc:
        raise RbprofileError(f"{path} is not valid JSON ({exc}); re-run with --force") from None
    version = data.get("schema_version") if isinstance(data, dict) else None
    if version != SCHEMA_VERSION:
        raise RbprofileError(
            f"{path} has schema_version {version!r}, this rbprofile reads {SCHEMA_VERSION}; "
            "upgrade rbprofile or re-run the profile with this version"
        )
    return data


def versions(pyspy_version: str | None) -> dict[str, str | None]:
    import rbprofile
    import rustybt

    def dist(name: str) -> str | None:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return None

    return {
        "rbprofile": rbprofile.__version__,
        "rustybt": rustybt.__version__,
        "python": platform.python_version(),
        "polars": dist("polars"),
        "pandas": dist("pandas"),
        "py_spy": pyspy_version,
        "memory_profiler": dist("memory-profiler"),
    }


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


def base_manifest(
    *, label: str, scenario: str, started: str, numeric: str, pyspy_version: str | None
) -> dict[str, Any]:
    import rustybt

    commit, dirty = git_commit(Path(rustybt.__file__).parent)
    return {
        "schema_version": SCHEMA_VERSION,
        "label": label,
        "scenario": scenario,
        "started": started,
        "finished": None,
        "versions": versions(pyspy_version),
        "platform": platform_info(),
        "git_commit": commit,
        "git_dirty": dirty,
        "python_executable": sys.executable,
        "numeric": numeric,
        "bundle": None,
        "scenario_params": None,
        "timing": None,
        "profilers": {},
    }
