from __future__ import annotations

from rbprofile.runner.timing import RUN_KEYS, timing_document


def test_timing_document_takes_the_median_of_every_key() -> None:
    rows = [{k: float(i + n) for n, k in enumerate(RUN_KEYS)} for i in (3, 1, 2)]
    doc = timing_document(rows)
    assert doc["schema_version"] == 1
    assert doc["repeats"] == 3
    assert doc["runs"] == rows
    assert doc["median"] == {k: float(2 + n) for n, k in enumerate(RUN_KEYS)}


def test_keys_missing_from_any_run_are_left_out_of_the_median() -> None:
    rows = [{"total_wall_s": 1.0, "startup_s": 0.1}, {"total_wall_s": 3.0}]
    assert timing_document(rows)["median"] == {"total_wall_s": 2.0}
