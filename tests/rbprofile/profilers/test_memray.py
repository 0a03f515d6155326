"""memray: planted allocations come out exact, with native frames; the smoke scenario
writes memray.parquet through the real runner, and `analyze --by memory` shows it."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import polars as pl
import pytest

from rbprofile.profilers import REGISTRY
from rbprofile.profilers.memray import CAPTURE, MemrayProfiler
from rbprofile.profilers.memray_table import native_entry, read_capture, short_symbol
from rbprofile.runner.orchestrate import run_profiles
from rbprofile.runner.request import RunRequest
from rbprofile.schema import MEMRAY_SCHEMA
from rustybt.data.bundles import Bundle
from tests.rbprofile.fixtures import memprog

PY = ("price", "/src/rustybt/numeric.py", 93)


def test_native_entry_is_the_first_frame_below_python_that_is_not_the_interpreter() -> None:
    debug_build = [
        ("_PyObject_New", "Objects/object.c", 176),
        ("PyDecType_New", "/b/Python-3.11.7/Modules/_decimal/_decimal.c", 1910),
        ("ctx_create_decimal", "/b/Python-3.11.7/Modules/_decimal/_decimal.c", 2872),
        ("cfunction_call", "Objects/methodobject.c", 553),
        ("_PyObject_MakeTpCall", "Objects/call.c", 214),
        PY,
        ("main", "/src/run.py", 3),
    ]
    assert native_entry(debug_build, PY) == "ctx_create_decimal"
    stripped = [
        ("mi_arenas_alloc", "<unknown>", 0),
        ("arrow::py::ConvertPySequence(_object*, _object*) [clone .lto_priv.0]", "<unknown>", 0),
        ("<unknown>", "<unknown>", 0),
        ("_PyObject_VectorcallTstate", "<unknown>", 0),
        ("PyObject_Vectorcall", "<unknown>", 0),
        PY,
    ]
    assert native_entry(stripped, PY) == "arrow::py::ConvertPySequence"
    interpreter_only = [
        ("gc_alloc", "Modules/gcmodule.c", 2283),
        ("PyTuple_New", "Objects/tupleobject.c", 75),
        PY,
    ]
    assert native_entry(interpreter_only, PY) is None
    assert short_symbol("__pyx_pw_7pyarrow_3lib_199array(_object*) [clone .lto_priv.0]") == (
        "__pyx_pw_7pyarrow_3lib_199array"
    )


def test_rust_frames_skip_pyo3_glue_and_read_as_paths() -> None:
    trampoline = (
        "_RINvNtNtCsgyqm6duC8nX_4pyo35impl_10trampoline32fastcall_cfunction_with_keywordsNtNvNv"
        "NtNtNtCs6sirJ9RUytl_13polars_python7interop5numpy11to_numpy_df1__11___INVENTORY3DefEB1r_"
    )
    to_numpy = "_RNvNtNtNtCs6sirJ9RUytl_13polars_python7interop5numpy11to_numpy_df"
    stack = [
        ("_rjem_je_pages_map", "<unknown>", 0),
        (to_numpy, "<unknown>", 0),
        (trampoline, "<unknown>", 0),
        ("PyObject_Vectorcall", "Objects/call.c", 299),
        PY,
    ]
    assert native_entry(stack, PY) == "polars_python::interop::numpy::to_numpy_df"


@pytest.mark.slow
def test_planted_allocations_are_exact_with_native_frames(tmp_path: Path) -> None:
    result, report = MemrayProfiler().in_child(memprog.main, tmp_path)
    assert (result, report) == (2 * memprog.SMALL, None)
    table, totals = read_capture(tmp_path / CAPTURE)
    assert table.schema == MEMRAY_SCHEMA
    rows = {r["function"]: r for r in table.to_dicts() if r["module"].endswith("memprog")}
    top = table.row(0, named=True)
    assert top["function"] == "hold_block" and top["file"].endswith("memprog.py")
    slack = 64 * 1024
    assert memprog.BLOCK <= top["peak_bytes"] <= memprog.BLOCK + slack
    assert memprog.BLOCK <= top["total_bytes"] <= memprog.BLOCK + slack
    assert top["native"] is None  # the interpreter allocated the bytearray itself
    native = rows["native_block"]
    assert memprog.NATIVE <= native["peak_bytes"] <= memprog.NATIVE + slack
    assert native["native"] == "array_empty"  # numpy's C function, a native frame
    churn = rows["churn_small"]
    assert churn["total_count"] >= memprog.SMALL  # every small list, not a sampled subset
    assert churn["total_bytes"] >= memprog.SMALL * 56  # sys.getsizeof([]) on 64-bit CPython
    assert churn["peak_bytes"] < 64 * 1024  # all freed again
    by_count = table.sort("total_count", descending=True).row(0, named=True)
    assert by_count["function"] == "churn_small"
    assert totals["native"] is True
    assert totals["peak_bytes"] >= memprog.BLOCK + memprog.NATIVE
    assert totals["total_bytes"] >= memprog.BLOCK + memprog.NATIVE + churn["total_bytes"]
    assert totals["allocations"] >= memprog.SMALL
    assert totals["functions"] == table.height


def test_memray_is_registered_with_its_methodology(cli) -> None:
    from rbprofile.cli.app import build_app
    from rbprofile.report.methodology import how

    assert REGISTRY["memray"].in_all
    help_text = " ".join(cli(["run", "--help"], build_app()).stdout.split())
    assert "memray: exact allocations per function" in help_text
    assert "memray (Bloomberg) records every allocation of the measured call" in how()


@pytest.mark.slow
def test_smoke_run_with_memray_writes_the_table(
    smoke_bundle: Bundle, profiles: Path, monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    monkeypatch.setenv("RBPROFILE_HOME", str(smoke_bundle.path.parent.parent))
    run_profiles(RunRequest("smoke", ("memray",), label="mr", repeat=1, profiles_dir=profiles))
    run_dir = profiles / "mr" / "smoke"
    record = json.loads((run_dir / "manifest.json").read_text())["profilers"]["memray"]
    assert (record["status"], record["files"], record["native"]) == ("ok", ["memray.parquet"], True)
    # overhead: the memray child's wall time over the unprofiled one's (as every profiler's;
    # whether it is above 1 on a 0.1 s smoke backtest is the machine's noise, not memray's)
    timing = json.loads((run_dir / "timing.json").read_text())
    unprofiled = statistics.median(r["total_wall_s"] for r in timing["runs"])
    assert record["overhead"] == pytest.approx(record["wall_s"] / unprofiled)
    assert record["allocations"] > 0
    assert not (run_dir / CAPTURE).exists()  # the raw capture stays in scratch space
    table = pl.read_parquet(run_dir / "memray.parquet")
    assert table.schema == MEMRAY_SCHEMA
    assert record["functions"] == table.height
    ledger = table.filter(pl.col("module") == "rustybt.finance.decimal.ledger")
    assert ledger.height > 0 and ledger["total_bytes"].sum() > 0
    assert int(table["peak_bytes"].sum()) == record["peak_bytes"]  # the rows add up to the peak
    result = cli(["analyze", "mr", "--scenario", "smoke", "--by", "memory", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert list(doc["tables"]) == ["allocations", "allocations_at_peak"]
    allocations = doc["tables"]["allocations"]
    assert "memray, exact" in allocations["title"]
    top = table.sort("total_bytes", descending=True).row(0, named=True)
    assert allocations["rows"][0]["function"] == top["function"]
