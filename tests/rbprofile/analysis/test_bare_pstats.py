"""A bare cProfile `.pstats` of a small program (no py-spy, no float twin): its pure-Python loop
is 'loops' and its Decimal operator arithmetic is 'Decimal arithmetic', from static evidence
read with `ast`, and both are labelled as static (not measured) in `categorize --explain`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from rbprofile.analysis.evidence import DECIMAL_STATIC, LOOP_STATIC

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))

from programs import cprofile_call, load_source

PROGRAM = """\
from decimal import Decimal


def ledger(n):
    cash, fee, rate = Decimal("1000.00"), Decimal("0.25"), Decimal("1.0001")
    for _ in range(n):
        cash = cash * rate - fee
        cash = cash + fee / rate
    return cash


def count(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def step(x):
    return x * 3 + 1


def driver(n):
    return sum(step(i) for i in range(n))


def squares(n):
    return sum([i * i % 7 for i in range(n)])


def main():
    ledger(60_000)
    count(300_000)
    driver(30_000)
    squares(200_000)
"""


@pytest.fixture(scope="module")
def bare_pstats(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("bareprog")
    module = load_source(tmp / "bareprog.py", PROGRAM)
    return cprofile_call(tmp / "bareprog.pstats", module.main)


def test_loop_and_decimal_found_from_a_bare_pstats(bare_pstats: Path, cli) -> None:
    result = cli(["categorize", str(bare_pstats), "--explain", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    rows = {r["key"]: r for r in doc["tables"]["functions"]["rows"]}
    ledger, count = rows["bareprog:ledger"], rows["bareprog:count"]
    # Decimal says what the loop does: it wins the tie between the two static guesses
    assert (ledger["category"], ledger["decided_by"]) == (
        "Decimal arithmetic", f"evidence: {DECIMAL_STATIC}",
    )  # fmt: skip
    assert "Decimal operations (arithmetic, construct) at lines 5, 7, 8" in ledger["evidence"]
    assert (count["category"], count["decided_by"]) == ("loops", f"evidence: {LOOP_STATIC}")
    assert "lines 14-15 in its body" in count["evidence"]
    assert "(not measured)" in count["evidence"]
    # a function without a loop of its own is per-call logic; a generator expression's own
    # code object (3.11 and 3.12 alike) is a loop by nature
    assert rows["bareprog:step"]["category"] == "Python per-call logic"
    assert rows["bareprog:driver.<locals>.<genexpr>"]["category"] == "loops"
    # a list comprehension is its own code object before 3.12, inlined from 3.12: a loop both ways
    inlined = sys.version_info >= (3, 12)
    comp = "bareprog:squares" if inlined else "bareprog:squares.<locals>.<listcomp>"
    assert rows[comp]["category"] == "loops"
    assert set(doc["meta"]["evidence"]) >= {DECIMAL_STATIC, LOOP_STATIC}
    assert doc["meta"]["split_samples"] is None  # no samples: no split breakdown
    shares = {r["category"]: r["share"] for r in doc["tables"]["categories"]["rows"]}
    assert sum(shares.values()) == pytest.approx(1.0, abs=1e-12)
    assert shares["loops"] > 0 and shares["Decimal arithmetic"] > 0
