"""Atomic run directories: lock, temporary sibling, rename into place, cleanup on failure.

`<profiles-dir>/<label>/<scenario>/` is built in `<label>/.<scenario>.tmp-<pid>/` and renamed
into place only when complete. A lock file `<label>/.<scenario>.lock` (a `filelock.FileLock`:
`flock`, so a crashed process never leaves a stale lock; it holds the holder's pid) stops a
second `rbprofile run` on the same label and scenario at once. An existing run is replaced
only with `force`, and then only after the new one is complete: the old one survives any
failure or interrupt; and only a run (a directory holding manifest.json) is ever replaced.

A label and a scenario are each one path component of safe characters (`check_name`), so
nothing outside `<profiles-dir>/<label>/` is written or removed. A run whose process was
killed outright (SIGKILL, power loss) leaves `.<scenario>.tmp-<pid>` and its lock file behind:
the next run on that label removes them once their pid is gone (`sweep_stale`), and puts back
an old run left in `.<scenario>.old-<pid>` mid-replace.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from pathlib import Path
from types import TracebackType

from filelock import FileLock, Timeout

from rbprofile.errors import EXIT_USAGE, RbprofileError
from rbprofile.rundir import files

SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,127}")
_TEMP = re.compile(r"\.(?P<name>.+)\.(?P<kind>tmp|old)-(?P<pid>\d+)")


def check_name(name: str, what: str = "--label") -> str:
    """`name` if it is one safe path component (letters, digits, `._+-`, not starting with a
    dot or dash, at most 128 characters), else a usage error (exit 2)."""
    if SAFE_NAME.fullmatch(name) is None:
        raise RbprofileError(
            f"{what} {name!r} is not a plain name: use letters, digits, '.', '_', '+' and '-', "
            "starting with a letter or digit (one directory under the profiles dir)",
            EXIT_USAGE,
        )
    return name


def ensure_absent(final: Path, *, force: bool) -> None:
    """Refuse early (before any work) when a run exists and `force` is off, and always when
    something that is not a run (no manifest.json) is in the way."""
    if not (final.exists() or final.is_symlink()):
        return
    if final.is_symlink() or not final.is_dir() or not (final / files.MANIFEST).is_file():
        raise RbprofileError(
            f"{final} exists and is not a run directory (no {files.MANIFEST}); rbprofile does "
            "not replace it, even with --force: move it away or use another --label"
        )
    if not force:
        raise RbprofileError(
            f"a run already exists at {final}; pass --force to replace it or use another --label"
        )


def writable_root(root: Path) -> Path:
    """The profiles dir, refused in one line when it is a file or cannot be written."""
    for parent in (root, *root.parents):
        if parent.exists():
            break
    if not parent.is_dir():
        raise RbprofileError(f"the profiles dir {root} is not a directory ({parent} is a file)")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise RbprofileError(
            f"cannot write under the profiles dir {root}: {parent} is not writable (read-only "
            "file system or no permission); choose another --profiles-dir"
        )
    return root


def sweep_stale(label_dir: Path) -> list[Path]:
    """Remove what killed runs left in `label_dir` (temporary dirs and lock files of dead
    pids); put back an old run left mid-replace. Returns what it removed or restored."""
    swept: list[Path] = []
    with contextlib.suppress(OSError):
        for entry in sorted(label_dir.iterdir()):
            match = _TEMP.fullmatch(entry.name)
            if match is not None and not _alive(int(match["pid"])):
                final = label_dir / match["name"]
                if match["kind"] == "old" and not final.exists():
                    entry.rename(final)  # killed between the two renames of a --force commit
                else:
                    shutil.rmtree(entry, ignore_errors=True)
                swept.append(entry)
            elif _is_lock(entry.name) and _remove_unheld_lock(entry):
                swept.append(entry)
    return swept


def _is_lock(name: str) -> bool:
    return name.startswith(".") and name.endswith(".lock")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_unheld_lock(path: Path) -> bool:
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except (Timeout, OSError):
        return False
    try:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # unlinked while held, as `RunDir._release` does
    finally:
        lock.release()
    return True


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
            sweep_stale(self.final.parent)
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
            if not os.access(self.final.parent, os.W_OK | os.X_OK):
                raise RbprofileError(
                    f"cannot write {self.final.parent}: it is not writable (read-only file "
                    "system or no permission); choose another --profiles-dir or --label"
                )
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
            except OSError:  # e.g. no space for the pid: leave no lock file behind
                if self._lock.is_locked:
                    self._release()
                else:
                    _remove_unheld_lock(self.lock_path)
                raise

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
