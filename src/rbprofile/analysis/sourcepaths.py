"""Source file paths across machines: display them without the machine's prefix, and find a
recorded file in this environment by its package-relative suffix.

    display_path(file) -> str
        `.../site-packages/pandas/tseries/holiday.py` -> `pandas/tseries/holiday.py`; a file
        under a `sys.path` entry -> relative to it (`rustybt/run.py`); others unchanged.
    SourceMap().local(file) -> str
        the readable local copy of a file recorded on another machine (or in a moved venv):
        the file itself when it exists, else the longest package-relative suffix
        (`pandas/tseries/holiday.py`, at least two components) found under a local
        `sys.path` entry, else the file as given.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path, PurePath

SITE_MARKERS = ("site-packages", "dist-packages")
MIN_SUFFIX = 2  # a bare file name ("run.py") could be anything


def _roots() -> tuple[Path, ...]:
    roots = {Path(p).resolve() for p in sys.path if p and Path(p).is_dir()}
    return tuple(sorted(roots, key=lambda p: -len(p.parts)))


@lru_cache(maxsize=65536)
def display_path(file: str) -> str:
    parts = PurePath(file).parts
    for marker in SITE_MARKERS:
        if marker in parts:
            return PurePath(*parts[len(parts) - parts[::-1].index(marker) :]).as_posix()
    path = Path(file)
    if path.is_absolute():
        for root in _roots():
            if path.is_relative_to(root):
                return path.relative_to(root).as_posix()
    return file


class SourceMap:
    """Cached recorded-path -> local-path mapping (see the module docstring)."""

    def __init__(self, roots: tuple[Path, ...] | None = None) -> None:
        self._roots = _roots() if roots is None else roots
        self._cache: dict[str, str] = {}

    def local(self, file: str) -> str:
        found = self._cache.get(file)
        if found is None:
            found = self._cache[file] = self._find(file)
        return found

    def _find(self, file: str) -> str:
        if not file or file.startswith("<") or Path(file).exists():
            return file
        parts = PurePath(file).parts
        for start in range(1, len(parts) - MIN_SUFFIX + 1):
            suffix = parts[start:]
            for root in self._roots:
                candidate = root.joinpath(*suffix)
                if candidate.is_file():
                    return str(candidate)
        return file
