"""Atomic file writes: a temporary file in the same directory, then `os.replace`.

A reader sees the old file or the new one, never half of one. Any failure before the rename
(an exception, Ctrl-C) removes the temporary file and leaves the old file as it was.

- `replacing(path)`: the context manager under every writer here; yields the temporary path.
- `write_bytes`, `write_text`, `write_json` take `skip_if_same` (leave an identical file
  untouched, mtime included) and every writer takes `fsync` (flush the file and the
  directory entry to disk before returning; off by default).
- `write_json` writes `indent=2` with a trailing newline and refuses NaN and infinity (they
  would make invalid JSON) with an `RbprofileError` naming the file.

The temporary file is `.<name>.<random>.tmp` beside `path`, created with the umask's usual
mode (not `mkstemp`'s 0600).
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rbprofile.errors import RbprofileError

if TYPE_CHECKING:
    import polars as pl


@contextmanager
def replacing(path: Path, *, fsync: bool = False) -> Iterator[Path]:
    """Yield a new empty temporary file beside `path`; it replaces `path` if the block succeeds.

    On any exception (KeyboardInterrupt included) the temporary file is removed and `path` is
    left as it was.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        yield tmp
        if fsync:
            _fsync(tmp, os.O_RDONLY)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if fsync:
        _fsync(path.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))


def write_bytes(
    path: Path, data: bytes, *, skip_if_same: bool = False, fsync: bool = False
) -> Path:
    """Write `data` to `path` atomically; with `skip_if_same`, keep an identical file as it is."""
    if skip_if_same and path.is_file() and path.read_bytes() == data:
        return path
    with replacing(path, fsync=fsync) as tmp:
        tmp.write_bytes(data)
    return path


def write_text(
    path: Path,
    text: str,
    *,
    encoding: str = "utf-8",
    skip_if_same: bool = False,
    fsync: bool = False,
) -> Path:
    """Write `text` (no newline translation) to `path` atomically."""
    return write_bytes(path, text.encode(encoding), skip_if_same=skip_if_same, fsync=fsync)


def write_json(
    path: Path,
    obj: object,
    *,
    default: Callable[[Any], Any] | None = None,
    skip_if_same: bool = False,
    fsync: bool = False,
) -> Path:
    """`obj` as JSON (indent 2, trailing newline) to `path` atomically; NaN/inf are refused.

    `default` is `json.dumps`'s: how to encode values JSON has no type for (e.g. `str`).
    """
    try:
        text = json.dumps(obj, indent=2, allow_nan=False, default=default) + "\n"
    except ValueError as exc:
        if "Out of range float" not in str(exc):  # a circular reference: a bug, not bad data
            raise
        raise RbprofileError(
            f"not writing {path}: a value is NaN or infinite, which JSON cannot hold; "
            "please report this as an rbprofile bug"
        ) from None
    return write_text(path, text, skip_if_same=skip_if_same, fsync=fsync)


def write_parquet(path: Path, frame: pl.DataFrame, *, fsync: bool = False) -> Path:
    """Write `frame` to `path` as Parquet atomically. Polars reports a failed write (disk full)
    as a `ComputeError` naming the OS error: it is raised as that `OSError` on `path`."""
    with replacing(path, fsync=fsync) as tmp:
        try:
            frame.write_parquet(tmp)
        except Exception as exc:
            found = re.search(r"\(os error (\d+)\)", str(exc))
            if found is None:
                raise
            code = int(found[1])
            raise OSError(code, os.strerror(code), str(path)) from exc
    return path


def _fsync(path: Path, flags: int) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
