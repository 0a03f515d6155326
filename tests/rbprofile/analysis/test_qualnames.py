"""Qualified names from source (regex scan) and from a fresh .pyc (co_qualname) agree."""

from __future__ import annotations

import py_compile
from pathlib import Path

import pytest

from rbprofile.analysis.qualnames import QualnameIndex, has_source

SOURCE = """\
import functools


class Ledger:
    def post(self, x):
        return [y for y in x]

    @functools.cache
    def total(self):
        def inner():
            return 1
        return inner()


def top():
    f = lambda: 2  # noqa: E731
    return f()
"""
# (name, cProfile's first line) -> qualname
EXPECTED = {
    ("Ledger", 4): "Ledger",
    ("post", 5): "Ledger.post",
    ("<listcomp>", 6): "Ledger.post.<locals>.<listcomp>",
    ("total", 8): "Ledger.total",  # decorated: co_firstlineno is the decorator's line
    ("inner", 10): "Ledger.total.<locals>.inner",
    ("top", 15): "top",
    ("<lambda>", 16): "top.<locals>.<lambda>",
}


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "ledger_mod.py"
    path.write_text(SOURCE)
    return path


@pytest.mark.parametrize("compiled", [False, True])
def test_def_lines(source: Path, compiled: bool) -> None:
    if compiled:
        py_compile.compile(str(source), doraise=True)
    index = QualnameIndex()
    got = {key: index.qualname(str(source), key[0], key[1], is_def_line=True) for key in EXPECTED}
    assert got == EXPECTED
    assert (index._pyc(str(source)) is not None) is compiled  # which path answered


def test_running_lines_for_py_spy(source: Path) -> None:
    index = QualnameIndex()
    assert index.qualname(str(source), "post", 6, is_def_line=False) == "Ledger.post"
    assert index.qualname(str(source), "inner", 11, is_def_line=False) == (
        "Ledger.total.<locals>.inner"
    )
    assert index.qualname(str(source), "total", 12, is_def_line=False) == "Ledger.total"


def test_unreadable_file_keeps_the_name(tmp_path: Path) -> None:
    index = QualnameIndex()
    assert index.qualname(str(tmp_path / "gone.py"), "post", 5, is_def_line=True) == "post"


def test_generated_code_has_no_source_and_keeps_its_name() -> None:
    assert not has_source("<string>")  # what dataclasses generate: pstats' bare co_name stays
    assert QualnameIndex().qualname("<string>", "__init__", 2, is_def_line=True) == "__init__"
    # a frozen stdlib module reads the standard library's copy: its methods get qualnames
    frozen = "<frozen importlib._bootstrap>"
    assert has_source(frozen)
    import importlib._bootstrap as bootstrap

    line = bootstrap._ModuleLock.acquire.__code__.co_firstlineno
    assert QualnameIndex().qualname(frozen, "acquire", line, is_def_line=True) == (
        "_ModuleLock.acquire"
    )


def test_module_code_is_named_without_reading_the_file(source: Path) -> None:
    py_compile.compile(str(source), doraise=True)
    index = QualnameIndex()
    assert index.qualname(str(source), "<module>", 1, is_def_line=True) == "<module>"
    assert index.qualname(str(source), "<module>", 3, is_def_line=False) == "<module>"
    assert not index._pycs and not index._files  # a whole-process profile has ~1,000 of them
