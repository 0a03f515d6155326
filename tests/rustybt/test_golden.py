"""Results stay identical: every scenario, decimal and float, against the committed goldens.

The goldens (tests/rustybt/golden/, made by golden_results.py, see there) hold every fill and
every session's money as exact text; "identical" means equal text, so a Decimal differing in
its last digit, or a float in its last bit, fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from golden_results import (
    MODES,
    SCENARIO_NAMES,
    SUMMARY_FILE,
    fills,
    fills_path,
    run,
    sessions,
    sessions_path,
    summary,
    write_scenario_bundles,
)
from polars.testing import assert_frame_equal


@pytest.fixture(scope="module")
def scenario_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("golden") / "bundles"
    write_scenario_bundles(root)
    return root


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_results_identical_to_golden(scenario_root: Path, scenario: str, mode: str) -> None:
    expected = json.loads(SUMMARY_FILE.read_text())["runs"][f"{scenario}-{mode}"]
    result = run(scenario_root, scenario, mode)
    assert summary(result, scenario_root, scenario) == expected
    assert_frame_equal(fills(result), pl.read_parquet(fills_path(scenario, mode)))
    assert_frame_equal(sessions(result), pl.read_parquet(sessions_path(scenario, mode)))


def test_goldens_hold_exact_text() -> None:
    """The goldens are what the guard needs: a fill per transaction, money as exact text."""
    runs = json.loads(SUMMARY_FILE.read_text())["runs"]
    for scenario in SCENARIO_NAMES:
        dec = pl.read_parquet(fills_path(scenario, "decimal"))
        flt = pl.read_parquet(fills_path(scenario, "float"))
        assert dec.height == runs[f"{scenario}-decimal"]["transactions"] > 0
        assert flt.height == runs[f"{scenario}-float"]["transactions"] == dec.height
        # decimal text has more digits than a float can carry; the modes agree to ~1e-9
        assert dec["price"].str.len_chars().max() > 17  # type: ignore[operator]
        d, f = dec["price"].cast(pl.Float64), flt["price"].cast(pl.Float64)
        assert ((d - f).abs() <= 1e-9 * f.abs()).all()
