"""def_loop_lines (a function read from its own lines) answers as file_loop_lines (the whole
file parsed) for every def, and falls back to the whole file when the block is not alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from rbprofile.analysis import loops
from rbprofile.analysis.loops import def_loop_lines, file_loop_lines, parsed_source

SOURCE = '''\
import functools


class Book:
    @functools.cache
    def total(self, xs):
        return sum(x for x in xs)

    @property
    def rows(
        self,
    ):
        out = []
        for r in self.data:
            out.append(r)
        return out

    def dedented(self):
        text = """
a string line at column 0
"""
        while text:
            text = text[1:]
        return text

    def continued(self):
        n = 1 + \\
2
        return n


def top(xs):
    def inner():
        for y in xs:
            pass
    # a comment at column 0 inside the body
    while xs:
        xs.pop()

    return [i for i in xs]


def one_liner(): return 1
async def agen(xs):
    async for x in xs:
        yield x
'''


@pytest.fixture
def source(tmp_path: Path) -> str:
    path = tmp_path / "book_mod.py"
    path.write_text(SOURCE)
    return str(path)


def _defs(file: str) -> list[tuple[str, int]]:
    parsed = parsed_source(file)
    assert parsed is not None
    return [(name, start) for name, start, _end, _node in parsed.defs]


def test_every_def_answers_as_the_whole_file(source: str) -> None:
    defs = _defs(source)
    assert len(defs) == 8
    for name, start in defs:
        assert def_loop_lines(source, f"m.{name}", start) == file_loop_lines(source, name, start)


def test_blocks_that_stand_alone_are_parsed_alone(source: str) -> None:
    lines = loops._source_lines(source)
    assert lines is not None
    alone = {name for name, start in _defs(source) if loops._def_alone(lines, name, start)}
    # a string or a continuation back at column 0 cuts the block: the whole file answers
    assert alone == {"total", "rows", "top", "inner", "one_liner", "agen"}
    rows = def_loop_lines(source, "Book.rows", 9)
    assert rows is not None and (rows.first, rows.last, rows.lines) == (10, 16, {14, 15})


def test_names_no_def_carries(source: str) -> None:
    assert def_loop_lines(source, "top.<locals>.<lambda>", 34) is None
    module = def_loop_lines(source, "<module>", 1)
    assert module is not None and module.lines == frozenset()  # no loop at module level
    assert def_loop_lines(source, "missing", 6) is None
    assert def_loop_lines(source, "total", 400) is None
    assert def_loop_lines(source + "x", "rows", 3) is None  # not a def's first line


def test_line_one_of_generated_code(tmp_path: Path) -> None:
    """Decorators that `exec` a wrapper report the decorated file and line 1."""
    for text in (
        "import os\n\ndef f(xs):\n    for x in xs:\n        pass\n",
        "def f(xs):\n    for x in xs:\n        pass\n",
        "@dec\ndef f(xs):\n    while xs:\n        pass\n",
    ):
        path = tmp_path / "gen.py"
        path.write_text(text)
        loops.source_text.cache_clear()
        loops._source_lines.cache_clear()
        parsed_source.cache_clear()
        assert def_loop_lines(str(path), "f", 1) == file_loop_lines(str(path), "f", 1)
    assert def_loop_lines(str(path), "f", 1) is not None
