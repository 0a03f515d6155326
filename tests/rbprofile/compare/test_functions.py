"""Function, module and category deltas on hand-built functions tables."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from compare_fixtures import functions_frame

from rbprofile.compare.functions import categorized_functions, function_deltas, group_deltas
from rbprofile.rundir.run import Run

LEDGER = "rustybt.finance.decimal.ledger:DecimalLedger.update"
PORTAL = "rustybt.data.polars.portal:PolarsDataPortal.history"
OLD = "rustybt.indicators:sma_loop"
NEW = "rustybt.indicators:sma_vectorized"

BEFORE = [
    (LEDGER, "/a/ledger.py", 10, 100, 4.0, 5.0, "Decimal arithmetic"),
    (PORTAL, "/a/portal.py", 30, 50, 3.0, 6.0, "data processing"),
    (OLD, "/a/indicators.py", 5, 10, 3.0, 3.0, "loops"),
]
# The ledger method moved from line 10 to line 42 (a new helper above it) and got faster;
# the portal got slower; the loop was replaced by a vectorized function.
AFTER = [
    (LEDGER, "/b/ledger.py", 42, 100, 1.0, 2.0, "Decimal arithmetic"),
    (PORTAL, "/b/portal.py", 30, 50, 3.5, 6.5, "data processing"),
    (NEW, "/b/indicators.py", 5, 10, 0.5, 0.5, "indicators"),
]


@pytest.fixture
def deltas() -> pl.DataFrame:
    return function_deltas(functions_frame(BEFORE), functions_frame(AFTER))


def test_matched_by_key_across_a_moved_line(deltas: pl.DataFrame) -> None:
    row = deltas.filter(pl.col("key") == LEDGER).row(0, named=True)
    assert (row["status"], row["n"]) == ("not enough repeats", "1/1")  # one repeat a side
    assert row["p_adj"] is None
    assert (row["before_self_s"], row["after_self_s"], row["change_s"]) == (4.0, 1.0, -3.0)
    # shares: 4 of 10 s before, 1 of 5 s after
    assert row["before_share_pct"] == pytest.approx(40.0)
    assert row["after_share_pct"] == pytest.approx(20.0)
    assert row["change_pp"] == pytest.approx(-20.0)
    assert deltas.height == 4


def test_statuses_sorted_by_size_of_change(deltas: pl.DataFrame) -> None:
    assert deltas.select("key", "status", "change_s").rows() == [
        (LEDGER, "not enough repeats", -3.0),
        (OLD, "vanished", -3.0),
        (PORTAL, "not enough repeats", 0.5),
        (NEW, "new", 0.5),
    ]


def test_share_change_is_its_own_column(deltas: pl.DataFrame) -> None:
    portal = deltas.filter(pl.col("key") == PORTAL).row(0, named=True)
    assert portal["change_s"] == 0.5  # slower in seconds ...
    assert portal["change_pp"] == pytest.approx(70.0 - 30.0)  # ... and a far larger share


def test_duplicate_keys_are_summed() -> None:
    rows = [
        ("m:<lambda>", "/m.py", 3, 2, 1.0, 1.0, None),
        ("m:<lambda>", "/m.py", 9, 3, 2.0, 2.0, None),
    ]
    out = function_deltas(functions_frame(rows), functions_frame(rows[:1]))
    assert out.select("key", "before_self_s", "after_self_s", "before_calls").rows() == [
        ("m:<lambda>", 3.0, 1.0, 5)
    ]


def test_group_deltas_by_category(deltas: pl.DataFrame) -> None:
    table = group_deltas(deltas, pl.col("category").fill_null("uncategorized"), "category")
    assert table.select("category", "before_s", "after_s", "change_s").rows() == [
        ("Decimal arithmetic", 4.0, 1.0, -3.0),
        ("loops", 3.0, 0.0, -3.0),
        ("data processing", 3.0, 3.5, 0.5),
        ("indicators", 0.0, 0.5, 0.5),
    ]
    assert table["before_share_pct"].sum() == pytest.approx(100.0)
    assert table["after_share_pct"].sum() == pytest.approx(100.0)


def test_recorded_categories_are_kept_and_missing_ones_filled(tmp_path: Path) -> None:
    recorded = functions_frame(BEFORE)
    kept_dir = tmp_path / "a" / "daily"
    kept_dir.mkdir(parents=True)
    recorded.write_parquet(kept_dir / "functions.parquet")
    kept, assigned = categorized_functions(Run.directory(kept_dir))
    assert not assigned
    assert kept is not None and kept["category"].to_list() == recorded["category"].to_list()
    blank = functions_frame([("decimal:Decimal.quantize", "~", 0, 9, 1.0, 1.0, None)])
    blank_dir = tmp_path / "b" / "daily"
    blank_dir.mkdir(parents=True)
    blank.write_parquet(blank_dir / "functions.parquet")
    filled, assigned = categorized_functions(Run.directory(blank_dir))  # rules: decimal module
    assert assigned
    assert filled is not None and filled.schema == blank.schema
    assert filled["category"].to_list() == ["Decimal arithmetic"]
