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
    fix_kind,
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
    # a C function calling tiny as heavily as run does: never "the loop" to target
    ("builtins:sorted", "proj.engine:tiny", 1, 1, 0.0, 0.6),
]
# proj/engine.py as the profile saw it: `run` (line 1) loops, the others do not
ENGINE = """\
def run(n):
    for i in range(n):
        hot(i)
        tiny(i)
"""


def profile(engine: Path | None = None) -> CProfile:
    """The hand-built profile; `engine` is where proj/engine.py's source is (else nowhere)."""
    if engine is not None:
        engine.write_text(ENGINE)
    rows = [
        (k, k.split(":")[0], k.split(":")[1], str(engine) if engine and f != "~" else f, 1,
         n, n, s, c, None, None, None, None, None)
        for k, f, n, s, c, _ in FUNCTIONS
    ]  # fmt: skip
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


def test_targets_rank_by_removable_time_with_exact_amdahl(tmp_path: Path) -> None:
    table = optimization_targets(
        categorized(), profile=profile(tmp_path / "engine.py"), speedups=SPEEDUPS, project="proj"
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
    # builtins:sorted calls tiny as much, but only run is Python with a loop of its own
    assert tiny["ffi"] == "no: 6 us per call; target the loop in proj.engine:run"
    assert tiny["assumed"] == "Decimal arithmetic 5x on 83%, native 1x on 17%"
    assert (tiny["self_share"], tiny["inclusive_share"]) == (0.25, 0.3)
    assert run["kernel_speedup"] == pytest.approx(3.0)
    assert run["amdahl_speedup"] == pytest.approx(1 / (0.8 + 0.2 / 3))
    assert {r["cpu_bound"] for r in rows} == {"unknown: no py-spy"}
    assert [r["rank"] for r in rows] == [1, 2, 3]
    # run is called once but encloses the whole run: the driver, not setup
    assert [r["fix"] for r in rows] == ["compiled kernel", "per-call overhead", "compiled kernel"]


def test_fix_kind_from_the_call_pattern() -> None:
    ok = "yes"
    assert fix_kind(1, 0.25, 0.34, 0.1, ok, ok) == "one-time setup"
    assert fix_kind(5, 0.002, 0.01, 0.1, ok, ok) == "one-time setup"
    assert fix_kind(6, 0.002, 0.01, 0.1, ok, ok) == "compiled kernel"  # per session, not setup
    assert fix_kind(1, 0.0005, 0.01, 0.1, ok, ok) == "compiled kernel"  # under 1 ms a call
    assert fix_kind(1, 2.0, 1.0, 0.1, ok, ok) == "compiled kernel"  # the driver loop
    assert fix_kind(None, None, None, 0.1, ok, ok) == "compiled kernel"  # py-spy only
    assert fix_kind(500, 2e-4, 0.1, 0.1, "no: waits 40%", ok) == "waits"
    assert fix_kind(1, 0.05, 0.2, 0.1, ok, ok, "subprocesses") == "waits"
    assert fix_kind(1, 0.15, 0.4, 0.1, ok, ok, "loops") == "compiled kernel"  # a kernel, once
    assert fix_kind(1, 0.15, 0.4, 0.1, ok, ok, "data processing") == "one-time setup"
    assert fix_kind(500, 2e-4, 0.1, 0.6, ok, ok) == "already native"
    tiny = "no: 1.5 us per call; target the loop in a:f"
    assert fix_kind(23_544, 1.5e-6, 0.05, 0.3, ok, tiny) == "per-call overhead"


def test_one_time_setup_is_removed_whole_with_no_kernel_speedup() -> None:
    functions = [*FUNCTIONS, ("proj.data:calendar", "/src/proj/data.py", 1, 0.3, 0.3, "other")]
    edges = [*EDGES, ("proj.engine:run", "proj.data:calendar", 1, 1, 0.3, 0.3)]
    rows = [
        (k, k.split(":")[0], k.split(":")[1], f, 1, n, n, s, c, None, None, None, None, None)
        for k, f, n, s, c, _ in functions
    ]
    prof = CProfile(
        Path("hand.pstats"),
        pl.DataFrame(rows, schema=FUNCTIONS_SCHEMA, orient="row"),
        pl.DataFrame(edges, schema=EDGES_SCHEMA, orient="row"),
        total_s=2.3,
    )
    cats = pl.DataFrame(
        [(k, c) for k, *_, c in functions], schema={"key": pl.String, "category": pl.String},
        orient="row",
    )  # fmt: skip
    table = optimization_targets(
        Categorized(cats, pl.DataFrame(), "s", ()), profile=prof, speedups=SPEEDUPS, project="proj"
    )
    setup = next(r for r in table.frame.to_dicts() if r["target"] == "proj.data:calendar")
    assert (setup["fix"], setup["kernel_speedup"], setup["assumed"]) == (
        "one-time setup", None, "removed by caching",
    )  # fmt: skip
    assert setup["removable_s"] == pytest.approx(0.3)
    assert setup["amdahl_speedup"] == pytest.approx(1 / (1 - 0.3 / 2.3))


def test_a_caller_without_a_loop_of_its_own_is_not_named() -> None:
    table = optimization_targets(
        categorized(), profile=profile(), speedups=SPEEDUPS, project="proj"
    )
    tiny = table.frame.filter(pl.col("target") == "proj.engine:tiny").row(0, named=True)
    # no source for proj/engine.py here: run's loop cannot be confirmed, nothing is named
    assert tiny["ffi"] == "no: 6 us per call; target its caller's loop"


def test_speedup_overrides_change_the_estimate() -> None:
    speedups = {**SPEEDUPS, **parse_speedups(["loops=40", "Python overhead=40"])}
    table = optimization_targets(
        categorized(), profile=profile(), speedups=speedups, project="proj"
    )
    hot = table.frame.row(0, named=True)
    assert hot["kernel_speedup"] == pytest.approx(40.0)
    assert any("loops 40x" in note for note in table.notes)


@pytest.mark.parametrize(
    "item", ["loops", "loops=0.5", "fast=3", "loops=x", "loops=nan", "loops=inf"]
)
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
    assert idle == {"proj.engine:hot": (1, 10), "proj.engine:tiny": (3, 4)}
    # 1 of 10 waits: its 95% interval (1.8-40.4%) holds the 10% line
    assert cpu_bound("proj.engine:hot", idle) == (
        "uncertain: waits 10% (95% interval 1.8%-40.4%, 1/10)"
    )
    assert cpu_bound("proj.engine:tiny", idle) == "no: waits 75%"  # 30.1-95.4%
    assert cpu_bound("proj.engine:run", {"proj.engine:run": (5, 1000)}) == "yes"  # 0.2-1.2%
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
    # none of 8 samples waits, but 8 samples cannot place the waiting share under 10%
    assert hot_row["cpu_bound"] == "uncertain: waits 0% (95% interval 0.0%-32.4%, 0/8)"
    # a share of samples carries its 95% Wilson interval: 8 of 8 -> 67.6-100%
    assert hot_row["owned_share"] == 1.0
    assert hot_row["owned_share_lo"] == pytest.approx(0.6756, abs=1e-4)
    assert hot_row["owned_share_hi"] == 1.0


def test_a_cython_function_is_already_native() -> None:
    """cProfile sees a Cython function (compiled with profile=True) by its .pyx file: its own
    time is compiled code already, not pure Python worth compiling."""
    rows = [
        ("proj.engine:run", "proj.engine", "run", "/src/proj/engine.py", 1, 1, 1, 0.2, 2.0),
        ("proj._fast:kernel", "proj._fast", "kernel", "/src/proj/_fast.pyx", 1, 50, 50, 1.8, 1.8),
    ]
    functions = pl.DataFrame(
        [(*r, None, None, None, None, None) for r in rows], schema=FUNCTIONS_SCHEMA, orient="row"
    )
    edges = pl.DataFrame(
        [("proj.engine:run", "proj._fast:kernel", 50, 50, 1.8, 1.8)],
        schema=EDGES_SCHEMA,
        orient="row",
    )
    categories = pl.DataFrame(
        {"key": ["proj.engine:run", "proj._fast:kernel"], "category": ["other", "other"]}
    )
    table = optimization_targets(
        Categorized(categories, pl.DataFrame(), "s", ()),
        profile=CProfile(Path("c.pstats"), functions, edges, total_s=2.0),
        speedups=SPEEDUPS,
        project="proj",
    )
    kernel = table.frame.row(by_predicate=pl.col("target") == "proj._fast:kernel", named=True)
    assert (kernel["native_share"], kernel["code"], kernel["fix"]) == (
        pytest.approx(1.0), "already native", "already native",
    )  # fmt: skip
    assert kernel["kernel_speedup"] == pytest.approx(1.0)  # native 1x: nothing to gain
