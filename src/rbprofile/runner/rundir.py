"""Atomic run directories: lock, temporary sibling, rename into place, cleanup on failure.

`<profiles-dir>/<label>/<scenario>/` is built in `<label>/.<scenario>.tmp-<pid>/` and renamed
into place only when complete. A lock file `<label>/.<scenario>.lock` (held with `flock`, so a
crashed process never leaves a stale lock) stops a second `rbprofile run` on the same label
and scenario. An existing run is replaced only with `force`, and then only after the new one
is complete: the old one survives any failure or interrupt.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from pathlib import Path
from types import TracebackType

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
        self._lock_fd: int | None = None
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
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            except FileNotFoundError:  # another run removed the empty label directory
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_pid(fd)
                os.close(fd)
                raise RbprofileError(
                    f"another rbprofile run{holder} is writing {self.final}; "
                    "wait for it to finish or use another --label"
                ) from None
            # The holder may have unlinked the file between our open and flock: retry then.
            if _same_file(fd, self.lock_path):
                os.ftruncate(fd, 0)
                os.write(fd, str(os.getpid()).encode())
                self._lock_fd = fd
                return
            os.close(fd)

    def _release(self) -> None:
        if self._lock_fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            self.lock_path.unlink()
        os.close(self._lock_fd)
        self._lock_fd = None


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = path.stat()
    except FileNotFoundError:
        return False
    fst = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (fst.st_dev, fst.st_ino)


def _read_pid(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode().strip()
    except OSError:
        return ""
    return f" (pid {text})" if text.isdigit() else ""
