"""One primary category per function, decided by rules and measured evidence; shares sum to 1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from rbprofile.analysis.categories import assign, categorize, sampled_functions, summarize
from rbprofile.analysis.evidence import (
    DECIMAL_METHOD,
    DECIMAL_NATIVE,
    DECIMAL_STATIC,
    EVIDENCE_SCHEMA,
    LOOP_LINES,
    LOOP_STATIC,
)
from rbprofile.analysis.pstats_source import load_pstats
from rbprofile.analysis.pyspy_source import load_pyspy
from rbprofile.analysis.rules import CATEGORIES, load_rules
from rbprofile.analysis.samples import Frame, build_samples
from rbprofile.schema import FUNCTIONS_SCHEMA

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))

from catprofiles import catprog_root, cprofile_catprog, pyspy_catprog

# key, file, self_s
FUNCTIONS = [
    ("prog:hot_loop", "/src/prog.py", 4.0),
    ("prog:ledger", "/src/prog.py", 2.0),
    ("rustybt.indicators:sma", "/src/rustybt/indicators.py", 1.0),
    ("rustybt.data.portal:history", "/src/rustybt/data/portal.py", 1.0),
    ("decimal:Decimal.quantize", "~", 0.5),
    ("polars:PyDataFrame.sort", "~", 0.25),
    ("prog:misc", "/src/prog.py", 0.5),
    ("builtins:isinstance", "~", 0.25),
    ("posix:fork", "~", 0.25),
    ("exchange_calendars.calendar_utils:get_calendar", "/x/calendar_utils.py", 0.25),
    ("cext:blob", "~", 0.0),  # a C function no rule knows
]
# key, category, kind, share
EVIDENCE = [
    ("prog:hot_loop", "loops", LOOP_LINES, 0.9),
    ("prog:ledger", "loops", LOOP_LINES, 0.9),
    ("prog:ledger", "Decimal arithmetic", DECIMAL_NATIVE, 0.8),
    ("rustybt.indicators:sma", "loops", LOOP_LINES, 1.0),
    ("rustybt.data.portal:history", "loops", LOOP_LINES, 0.7),
    ("decimal:Decimal.quantize", "Decimal arithmetic", DECIMAL_METHOD, 1.0),
    ("prog:misc", "loops", LOOP_LINES, 0.3),
]


def function_table() -> pl.DataFrame:
    rows = [
        (
            key,
            key.split(":")[0],
            key.split(":")[1],
            file,
            1,
            1,
            1,
            s,
            s,
            None,
            None,
            None,
            None,
            None,
        )
        for key, file, s in FUNCTIONS
    ]
    return pl.DataFrame(rows, schema=FUNCTIONS_SCHEMA, orient="row")


def evidence_table() -> pl.DataFrame:
    rows = [(k, c, kind, share, "hand-built") for k, c, kind, share in EVIDENCE]
    return pl.DataFrame(rows, schema=EVIDENCE_SCHEMA, orient="row")


def test_each_function_gets_one_category_and_the_reason() -> None:
    assigned = assign(function_table(), load_rules(), evidence_table())
    decided = {k: (c, why.split(" (built-in:")[0]) for k, c, why, _ in assigned.iter_rows()}
    assert decided == {
        "prog:hot_loop": ("loops", f"evidence: {LOOP_LINES}"),
        # Decimal evidence says what the loop does, so it beats the loop evidence
        "prog:ledger": ("Decimal arithmetic", f"evidence: {DECIMAL_NATIVE}"),
        # an indicator module (priority 60) beats loop evidence (50)
        "rustybt.indicators:sma": ("indicators", "rule project-indicators"),
        # loop evidence (50) beats the project-data rule (40)
        "rustybt.data.portal:history": ("loops", f"evidence: {LOOP_LINES}"),
        "decimal:Decimal.quantize": ("Decimal arithmetic", f"evidence: {DECIMAL_METHOD}"),
        "polars:PyDataFrame.sort": ("data processing", "rule data-libraries"),
        # evidence at or under half the self time decides nothing: its own Python code is
        # per-call logic (the python-code fallback rule)
        "prog:misc": ("Python per-call logic", "rule python-code"),
        "cext:blob": ("other", "no rule or evidence matched"),
        "builtins:isinstance": ("Python overhead", "rule python-overhead-modules"),
        "posix:fork": ("subprocesses", "rule os-fork-exec"),
        "exchange_calendars.calendar_utils:get_calendar": (
            "datetime/calendar",
            "rule datetime-modules",
        ),
    }
    evidence = dict(assigned.select("key", "evidence").iter_rows())
    assert evidence["prog:ledger"] == (
        f"{LOOP_LINES}: hand-built (90%); {DECIMAL_NATIVE}: hand-built (80%)"
    )
    assert evidence["builtins:isinstance"] == ""


def test_summary_shares_sum_to_one_over_every_category() -> None:
    functions = function_table()
    assigned = assign(functions, load_rules(), evidence_table())
    table = functions.select("key", pl.col("self_s").alias("self")).join(assigned, on="key")
    summary = summarize(table)
    assert summary["category"].to_list() == [
        "loops", "Decimal arithmetic", "indicators", "Python per-call logic",
        # ties keep the canonical category order
        "subprocesses", "data processing", "datetime/calendar", "Python overhead", "I/O",
        "other",
    ]  # fmt: skip
    assert summary["share"].to_list() == [
        0.5, 0.25, 0.1, 0.05, 0.025, 0.025, 0.025, 0.025, 0.0, 0.0
    ]  # fmt: skip
    assert summary["functions"].to_list() == [2, 2, 1, 1, 1, 1, 1, 1, 0, 1]
    assert set(summary["category"]) == set(CATEGORIES)


def test_sampled_functions_charge_the_deepest_python_frame() -> None:
    main = Frame("main", "/p.py", 3, "p", False, "main")
    work = Frame("work", "/p.py", 9, "p", False, "work")
    mul = Frame("nm_mpd_qmul", "/_decimal.c", 1, "decimal", True, "nm_mpd_qmul")
    gc = Frame("gc_collect", "/libpython3.11.so", None, "<native libpython>", True, "gc_collect")
    stacks = [((main, work, mul), 3, False), ((main,), 1, False), ((gc,), 2, False)]
    sampled = sampled_functions(build_samples(Path("s.txt"), stacks, "collapsed"))
    got = {k: (s, c) for k, s, c in sampled.select("key", "self_s", "cum_s").iter_rows()}
    assert got == {
        "p:main": (1.0, 4.0),
        "p:work": (3.0, 3.0),
        "decimal:nm_mpd_qmul": (0.0, 3.0),
        "<native libpython>:gc_collect": (2.0, 2.0),
    }


@pytest.fixture(scope="module")
def catprog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return catprog_root(tmp_path_factory.getbasetemp() / "catprog-shared")


@pytest.mark.slow
def test_real_profiles_of_known_hot_spots(catprog: Path) -> None:
    profile = load_pstats(cprofile_catprog(catprog, "decimal"))
    floats = load_pstats(cprofile_catprog(catprog, "float"))
    sampled = load_pyspy(pyspy_catprog(catprog))
    result = categorize(
        profile.functions, load_rules(), samples=sampled,
        float_functions=floats.functions, float_label="catprog-float",
    )  # fmt: skip
    rows = {r["key"]: r for r in result.functions.iter_rows(named=True)}

    def decided(key: str) -> tuple[str, str]:
        return rows[key]["category"], rows[key]["decided_by"].split(" (built-in:")[0]

    assert decided("catprog.main:decimal_heavy") == (
        "Decimal arithmetic",
        "evidence: self time decimal minus float run",
    )
    assert (
        "py-spy native _decimal/libmpdec frames" in rows["catprog.main:decimal_heavy"]["evidence"]
    )
    assert decided("catprog.main:loop_heavy") == ("loops", f"evidence: {LOOP_LINES}")
    assert decided("catprog.indicators:sma") == ("indicators", "rule project-indicators")
    assert decided("posix:waitpid") == ("subprocesses", "rule os-fork-exec")
    assert decided("_posixsubprocess:fork_exec") == ("subprocesses", "rule subprocess-modules")
    assert decided("polars:PyLazyFrame.collect") == ("data processing", "rule data-libraries")
    assert result.summary["share"].sum() == pytest.approx(1.0, abs=1e-12)
    assert result.summary["self"].sum() == pytest.approx(profile.functions["self_s"].sum())
    assert result.unit == "s"


@pytest.mark.slow
def test_without_samples_or_twin_static_evidence_finds_decimal_and_loops(catprog: Path) -> None:
    profile = load_pstats(cprofile_catprog(catprog, "decimal"))
    result = categorize(profile.functions, load_rules())
    rows = {r["key"]: r for r in result.functions.iter_rows(named=True)}

    def decided(key: str) -> tuple[str, str]:
        return rows[key]["category"], rows[key]["decided_by"].split(" (built-in:")[0]

    # names alone cannot find them; the source read with ast can, said to be a guess
    assert decided("catprog.main:decimal_heavy") == (
        "Decimal arithmetic", f"evidence: {DECIMAL_STATIC}",
    )  # fmt: skip
    assert decided("catprog.main:loop_heavy") == ("loops", f"evidence: {LOOP_STATIC}")
    assert decided("catprog.indicators:sma") == ("indicators", "rule project-indicators")


def test_a_pstats_from_another_program_categorizes(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    for i in range(5):
        (tree / f"m{i}.py").write_text(f"def f{i}(x):\n    return [x * j for j in range({i})]\n")
    out = tmp_path / "compileall.pstats"
    command = [
        sys.executable,
        "-m",
        "cProfile",
        "-o",
        str(out),
        "-m",
        "compileall",
        "-q",
        str(tree),
    ]
    subprocess.run(command, check=True, capture_output=True)
    profile = load_pstats(out)
    result = categorize(profile.functions, load_rules())
    assert result.summary["share"].sum() == pytest.approx(1.0, abs=1e-12)
    shares = dict(result.summary.select("category", "share").iter_rows())
    assert shares["Python overhead"] > 0 and shares["I/O"] > 0
    assert result.functions.height == profile.functions.height
