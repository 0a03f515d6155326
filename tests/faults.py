"""Real faults for failure tests: mounted file systems, an unprivileged user, edited bundles.

Importable from any test module (`from faults import ...`): tests/conftest.py puts tests/ on
sys.path. Nothing here is a mock; where a fault cannot be made on this machine the test is
skipped with the reason.

- `tmpfs(path, size=..., readonly=...)`: a real tmpfs mounted at `path` for the `with` block.
  Read-only, it stops root as well (chmod does not: tests run as root here); small, writes
  past its size fail with ENOSPC. `remount_readonly(path)` freezes one that was written.
- `fill(path)`: fill a (small) file system until it has no space left.
- `unprivileged(argv)`: `argv` run as user nobody (when the tests run as root, which ignores
  permission bits), so chmod-made permission errors are real.
- `reseal(directory)`: after editing a bundle's files, rewrite metadata.json so its sha256s
  and content_hash match them again: the integrity check passes and the content is what is
  tested (a hand-made or hand-edited bundle).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from rustybt.data.bundles import METADATA_FILE, content_hash, sha256_file

NOBODY = 65534


def _mount(*args: str) -> None:
    if shutil.which("mount") is None:
        pytest.skip("no mount command on this machine")
    proc = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({proc.stderr.strip() or 'not root'})")


@contextmanager
def tmpfs(path: Path, *, size: str = "1m", readonly: bool = False) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size},mode=0755" + (",ro" if readonly else "")
    _mount("-t", "tmpfs", "-o", options, "tmpfs", str(path))
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def remount_readonly(path: Path) -> None:
    _mount("-o", "remount,ro", str(path))


def fill(path: Path) -> None:
    """Write a filler file under `path` until the file system has no space left."""
    fd = os.open(path / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC, exc
    finally:
        os.close(fd)


def unprivileged(argv: Sequence[str]) -> list[str]:
    """`argv` (starting with sys.executable) as a command run by user nobody."""
    if os.geteuid() != 0:
        return list(argv)  # permission bits already apply
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root and no setpriv to drop to an unprivileged user")
    prefix = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", "import rbprofile, rustybt"],
        capture_output=True, text=True, check=False, cwd="/",
    )  # fmt: skip
    if probe.returncode != 0:
        pytest.skip(f"user nobody cannot run this interpreter ({probe.stderr.strip()[-200:]})")
    return [*prefix, *argv]


@contextmanager
def world_readable_tmp(prefix: str) -> Iterator[Path]:
    """A directory nobody can reach (pytest's tmp_path sits under a 0700 directory)."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    try:
        yield path
    finally:
        for sub in (path, *path.rglob("*")):
            if sub.is_dir() and not sub.is_symlink():
                sub.chmod(0o755)
        shutil.rmtree(path)


def reseal(directory: Path, metadata: Any = None) -> None:
    """Rewrite metadata.json (or write `metadata` as it) with sha256s matching the files."""
    meta = json.loads((directory / METADATA_FILE).read_text()) if metadata is None else metadata
    if isinstance(meta, dict) and isinstance(meta.get("files"), dict):
        meta["files"] = {rel: sha256_file(directory / rel) for rel in meta["files"]}
        meta["content_hash"] = content_hash(meta["files"])
    (directory / METADATA_FILE).write_text(json.dumps(meta))
