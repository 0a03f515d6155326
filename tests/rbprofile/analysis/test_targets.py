"""Optimization targets on hand-built profiles: owned time, portions, FFI check, Amdahl math."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from rbprofile.analysis.categories import Categorized
from rbprofile.analysis.pstats_source import EDGES_SCHEMA, CProfile
from rbprofile.analysis.rules import load_rules
from rbprofile.analysis.samples import Frame, build_samples
from rbprofile.analysis.targets import (
    amdahl,
    cpu_bound,
    effective_speedup,
    ffi_check,
    idle_shares,
    optimization_targets,
    parse_speedups,
)
from rbprofile.errors import RbprofileError
from rbprofile.schema import FUNCTIONS_SCHEMA

SPEEDUPS = load_rules().speedups
# key, file, ncalls, self_s, cum_s, category
FUNCTIONS = [
    ("proj.engine:run", "/src/proj/engine.py", 1, 0.4, 2.0, "other"),
    ("proj.engine:hot", "/src/proj/engine.py", 10, 0.8, 1.0, "loops"),
    ("builtins:list.append", "~", 1000, 0.2, 0.2, "Python overhead"),
    ("proj.engine:tiny", "/src/proj/engine.py", 100_000, 0.5, 0.6, "Decimal arithmetic"),
    ("polars:PyDataFrame.sort", "~", 100_000, 0.1, 0.1, "data processing"),
]
EDGES = [
    ("proj.engine:run", "proj.engine:hot", 10, 10, 0.8, 1.0),
    ("proj.engine:hot", "builtins:list.append", 1000, 1000, 0.2, 0.2),
    ("proj.engine:run", "proj.engine:tiny", 100_000, 100_000, 0.5, 0.6),
    ("proj.engine:tiny", "polars:PyDataFrame.sort", 100_000, 100_000, 0.1, 0.1),
]


def profile() -> CProfile:
    rows = [
        (k, k.split(":")[0], k.split(":")[1], f, 1, n, n, s, c, None, None, None, None, None)
        for k, f, n, s, c, _ in FUNCTIONS
    ]
    functions = pl.DataFrame(rows, schema=FUNCTIONS_SCHEMA, orient="row")
    edges = pl.DataFrame(EDGES, schema=EDGES_SCHEMA, orient="row")
    return CProfile(Path("hand.pstats"), functions, edges, total_s=2.0)


def categorized() -> Categorized:
    frame = pl.DataFrame(
        [(k, c) for k, *_, c in FUNCTIONS], schema={"key": pl.String, "category": pl.String},
        orient="row",
    )  # fmt: skip
    return Categorized(frame, pl.DataFrame(), "s", ())


def test_amdahl_and_effective_speedup_exact() -> None:
    assert amdahl(0.5, 2.0) == pytest.approx(4 / 3, rel=1e-15)
    assert amdahl(0.0, 20.0) == 1.0
    assert effective_speedup({"loops": 0.8, "native": 0.2}, SPEEDUPS) == pytest.approx(
        1 / (0.8 / 20 + 0.2 / 1), rel=1e-15
    )
    assert effective_speedup({}, SPEEDUPS) == 1.0


def test_ffi_check() -> None:
    assert ffi_check(0.0009, 1, "a:f") == "no: under 1 ms cumulative"
    assert ffi_check(0.6, 100_000, "a:run") == "no: 6 us per call; target the loop in a:run"
    assert ffi_check(0.6, 100_000, None) == "no: 6 us per call; target its caller's loop"
    assert ffi_check(1.0, 10, "a:run") == "yes"
    assert ffi_check(None, None, None) == "unknown: no call counts (py-spy only)"


def test_targets_rank_by_removable_time_with_exact_amdahl() -> None:
    table = optimization_targets(
        categorized(), profile=profile(), speedups=SPEEDUPS, project="proj"
    )
    rows = table.frame.to_dicts()
    assert [r["target"] for r in rows] == ["proj.engine:hot", "proj.engine:tiny", "proj.engine:run"]
    hot, tiny, run = rows
    # hot owns its 0.8 s (pure-Python loop, 20x) and list.append's 0.2 s (built-in glue, 10x)
    assert hot["owned_share"] == pytest.approx(0.5)
    assert hot["kernel_speedup"] == pytest.approx(1 / (0.8 / 20 + 0.2 / 10))
    assert hot["removable_s"] == pytest.approx(1.0 - (0.8 / 20 + 0.2 / 10))
    assert hot["amdahl_speedup"] == pytest.approx(1 / (0.5 + 0.5 * (0.04 + 0.02)))
    assert hot["assumed"] == "loops 20x on 80%, Python overhead 10x on 20%"
    assert (hot["calls"], hot["per_call_s"], hot["ffi"]) == (10, 0.1, "yes")
    assert (hot["native_share"], hot["code"]) == (pytest.approx(0.2), "pure Python")
    # tiny: Decimal self time 5x, polars' native sort 1x; 6 us per call fails the FFI check
    assert tiny["kernel_speedup"] == pytest.approx(0.6 / (0.5 / 5 + 0.1 / 1))
    assert tiny["amdahl_speedup"] == pytest.approx(1 / (0.7 + 0.3 / 3))
    assert tiny["ffi"] == "no: 6 us per call; target the loop in proj.engine:run"
    assert tiny["assumed"] == "Decimal arithmetic 5x on 83%, native 1x on 17%"
    assert (tiny["self_share"], tiny["inclusive_share"]) == (0.25, 0.3)
    assert run["kernel_speedup"] == pytest.approx(3.0)
    assert run["amdahl_speedup"] == pytest.approx(1 / (0.8 + 0.2 / 3))
    assert {r["cpu_bound"] for r in rows} == {"unknown: no py-spy"}
    assert [r["rank"] for r in rows] == [1, 2, 3]


def test_speedup_overrides_change_the_estimate() -> None:
    speedups = {**SPEEDUPS, **parse_speedups(["loops=40", "Python overhead=40"])}
    table = optimization_targets(
        categorized(), profile=profile(), speedups=speedups, project="proj"
    )
    hot = table.frame.row(0, named=True)
    assert hot["kernel_speedup"] == pytest.approx(40.0)
    assert any("loops 40x" in note for note in table.notes)


@pytest.mark.parametrize("item", ["loops", "loops=0.5", "fast=3", "loops=x"])
def test_bad_speedup_overrides_are_refused(item: str) -> None:
    with pytest.raises(RbprofileError, match="write CATEGORY=FACTOR"):
        parse_speedups([item])


def test_without_project_functions_each_function_owns_its_self_time() -> None:
    table = optimization_targets(categorized(), profile=profile(), speedups=SPEEDUPS, project="x")
    assert table.frame["target"].to_list()[:2] == ["proj.engine:hot", "proj.engine:tiny"]
    assert table.frame.row(0, named=True)["owned_share"] == pytest.approx(0.4)
    assert any("No function of 'x'" in note for note in table.notes)


def frame(name: str, native: bool = False) -> Frame:
    module = "<native libc>" if native else name.split(":")[0]
    qualname = name.split(":")[-1]
    return Frame(qualname, "/lib/libc.so.6" if native else "/src/p.py", 1, module, native, qualname)


def test_idle_samples_decide_cpu_bound() -> None:
    run, hot, tiny = frame("proj.engine:run"), frame("proj.engine:hot"), frame("proj.engine:tiny")
    stacks = [
        ((run, hot), 9, False),
        ((run, hot, frame("clock_nanosleep", native=True)), 1, True),
        ((run, tiny), 1, False),
        ((run, tiny, frame("wait4", native=True)), 3, True),  # a child wait: idle
    ]
    samples = build_samples(Path("s.txt"), stacks, "collapsed")
    idle = idle_shares(samples, "proj")
    assert idle == {"proj.engine:hot": 0.1, "proj.engine:tiny": 0.75}
    assert cpu_bound("proj.engine:hot", idle) == "no: waits 10%"
    assert cpu_bound("proj.engine:run", {"proj.engine:run": 0.05}) == "yes"
    assert cpu_bound("proj.engine:run", None) == "unknown: no py-spy"
    assert cpu_bound("proj.engine:other", {}) == "unknown: no py-spy samples"


def test_targets_from_py_spy_samples_only() -> None:
    run, hot = frame("proj.engine:run"), frame("proj.engine:hot")
    native = Frame("sort", "/site-packages/polars/p.so", None, "polars", True, "sort")
    stacks = [((run, hot), 6, False), ((run, hot, native), 2, False)]
    samples = build_samples(Path("s.txt"), stacks, "collapsed")
    table = optimization_targets(categorized(), samples=samples, speedups=SPEEDUPS, project="proj")
    hot_row = table.frame.row(0, named=True)
    assert hot_row["target"] == "proj.engine:hot"
    assert hot_row["native_share"] == 0.25
    assert hot_row["kernel_speedup"] == pytest.approx(8 / (6 / 20 + 2 / 1))
    assert (hot_row["calls"], hot_row["ffi"]) == (None, "unknown: no call counts (py-spy only)")
    assert hot_row["cpu_bound"] == "yes"
