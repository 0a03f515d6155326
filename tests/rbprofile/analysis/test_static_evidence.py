"""Static evidence from `ast` for profiles without py-spy: loop candidates (comprehensions on
3.11 too) and Decimal arithmetic candidates, and how they decide next to measured evidence."""

from __future__ import annotations

import ast
from pathlib import Path

import polars as pl
import pytest

from rbprofile.analysis.categories import categorize, gather_evidence
from rbprofile.analysis.decimal_ast import decimal_sites, money_names, static_decimal_evidence
from rbprofile.analysis.evidence import DECIMAL_STATIC, LOOP_LINES, LOOP_STATIC, evidence_frame
from rbprofile.analysis.loops import enclosing, loop_lines, static_loop_evidence
from rbprofile.analysis.rules import load_rules
from rbprofile.schema import FUNCTIONS_SCHEMA

MONEY = """\
from decimal import Decimal as D
from typing import Any

Money = Any
CENT = D("0.01")


class Position:
    cost_basis: Money

    def __init__(self, amount: int, price: Money) -> None:
        self.last_price: Money = price
        self.amount = amount

    def value(self) -> Money:
        return self.last_price * self.amount

    def fee(self, rate: Money):
        total = rate * 2
        total += CENT
        return total.quantize(CENT)

    def settle(self, numeric, shares):
        money = numeric.money_type
        return money(shares) / money(100)

    def untyped(self, a, b):
        if a is None or self.cost_basis is None:
            return a
        return a + b

    def frame_work(self, frame):
        return frame.normalize()

    def outer(self, price: Money):
        def inner():
            return D("1") * 2

        return inner

    def mode(self, numeric):
        num = D if numeric == "decimal" else float
        return num("1.5") - num(1)
"""


def sites(name: str) -> list[tuple[int, str]] | None:
    tree = ast.parse(MONEY)
    found = decimal_sites(MONEY, name, _line(name), money_names([tree]))
    return None if found is None else [(s.line, s.what) for s in found]


def _line(name: str) -> int:
    short = name.rsplit(".", 1)[-1]
    return next(i for i, ln in enumerate(MONEY.splitlines(), 1) if f"def {short}(" in ln)


def test_money_names_come_from_annotations() -> None:
    names = money_names([ast.parse(MONEY)])
    assert names.attributes == {"cost_basis", "last_price"}  # not `amount` (unannotated)
    assert names.functions == {"value"}


def test_decimal_sites_of_hand_written_functions() -> None:
    # a money attribute times an int
    assert sites("Position.value") == [(16, "arithmetic")]
    # an annotated parameter, a local bound to money, augmented arithmetic, quantize
    assert sites("Position.fee") == [
        (19, "arithmetic"), (20, "arithmetic"), (21, "method"),
    ]  # fmt: skip
    # rustybt's numeric mode: a local bound to numeric.money_type constructs money
    assert sites("Position.settle") == [
        (25, "arithmetic"), (25, "construct"), (25, "construct"),
    ]  # fmt: skip
    # `is None` does no arithmetic; untyped values are unknown
    assert sites("Position.untyped") == []
    # normalize on something that is not money is not Decimal work (pandas has one too)
    assert sites("Position.frame_work") == []
    # nested functions are their own frames
    assert sites("Position.outer") == []
    assert sites("Position.outer.<locals>.inner") == [(37, "arithmetic"), (37, "construct")]
    # `Decimal if ... else float` bound to a local constructs money
    assert sites("Position.mode") == [
        (43, "arithmetic"), (43, "construct"), (43, "construct"),
    ]  # fmt: skip
    assert decimal_sites(MONEY, "missing", 16) is None


LOOPS = """\
def hot(n):
    total = 0
    for i in range(n):
        total += i % 7
    return total


def comp(n):
    return sum([i * i for i in range(n)])


def driver(n):
    for i in range(n):
        helper(i)


def helper(i):
    return i + 1


def flat(x):
    return x * 2
"""


def table(path: Path, rows: list[tuple[str, int, float, float]]) -> pl.DataFrame:
    """FUNCTIONS_SCHEMA rows for functions of module `prog` in `path`: qualname, line,
    self_s, cum_s."""
    return pl.DataFrame(
        [
            (f"prog:{q}", "prog", q, str(path), line, 1, 1, s, c, None, None, None, None, None)
            for q, line, s, c in rows
        ],
        schema=FUNCTIONS_SCHEMA,
        orient="row",
    )


@pytest.fixture
def prog(tmp_path: Path) -> Path:
    path = tmp_path / "prog.py"
    path.write_text(LOOPS)
    return path


def test_static_loop_candidates(prog: Path) -> None:
    functions = table(
        prog,
        [
            ("hot", 1, 0.50, 0.50),  # a loop, all its own time: a candidate
            ("comp", 8, 0.10, 0.15),  # only a comprehension: a loop line on 3.11 too
            ("comp.<locals>.<listcomp>", 9, 0.20, 0.20),  # 3.11's comprehension code object
            ("driver", 12, 0.05, 0.40),  # loops, but most of its time is its callee's
            ("helper", 17, 0.35, 0.35),  # no loop
            ("flat", 21, 0.0001, 0.0001),  # too little self time to name
        ],
    )
    rows = {r["key"]: r for r in static_loop_evidence(functions).iter_rows(named=True)}
    assert sorted(rows) == ["prog:comp", "prog:comp.<locals>.<listcomp>", "prog:hot"]
    assert {r["kind"] for r in rows.values()} == {LOOP_STATIC}
    assert {r["share"] for r in rows.values()} == {None}  # static: nothing measured
    assert rows["prog:hot"]["detail"] == (
        "for/while/comprehension lines 3-4 in its body; self 0.5000 s, 100% of its cumulative"
    )
    assert rows["prog:comp"]["detail"].startswith("for/while/comprehension lines 9 in its body")
    assert rows["prog:comp.<locals>.<listcomp>"]["detail"].startswith(
        "a comprehension's own code object (a loop by nature)"
    )


def test_comprehension_frames_map_to_their_function() -> None:
    assert enclosing("m:f.<locals>.<listcomp>") == "m:f"
    assert enclosing("m:C.f.<locals>.<genexpr>") == "m:C.f"
    assert enclosing("m:f.<locals>.<listcomp>.<genexpr>") == "m:f"
    assert enclosing("m:<listcomp>") == "m:<module>"
    assert enclosing("m:f") is None
    found = loop_lines(LOOPS, "comp", 9)
    assert found is not None and found.lines == {9}


def test_static_evidence_decides_below_rules_and_measured_evidence(prog: Path) -> None:
    functions = table(prog, [("hot", 1, 0.5, 0.5), ("helper", 17, 0.3, 0.3)])
    result = categorize(functions, load_rules())
    decided = dict(result.functions.select("key", "decided_by").iter_rows())
    assert decided["prog:hot"] == f"evidence: {LOOP_STATIC}"
    assert decided["prog:helper"].startswith("rule python-code")
    assert "(not measured)" in result.functions.filter(pl.col("key") == "prog:hot")["evidence"][0]
    # measured loop evidence of the same function makes the static guess moot
    measured = evidence_frame(
        [{"key": "prog:hot", "category": "loops", "kind": LOOP_LINES, "share": 0.2,
          "detail": "1/5"}]
    )  # fmt: skip
    result = categorize(functions, load_rules(), evidence=measured)
    assert result.functions.filter(pl.col("key") == "prog:hot")["category"][0] == (
        "Python per-call logic"
    )


def test_float_runs_get_no_static_decimal_evidence(tmp_path: Path) -> None:
    path = tmp_path / "money.py"
    path.write_text(MONEY)
    functions = table(path, [("Position.fee", _line("Position.fee"), 0.5, 0.5)])
    assert static_decimal_evidence(functions)["kind"].to_list() == [DECIMAL_STATIC]
    kinds = gather_evidence(functions, None, None, numeric="decimal")["kind"].to_list()
    assert kinds == [DECIMAL_STATIC]
    assert gather_evidence(functions, None, None, numeric="float").height == 0
