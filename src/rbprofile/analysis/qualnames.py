"""Qualified names from source text: `meth` at line 12 of prog.py -> `A.meth`.

cProfile records only `co_name` (and the first line, a decorator's line when decorated);
py-spy records the name and the current line. Stable identities across runs need the
qualified name, so each source file is scanned once (a regex over `def`/`class` lines and
an indentation stack, much cheaper than `ast`) and cached.

    QualnameIndex().qualname(file, name, line, *, is_def_line) -> str
    has_source(file) -> bool    whether there is a source to read (`<string>` has none: there
                                cProfile's functions keep their bare `co_name`)

For cProfile's (first line, name) pairs the interpreter's own answer is read first: the
fresh `__pycache__` .pyc of the file holds every code object's `co_qualname` (3.11+), and
unmarshalling it is ~10x faster than scanning large sources. Falls back to `name` when the
file cannot be read or nothing matches.
"""

from __future__ import annotations

import bisect
import importlib.util
import marshal
import re
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from types import CodeType

_DEF = re.compile(r"^([ \t]*)(?:async[ \t]+)?(def|class)[ \t]+(\w+)", re.MULTILINE)


@dataclass(frozen=True)
class _Scope:
    line: int
    indent: int
    name: str
    qualname: str
    kind: str  # "def" or "class"


@dataclass(frozen=True)
class _FileIndex:
    scopes: tuple[_Scope, ...]
    lines: tuple[int, ...]  # scope start lines, sorted
    text_lines: tuple[str, ...]

    def indent_of(self, line: int) -> int:
        if 1 <= line <= len(self.text_lines):
            text = self.text_lines[line - 1]
            return len(text) - len(text.lstrip(" \t"))
        return 1 << 30


def _width(indent: str) -> int:
    return len(indent.expandtabs(8))


def _scan(text: str) -> _FileIndex:
    scopes: list[_Scope] = []
    stack: list[_Scope] = []
    line, pos = 1, 0
    for match in _DEF.finditer(text):
        line += text.count("\n", pos, match.start())
        pos = match.start()
        indent, kind, name = _width(match.group(1)), match.group(2), match.group(3)
        while stack and stack[-1].indent >= indent:
            stack.pop()
        prefix = ""
        if stack:
            parent = stack[-1]
            prefix = parent.qualname + (".<locals>." if parent.kind == "def" else ".")
        scope = _Scope(line, indent, name, prefix + name, kind)
        scopes.append(scope)
        stack.append(scope)
    return _FileIndex(tuple(scopes), tuple(s.line for s in scopes), tuple(text.splitlines()))


def _source_path(file: str) -> Path | None:
    """The readable source of `file`; `<frozen importlib._bootstrap>` maps to the stdlib copy."""
    if file.startswith("<frozen ") and file.endswith(">"):
        dotted = file[len("<frozen ") : -1]
        return Path(sysconfig.get_paths()["stdlib"], *dotted.split(".")).with_suffix(".py")
    if file.endswith((".py", ".pyw")):
        return Path(file)
    return None


def has_source(file: str) -> bool:
    """Whether `file` names a source this index can read (a `.py` file, a frozen stdlib module)."""
    return _source_path(file) is not None


PycTable = dict[tuple[int, str], str]


def _pyc_table(source: Path) -> PycTable | None:
    """(co_firstlineno, co_name) -> co_qualname from a fresh .pyc, or None."""
    try:
        data = Path(importlib.util.cache_from_source(str(source))).read_bytes()
        stat = source.stat()
    except (OSError, ValueError, NotImplementedError):
        return None
    flags = int.from_bytes(data[4:8], "little")
    same_source = (
        flags != 0
        or (  # hash-based pycs are checked by the import system
            int.from_bytes(data[8:12], "little") == int(stat.st_mtime) & 0xFFFFFFFF
            and int.from_bytes(data[12:16], "little") == stat.st_size & 0xFFFFFFFF
        )
    )
    if data[:4] != importlib.util.MAGIC_NUMBER or not same_source:
        return None
    try:
        code = marshal.loads(memoryview(data)[16:])
    except (EOFError, ValueError, TypeError):
        return None
    if not hasattr(code, "co_qualname"):  # before Python 3.11
        return None
    table: PycTable = {}
    todo = [code]
    while todo:
        current = todo.pop()
        table[(current.co_firstlineno, current.co_name)] = current.co_qualname
        todo.extend(c for c in current.co_consts if type(c) is CodeType)
    return table


class QualnameIndex:
    """Cached per-file scope tables; one instance per analysis."""

    def __init__(self) -> None:
        self._files: dict[str, _FileIndex | None] = {}
        self._pycs: dict[str, PycTable | None] = {}

    def _pyc(self, file: str) -> PycTable | None:
        if file not in self._pycs:
            source = _source_path(file)
            frozen = file.startswith("<frozen ")
            self._pycs[file] = _pyc_table(source) if source and not frozen else None
        return self._pycs[file]

    def _index(self, file: str) -> _FileIndex | None:
        if file not in self._files:
            self._files[file] = None
            source = _source_path(file)
            if source is not None:
                try:
                    text = source.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    text = None
                if text is not None:
                    self._files[file] = _scan(text)
        return self._files[file]

    def qualname(self, file: str, name: str, line: int | None, *, is_def_line: bool) -> str:
        """The qualified name of `name` defined at (or, for py-spy, running at) `line`."""
        if name == "<module>":  # every answer below is the name itself: no file to read
            return name
        if is_def_line and line is not None:
            table = self._pyc(file)
            if table is not None and (line, name) in table:
                return table[(line, name)]
        index = self._index(file)
        if index is None or line is None or line <= 0:
            return name
        if name.startswith("<"):
            return self._nested(index, name, line)
        if is_def_line:
            found = self._at_def(index, name, line)
        else:
            found = self._enclosing(index, name, line)
        return found.qualname if found is not None else name

    @staticmethod
    def _at_def(index: _FileIndex, name: str, line: int) -> _Scope | None:
        # co_firstlineno is the first decorator line for decorated functions.
        i = bisect.bisect_left(index.lines, line)
        for scope in index.scopes[i : i + 3]:
            if scope.name == name and scope.line - line <= 30:
                return scope
        return None

    @staticmethod
    def _enclosing(index: _FileIndex, name: str, line: int) -> _Scope | None:
        indent = index.indent_of(line)
        i = bisect.bisect_right(index.lines, line) - 1
        while i >= 0:
            scope = index.scopes[i]
            if scope.name == name and (scope.indent < indent or scope.line == line):
                return scope
            i -= 1
        return None

    @staticmethod
    def _nested(index: _FileIndex, name: str, line: int) -> str:
        """`<lambda>`, `<listcomp>`, `<genexpr>` ... qualified by the scope around them."""
        if name == "<module>":
            return name
        indent = index.indent_of(line)
        i = bisect.bisect_right(index.lines, line) - 1
        while i >= 0:
            scope = index.scopes[i]
            if scope.indent < indent:
                sep = ".<locals>." if scope.kind == "def" else "."
                return scope.qualname + sep + name
            i -= 1
        return name
