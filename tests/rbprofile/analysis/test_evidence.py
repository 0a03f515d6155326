"""Measured evidence: loop lines from ast + py-spy line samples, Decimal cost three ways."""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest

from rbprofile.analysis.decimal_cost import (
    decimal_methods,
    decimal_native,
    decimal_vs_float,
)
from rbprofile.analysis.evidence import DECIMAL_NATIVE, DECIMAL_VS_FLOAT, LOOP_LINES
from rbprofile.analysis.loops import loop_evidence, loop_lines
from rbprofile.analysis.pyspy_source import load_pyspy
from rbprofile.analysis.samples import Frame, Samples, build_samples
from rbprofile.schema import FUNCTIONS_SCHEMA

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))

from catprofiles import catprog_root, pyspy_catprog

SOURCE = """\
import functools

def outer(xs):
    total = 0
    for x in xs:
        total += x
        if x:
            total -= 1
    def inner():
        for y in xs:
            pass
    while total > 0:
        total -= 1
    return total

@functools.lru_cache
def deco(n):
    return [i for i in range(n)]
"""


def test_loop_lines_cover_for_and_while_bodies_but_not_nested_functions() -> None:
    found = loop_lines(SOURCE, "outer", 6)
    assert found is not None
    assert (found.first, found.last) == (3, 14)
    assert found.lines == {5, 6, 7, 8, 12, 13}


def test_loop_lines_of_a_nested_function_and_a_decorated_one() -> None:
    inner = loop_lines(SOURCE, "outer.<locals>.inner", 11)
    assert inner is not None and inner.lines == {10, 11}
    deco = loop_lines(SOURCE, "deco", 16)  # cProfile's first line of a decorated function
    assert deco is not None
    assert deco.lines == {18}  # a comprehension is a loop line on 3.11 as on 3.12


def test_loop_lines_of_an_unknown_function_is_none() -> None:
    assert loop_lines(SOURCE, "missing", 6) is None


def frame(
    name: str, file: str, line: int | None, module: str = "prog", native: bool = False
) -> Frame:
    return Frame(name, file, line, module, native, name)


Stack = tuple[tuple[Frame, ...], int, bool]  # frames root first, count, idle


def samples(stacks: list[Stack]) -> Samples:
    return build_samples(Path("hand.txt"), stacks, "collapsed")


@pytest.fixture
def prog(tmp_path: Path) -> str:
    path = tmp_path / "prog.py"
    path.write_text(SOURCE)
    return str(path)


def test_loop_evidence_counts_own_line_samples_on_loop_lines(prog: str) -> None:
    root = frame("<module>", prog, 20)
    polars = frame("sort", "/site-packages/polars/_polars.so", None, "polars", native=True)
    libc = frame("malloc", "/lib/libc.so.6", None, "<native libc>", native=True)
    stacks = [
        ((root, frame("outer", prog, 6)), 5, False),  # loop body
        ((root, frame("outer", prog, 6), libc), 1, False),  # interpreter/libc: still loop
        ((root, frame("outer", prog, 4)), 2, False),  # before the loop
        ((root, frame("outer", prog, 6), polars), 2, False),  # extension work, not loop
        ((root, frame("outer", prog, 13)), 4, True),  # idle: ignored
        ((root, frame("deco", prog, 18)), 3, False),  # too few samples
    ]
    rows = loop_evidence(samples(stacks)).rows(named=True)
    assert rows == [
        {
            "key": "prog:outer",
            "category": "loops",
            "kind": LOOP_LINES,
            "share": 0.6,
            "detail": "6/10 own samples on loop lines 6",
        }
    ]


def test_comprehension_frames_are_loops_by_nature(prog: str) -> None:
    # Python 3.11 runs the comprehension in its own frame: its samples are the comprehension's
    # loop lines and, mapped back, loop lines of the function it is written in
    deco = frame("deco", prog, 18)
    comp = frame("deco.<locals>.<listcomp>", prog, 18)
    rows = loop_evidence(samples([((deco, comp), 7, False)])).rows(named=True)
    assert sorted((r["key"], r["share"], r["detail"]) for r in rows) == [
        ("prog:deco", 1.0, "7/7 own samples on loop lines 18"),
        ("prog:deco.<locals>.<listcomp>", 1.0, "7/7 own samples on loop lines 18"),
    ]


def test_decimal_native_counts_libmpdec_frames_under_the_python_frame(prog: str) -> None:
    py = frame("outer", prog, 6)
    mul = frame("nm_mpd_qmul", "/Modules/_decimal/_decimal.c", 4193, "decimal", native=True)
    decref = frame("Py_DECREF", "/Include/object.h", 537, "<native object>", native=True)
    stacks = [
        ((py, mul, decref), 2, False),
        ((py, decref, mul), 1, False),
        ((py,), 1, False),
        ((py, mul), 5, True),  # idle stacks are not evidence
    ]
    rows = decimal_native(samples(stacks)).rows(named=True)
    assert rows == [
        {
            "key": "prog:outer",
            "category": "Decimal arithmetic",
            "kind": DECIMAL_NATIVE,
            "share": 0.75,
            "detail": "3/4 own samples in _decimal/libmpdec",
        }
    ]


def functions(rows: dict[str, float], module: str = "prog") -> pl.DataFrame:
    return pl.DataFrame(
        [
            (f"{module}:{q}", module, q, "/p.py", 1, 1, 1, s, s, None, None, None, None, None)
            for q, s in rows.items()
        ],
        schema=FUNCTIONS_SCHEMA,
        orient="row",
    )


def test_decimal_vs_float_is_the_self_time_difference() -> None:
    dec = functions({"a": 1.0, "b": 0.5, "c": 0.2, "d": 0.3})
    flt = functions({"a": 0.2, "b": 0.5, "c": 0.2})
    rows = {
        r["key"]: r for r in decimal_vs_float(dec, flt, "base-float/daily").iter_rows(named=True)
    }
    assert {k: round(r["share"], 12) for k, r in rows.items()} == {
        "prog:a": 0.8, "prog:b": 0.0, "prog:c": 0.0, "prog:d": 1.0,
    }  # fmt: skip
    assert rows["prog:a"]["kind"] == DECIMAL_VS_FLOAT
    assert rows["prog:a"]["detail"] == (
        "self 1.0000 s decimal vs 0.2000 s float (base-float/daily, x1.00 machine drift): "
        "Decimal cost 0.8000 s"
    )


def test_decimal_vs_float_ignores_differences_under_the_noise_floor() -> None:
    # 90 us vs 30 us is jitter, not Decimal work; a decimal-only function still counts
    dec = functions({"a": 0.00009, "b": 0.0025, "c": 0.0004})
    flt = functions({"a": 0.00003, "b": 0.0005})
    rows = {r["key"]: r for r in decimal_vs_float(dec, flt, "f").iter_rows(named=True)}
    assert {k: round(r["share"], 12) for k, r in rows.items()} == {
        "prog:a": 0.0, "prog:b": 0.8, "prog:c": 1.0,
    }  # fmt: skip
    assert rows["prog:a"]["detail"].endswith(
        "Decimal cost 0.0000 s (0.06 ms difference is under the 1 ms noise floor)"
    )


def test_decimal_vs_float_removes_machine_drift() -> None:
    # the decimal run was 2x slower across the board; only `a` did real Decimal work
    dec = functions({"a": 1.0, "b": 0.4, "c": 0.2, "d": 0.1})
    flt = functions({"a": 0.1, "b": 0.2, "c": 0.1, "d": 0.05})
    rows = {r["key"]: r["share"] for r in decimal_vs_float(dec, flt, "f").iter_rows(named=True)}
    assert {k: round(v, 12) for k, v in rows.items()} == {
        "prog:a": 0.8, "prog:b": 0.0, "prog:c": 0.0, "prog:d": 0.0,
    }  # fmt: skip


def test_decimal_methods_are_their_own_evidence() -> None:
    table = pl.concat([functions({"Decimal.quantize": 0.1}, "decimal"), functions({"a": 1.0})])
    rows = decimal_methods(table).rows()
    assert rows == [
        ("decimal:Decimal.quantize", "Decimal arithmetic",
         "decimal module entry (decimal.Decimal method)", 1.0,
         "Decimal.quantize in module decimal"),
    ]  # fmt: skip


@pytest.mark.slow
def test_real_pyspy_finds_the_loop_and_the_decimal_work(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    root = catprog_root(tmp_path_factory.getbasetemp() / "catprog-shared")
    sampled = load_pyspy(pyspy_catprog(root))
    loops = {r["key"]: r["share"] for r in loop_evidence(sampled).iter_rows(named=True)}
    assert loops["catprog.main:loop_heavy"] > 0.9
    assert loops["catprog.indicators:sma"] > 0.9
    decimal = {r["key"]: r["share"] for r in decimal_native(sampled).iter_rows(named=True)}
    assert decimal["catprog.main:decimal_heavy"] > 0.5
    assert "catprog.main:loop_heavy" not in decimal
