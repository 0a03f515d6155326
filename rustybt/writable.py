"""Whether files can be created in a directory, and why not, in words a user can act on.

Used before long work (a backtest with `--output`, synthesizing a bundle) so a path that
cannot be written fails at once, and after a failed write to turn the OS error into a reason.
Root passes permission checks but not a read-only mount: `os.access` reports both truthfully.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_IO_ERROR = re.compile(r"(?:underlying IO error|os error \d+)", re.IGNORECASE)
# "parquet: ...: underlying IO error: No space left on device (os error 28)", or
# "No such file or directory (os error 2): /path"
_POLARS_IO = re.compile(r"(?:underlying IO error: )?(?P<reason>[^:]*?) \(os error \d+\)")


def unwritable_reason(directory: Path) -> str | None:
    """Why files cannot be created in `directory` (made first if missing), or None if they can.

    Judged at the nearest existing ancestor: a file there, a read-only file system, or no
    write/search permission for this process.
    """
    existing = directory
    while not os.path.lexists(existing) and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file, not a directory"
    if os.access(existing, os.W_OK | os.X_OK):
        return None
    if os.statvfs(existing).f_flag & os.ST_RDONLY:
        return f"{existing} is on a read-only file system"
    return f"{existing} is not writable (permission denied)"


def is_io_error(exc: BaseException) -> bool:
    """An OSError, or a Polars error that wraps one (Polars reports ENOSPC as ComputeError)."""
    return isinstance(exc, OSError) or bool(_IO_ERROR.search(str(exc)))


def io_reason(exc: BaseException) -> str:
    """The OS's reason for a failed read or write, e.g. 'No space left on device'."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    match = _POLARS_IO.search(text)
    return match.group("reason") if match else text
