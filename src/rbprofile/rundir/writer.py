"""Atomic run directories: lock, temporary sibling, rename into place, cleanup on failure.

`<profiles-dir>/<label>/<scenario>/` is built in `<label>/.<scenario>.tmp-<pid>/` and renamed
into place only when complete. A lock file `<label>/.<scenario>.lock` (a `filelock.FileLock`:
`flock`, so a crashed process never leaves a stale lock; it holds the holder's pid) stops a
second `rbprofile run` on the same label and scenario at once. An existing run is replaced
only with `force`, and then only after the new one is complete: the old one survives any
failure or interrupt.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from rbprofile.errors import RbprofileError


def ensure_absent(final: Path, *, force: bool) -> None:
    """Refuse early (before any work) when a run exists and `force` is off."""
    if final.exists() and not force:
        raise RbprofileError(
            f"a run already exists at {final}; pass --force to replace it or use another --label"
        )


class RunDir:
    """Context manager: `with RunDir(final, force=...) as tmp:` write into `tmp`, then `commit()`.

    Leaving the block without `commit()` (error, Ctrl-C) removes the temporary directory.
    """

    def __init__(self, final: Path, *, force: bool) -> None:
        self.final = final
        self.force = force
        self.tmp = final.parent / f".{final.name}.tmp-{os.getpid()}"
        self.lock_path = final.parent / f".{final.name}.lock"
        self._lock = FileLock(self.lock_path, timeout=0, on_acquired=_write_pid)
        self._committed = False

    def __enter__(self) -> Path:
        self._acquire()
        try:
            ensure_absent(self.final, force=self.force)
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp.mkdir()
        except BaseException:
            self._release()
            raise
        return self.tmp

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if not self._committed:
                shutil.rmtree(self.tmp, ignore_errors=True)
        finally:
            self._release()
        if not self._committed:
            with contextlib.suppress(OSError):  # a label left empty by a failed first run
                self.final.parent.rmdir()

    def commit(self) -> Path:
        """Rename the finished temporary directory into place (replacing an old run if forced)."""
        ensure_absent(self.final, force=self.force)
        old = self.final.parent / f".{self.final.name}.old-{os.getpid()}"
        if self.final.exists():
            self.final.rename(old)
        try:
            self.tmp.rename(self.final)
        except BaseException:
            if old.exists():
                old.rename(self.final)
            raise
        self._committed = True
        shutil.rmtree(old, ignore_errors=True)
        return self.final

    def _acquire(self) -> None:
        while True:
            self.final.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._lock.acquire()
                return
            except FileNotFoundError:  # another run removed the empty label directory meanwhile
                continue
            except Timeout:
                holder = _holder(self.lock_path)
                if holder is None:  # released (and unlinked) between our open and flock: retry
                    continue
                raise RbprofileError(
                    f"another rbprofile run{holder} is writing {self.final}; "
                    "wait for it to finish or use another --label"
                ) from None

    def _release(self) -> None:
        if not self._lock.is_locked:
            return
        # Unlinked while still held: a waiter that opened this inode sees it gone and retries.
        with contextlib.suppress(FileNotFoundError):
            self.lock_path.unlink()
        self._lock.release()


def _write_pid(fd: int) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)


def _holder(lock_path: Path) -> str | None:
    """' (pid N)' of the run holding the lock, '' when unknown, None when the lock file is gone."""
    try:
        text = lock_path.read_text().strip()
    except FileNotFoundError:
        return None
    except OSError:
        return ""
    return f" (pid {text})" if text.isdigit() else ""
