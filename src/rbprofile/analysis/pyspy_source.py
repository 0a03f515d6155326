"""Load py-spy output: collapsed/raw stacks (`--format raw`) or speedscope JSON.

    load_pyspy(path, resolver=None) -> Samples     (format chosen by content, not name)
    Samples.stacks      tuple[Stack, ...]; Stack(frames: tuple[Frame, ...] root first, count, idle)
    Samples.frame()     the same as a Polars frame: frames (list of struct function, file,
                        line, module, native), count, idle
    Samples.total       total samples; Samples.has_idle / has_native: whether idle stacks /
                        native (C, Rust, libc) frames appear
    Frame               function, file, line (None without line numbers), module, native,
                        qualname (resolved from the source when readable), key "module:qualname"

Collapsed lines are `frame;frame;... count` with frames `func (file:line)`, `func (file)`
(`--nolineno`), native `sym (lib.so)`, and optional `thread (0x..)` / `process N:"cmd"`
roots (`--threads` / `--subprocesses`), which are dropped, as are the native frames above
the first Python frame (libc/interpreter start-up). Native garbage-collector functions
(`gc_collect_main`, ...) get module `gc`. A stack is idle when its leaf
is a known wait (sleep, select, poll, lock/condition waits) -- py-spy `--idle` adds those.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl

from rbprofile.analysis.modules import ModuleResolver
from rbprofile.analysis.qualnames import QualnameIndex
from rbprofile.errors import RbprofileError

_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")
_ROOT = re.compile(r"^(?:thread \(0x[0-9a-fA-F]+\)|process \d+:.*|Thread \d+.*)$")
_PY_FILE = (".py", ".pyw", ".pyx")
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


class Frame(NamedTuple):
    function: str
    file: str
    line: int | None
    module: str
    native: bool
    qualname: str

    @property
    def key(self) -> str:
        return f"{self.module}:{self.qualname}"


@dataclass(frozen=True, slots=True)
class Stack:
    frames: tuple[Frame, ...]  # root first, leaf last
    count: int
    idle: bool


FRAME_STRUCT = pl.Struct(
    {
        "function": pl.String,
        "file": pl.String,
        "line": pl.Int64,
        "module": pl.String,
        "native": pl.Boolean,
        "qualname": pl.String,
    }
)


@dataclass(frozen=True)
class Samples:
    path: Path
    stacks: tuple[Stack, ...]
    total: int
    has_idle: bool
    has_native: bool
    format: str  # "collapsed" or "speedscope"
    _frame: list[pl.DataFrame] = field(default_factory=list, repr=False, compare=False)

    def frame(self) -> pl.DataFrame:
        if not self._frame:
            rows = [
                {"frames": [f._asdict() for f in s.frames], "count": s.count, "idle": s.idle}
                for s in self.stacks
            ]
            schema: dict[str, pl.DataType] = {
                "frames": pl.List(FRAME_STRUCT),
                "count": pl.Int64(),
                "idle": pl.Boolean(),
            }
            self._frame.append(pl.DataFrame(rows, schema=schema))
        return self._frame[0]


class _FrameMaker:
    def __init__(self, resolver: ModuleResolver) -> None:
        self.resolver = resolver
        self.qualnames = QualnameIndex()
        self.cache: dict[tuple[str, str, int | None], Frame] = {}

    def make(self, function: str, file: str, line: int | None) -> Frame:
        cache_key = (function, file, line)
        frame = self.cache.get(cache_key)
        if frame is None:
            native = bool(file) and not file.endswith(_PY_FILE) and not file.startswith("<")
            module = self.resolver.resolve(file).name
            if native and _GC_FUNCTION.match(function):
                module = "gc"  # the cyclic garbage collector inside libpython
            # py-spy >= 0.4 on Python 3.11+ already reports `co_qualname` ("Book.post").
            qualified = native or "." in function
            qualname = (
                function
                if qualified
                else self.qualnames.qualname(file, function, line, is_def_line=False)
            )
            frame = Frame(function, file, line, module, native, qualname)
            self.cache[cache_key] = frame
        return frame

    def parse(self, text: str) -> Frame | None:
        if _ROOT.match(text):
            return None
        match = _FRAME.match(text)
        if match is None:
            return self.make(text, "", None)
        line = match["line"]
        return self.make(match["func"], match["file"], int(line) if line else None)


def _stack(frames: list[Frame], count: int) -> Stack:
    idle = bool(frames) and frames[-1].function in IDLE_LEAVES
    first_python = next((i for i, f in enumerate(frames) if not f.native), 0)
    return Stack(tuple(frames[first_python:]), count, idle)


def _parse_collapsed(path: Path, text: str, maker: _FrameMaker) -> Iterator[Stack]:
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        body, _, count = line.rpartition(" ")
        if not count.isdigit():
            raise RbprofileError(
                f"{path}:{number}: not a py-spy collapsed line ('frame;frame;... count'); "
                "pass py-spy `--format raw` or speedscope output."
            )
        parts = body.split(";") if body else []  # " 4": samples with no Python stack
        frames = [f for f in (maker.parse(p) for p in parts) if f is not None]
        yield _stack(frames, int(count))


def _parse_speedscope(path: Path, doc: dict[str, Any], maker: _FrameMaker) -> Iterator[Stack]:
    try:
        shared = doc["shared"]["frames"]
        frames = [maker.make(f["name"], f.get("file") or "", f.get("line")) for f in shared]
        for profile in doc["profiles"]:
            weights = profile.get("weights") or [1] * len(profile["samples"])
            unit = min((w for w in weights if w > 0), default=1)
            for sample, weight in zip(profile["samples"], weights, strict=True):
                yield _stack([frames[i] for i in sample], max(round(weight / unit), 1))
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise RbprofileError(
            f"{path}: not a py-spy speedscope file ({exc!r}); re-run py-spy."
        ) from exc


def _merge(stacks: Iterator[Stack]) -> tuple[Stack, ...]:
    merged: dict[tuple[Frame, ...], Stack] = {}
    for stack in stacks:
        prev = merged.get(stack.frames)
        merged[stack.frames] = (
            stack if prev is None else replace(prev, count=prev.count + stack.count)
        )
    return tuple(merged.values())


def load_pyspy(path: Path, resolver: ModuleResolver | None = None) -> Samples:
    """Read a py-spy collapsed (raw) or speedscope file into a `Samples` value."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise RbprofileError(f"{path}: cannot read ({exc.strerror}); check the path.") from exc
    if not text.strip():
        raise RbprofileError(f"{path}: empty py-spy file; re-run py-spy record.")
    maker = _FrameMaker(resolver or ModuleResolver())
    if text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RbprofileError(
                f"{path}: invalid JSON at line {exc.lineno}; re-run py-spy."
            ) from exc
        stacks, fmt = _merge(_parse_speedscope(path, doc, maker)), "speedscope"
    else:
        stacks, fmt = _merge(_parse_collapsed(path, text, maker)), "collapsed"
    return Samples(
        path=path,
        stacks=stacks,
        total=sum(s.count for s in stacks),
        has_idle=any(s.idle for s in stacks),
        has_native=any(f.native for s in stacks for f in s.frames),
        format=fmt,
    )
