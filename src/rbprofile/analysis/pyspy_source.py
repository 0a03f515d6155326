"""Load py-spy output: collapsed/raw stacks (`--format raw`) or speedscope JSON.

    load_pyspy(path, resolver=None) -> Samples     (format chosen by content, not name)
        the samples table of rbprofile.analysis.samples: one row per frame of each distinct
        stack (function, file, line, module, qualname, key "module:qualname", native, idle,
        leaf, python_leaf), plus one row per stack; qualnames are resolved from the source
        files when readable (py-spy >= 0.4 on Python 3.11+ already records them)
    python_leaves(text) -> list[str | None]         per collapsed line, in order: the key of
        its deepest Python frame, parsed as load_pyspy parses it (None without one)

Collapsed lines are `frame;frame;... count` with frames `func (file:line)`, `func (file)`
(`--nolineno`), native `sym (lib.so)`, and optional `thread (0x..)` / `process N:"cmd"`
roots (`--threads` / `--subprocesses`), which are dropped, as are the native frames above
the first Python frame (libc/interpreter start-up). Native garbage-collector functions
(`gc_collect_main`, ...) get module `gc`. A stack is idle when its leaf
is a known wait (sleep, select, poll, lock/condition waits) -- py-spy `--idle` adds those.

py-spy without `--full-filenames` writes short file names (`history (portal.py:120)`,
`pandas/core/frame.py`): no source can be read, so loop evidence is impossible. A recording in
which no Python frame has an absolute file is marked `Samples.short_filenames`, and the views
say so (`rbprofile.views.sampled.filenames_note`) rather than silently finding no loops.

Anything that is not py-spy output raises RbprofileError naming the file (and line): a line
without a count, a count over 2**63-1, a malformed speedscope document, and a recording with no
samples at all (an empty file, or only zero counts: the same rule as an empty pstats).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from typing import Any

from rbprofile.analysis.modules import ModuleResolver
from rbprofile.analysis.qualnames import QualnameIndex
from rbprofile.analysis.samples import MAX_COUNT, Frame, Samples, build_samples, require_samples
from rbprofile.analysis.sourcepaths import SourceMap
from rbprofile.errors import RbprofileError

__all__ = ["IDLE_LEAVES", "Samples", "load_pyspy", "python_leaves"]

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")
_ROOT = re.compile(r"^(?:thread \(0x[0-9a-fA-F]+\)|process \d+:.*|Thread \d+.*)$")
_PY_FILE = (".py", ".pyw", ".pyx", ".pxi")
_CYTHON_C = re.compile(r"^(?:__[Pp]yx)")
_GC_FUNCTION = re.compile(r"^(?:gc_collect|_PyGC_|_PyObject_GC_|collect_generations|gc_)")
IDLE_LEAVES = frozenset(
    {
        "sleep", "time_sleep", "clock_nanosleep", "nanosleep", "select", "poll", "epoll_wait",
        "wait", "_wait_for_tstate_lock", "acquire", "lock_PyThread_acquire_lock",
        "pthread_cond_wait", "pthread_cond_timedwait", "sem_wait", "sem_timedwait",
        "futex_wait", "__futex_abstimed_wait_common", "do_futex_wait", "waitpid", "_try_wait",
        "accept", "recv", "recv_into", "readinto", "read", "__GI___poll", "__select",
        "wait4", "__wait4", "__GI___wait4", "waitid", "ppoll", "pselect", "epoll_pwait",
        "pause", "sigtimedwait", "__GI___nanosleep",
    }
)  # fmt: skip


def _cython_c_function(function: str, file: str) -> bool:
    """A C function Cython generated, which py-spy --native attributes to its .pyx lines
    (`__Pyx_PyObject_FastCallDict`, `_fast_dot` for `dot` in _fast.pyx): native, so the
    Python-level frame above it (`dot`) is the leaf, keyed as cProfile keys it."""
    if not file.endswith((".pyx", ".pxi")):
        return False
    stem = PurePath(file).stem
    return bool(_CYTHON_C.match(function)) or function.startswith(f"{stem}_")


class _FrameMaker:
    def __init__(self, resolver: ModuleResolver) -> None:
        self.resolver = resolver
        self.qualnames = QualnameIndex()
        self.sources = SourceMap()
        self.cache: dict[tuple[str, str, int | None], Frame] = {}
        self.texts: dict[str, Frame | None] = {}  # collapsed frame text -> parsed frame

    def make(self, function: str, file: str, line: int | None) -> Frame:
        cache_key = (function, file, line)
        frame = self.cache.get(cache_key)
        if frame is None:
            native = (bool(file) and not file.endswith(_PY_FILE) and not file.startswith("<")) or (
                _cython_c_function(function, file)
            )
            local = file if native else self.sources.local(file)  # recorded elsewhere
            module = self.resolver.resolve(local).name
            if native and _GC_FUNCTION.match(function):
                module = "gc"  # the cyclic garbage collector inside libpython
            # py-spy >= 0.4 on Python 3.11+ already reports `co_qualname` ("Book.post").
            qualified = native or "." in function
            qualname = (
                function
                if qualified
                else self.qualnames.qualname(local, function, line, is_def_line=False)
            )
            frame = Frame(function, file, line, module, native, qualname)
            self.cache[cache_key] = frame
        return frame

    def parse(self, text: str) -> Frame | None:
        if text in self.texts:
            return self.texts[text]
        frame = None
        if not _ROOT.match(text):
            match = _FRAME.match(text)
            if match is None:
                frame = self.make(text, "", None)
            else:
                line = match["line"]
                frame = self.make(match["func"], match["file"], int(line) if line else None)
        self.texts[text] = frame
        return frame


_Record = tuple[tuple[Frame, ...], int, bool]  # frames root first, count, idle


def _stack(frames: list[Frame], count: int) -> _Record:
    idle = bool(frames) and frames[-1].function in IDLE_LEAVES
    first_python = next((i for i, f in enumerate(frames) if not f.native), 0)
    return tuple(frames[first_python:]), count, idle


def _parse_collapsed(path: Path, text: str, maker: _FrameMaker) -> Iterator[_Record]:
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        body, _, count = line.rpartition(" ")
        if not (count.isascii() and count.isdigit()):
            raise RbprofileError(
                f"{path}:{number}: not a py-spy collapsed line ('frame;frame;... count'); "
                "pass py-spy `--format raw` or speedscope output."
            )
        if int(count) > MAX_COUNT:
            raise RbprofileError(
                f"{path}:{number}: sample count {count[:24]} is over 2**63-1; not py-spy output, "
                "re-run py-spy record."
            )
        parts = body.split(";") if body else []  # " 4": samples with no Python stack
        frames = [f for f in (maker.parse(p) for p in parts) if f is not None]
        yield _stack(frames, int(count))


def _parse_speedscope(path: Path, doc: dict[str, Any], maker: _FrameMaker) -> Iterator[_Record]:
    try:
        shared = doc["shared"]["frames"]
        frames = [maker.make(f["name"], f.get("file") or "", f.get("line")) for f in shared]
        for profile in doc["profiles"]:
            weights = profile.get("weights") or [1] * len(profile["samples"])
            unit = min((w for w in weights if w > 0), default=1)
            for sample, weight in zip(profile["samples"], weights, strict=True):
                if not (isinstance(weight, int | float) and 0 <= weight <= MAX_COUNT):
                    raise ValueError(f"sample weight {weight!r}")
                yield _stack([frames[i] for i in sample], max(round(weight / unit), 1))
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise RbprofileError(
            f"{path}: not a py-spy speedscope file ({exc!r}); re-run py-spy."
        ) from exc


def short_filenames(frames: Iterable[Frame]) -> bool:
    """True when these frames hold Python files and none has an absolute path (py-spy recorded
    without --full-filenames); `<frozen ...>` and native frames do not count."""
    python = [f.file for f in frames if not f.native and f.file.endswith(_PY_FILE)]
    absolute = (PurePosixPath(f).is_absolute() or PureWindowsPath(f).is_absolute() for f in python)
    return bool(python) and not any(absolute)


def python_leaves(text: str, resolver: ModuleResolver | None = None) -> list[str | None]:
    """Per collapsed line (blank ones included, so indexes are line numbers): the
    "module:qualname" key of its deepest non-native frame, or None."""
    maker = _FrameMaker(resolver or ModuleResolver())
    leaves: list[str | None] = []
    for raw in text.splitlines():
        body = raw.strip().rpartition(" ")[0]
        frames = (maker.parse(part) for part in reversed(body.split(";")) if body)
        leaf = next((f for f in frames if f is not None and not f.native), None)
        leaves.append(None if leaf is None else f"{leaf.module}:{leaf.qualname}")
    return leaves


def load_pyspy(path: Path, resolver: ModuleResolver | None = None) -> Samples:
    """Read a py-spy collapsed (raw) or speedscope file into a `Samples` table."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise RbprofileError(f"{path}: cannot read ({exc.strerror}); check the path.") from exc
    if not text.strip():
        raise RbprofileError(f"{path}: empty py-spy file; re-run py-spy record.")
    maker = _FrameMaker(resolver or ModuleResolver())
    if not text.lstrip().startswith("{"):
        samples = build_samples(path, _parse_collapsed(path, text, maker), "collapsed")
    else:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RbprofileError(
                f"{path}: invalid JSON at line {exc.lineno}; re-run py-spy."
            ) from exc
        samples = build_samples(path, _parse_speedscope(path, doc, maker), "speedscope")
    short = short_filenames(maker.cache.values())
    return require_samples(replace(samples, short_filenames=short))
