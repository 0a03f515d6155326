"""The scaling directory round-trips, and `--show` re-renders it from its files alone."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from stored_tables import write_stored

from rbprofile.rundir import files
from rbprofile.rundir.locate import scenario_dirs
from rbprofile.scale.document import scaling_document
from rbprofile.scaling.core import scaling_view, show_scaling
from rbprofile.scaling.store import read_scaling, scaling_names

AT = {"assets": 400.0, "sessions": 1000.0}


def _predicted(stored, key: str) -> float:
    rows = stored.projection.table.filter((pl.col("key") == key) & (pl.col("measure") == "self_s"))
    return rows["predicted_s"][0]


def test_a_stored_result_reads_back_to_the_same_tables(profiles: Path) -> None:
    directory = write_stored(profiles / "baseline", at=AT)
    stored = read_scaling(directory)
    assert sorted(p.name for p in directory.iterdir()) == sorted(
        [files.SCALING_MANIFEST, files.SCALING_MEASUREMENTS, files.SCALING_FITS,
         files.SCALING_PROJECTION]
    )  # fmt: skip
    quad = stored.fits.row("m:quad", "self_s")
    assert quad["exponent"] == pytest.approx(2.0)  # the first variable: assets
    assert stored.fits.ranges == {"assets": (25.0, 100.0), "sessions": (250.0, 500.0)}
    # 1e-6 * 400^2 * 1000 = 160 s; lin 1e-4 * 400 * 1000 = 40 s; const 0.05 s
    assert _predicted(stored, "m:quad") == pytest.approx(160.0)
    assert _predicted(stored, "m:lin") == pytest.approx(40.0)
    assert _predicted(stored, "(run total)") == pytest.approx(200.05)
    assert sorted(stored.projection.above()) == ["m:lin", "m:quad"]  # const: 0.02%
    expected = scaling_document(stored.fits, stored.projection)
    shown = scaling_view(stored)
    for table in expected.tables:
        assert_frame_equal(shown.table(table.name).frame, table.frame)
    assert shown.title == "Scaling: baseline/scaling-daily"


def test_a_scaling_directory_is_never_taken_for_a_run(profiles: Path) -> None:
    write_stored(profiles / "baseline")
    assert scenario_dirs(profiles / "baseline") == []
    assert scaling_names(profiles / "baseline") == ["daily"]


def test_show_with_a_new_target_refits_the_stored_measurements(profiles: Path) -> None:
    directory = write_stored(profiles / "baseline", at=AT)
    before = {p.name: p.read_bytes() for p in directory.iterdir()}
    stored = show_scaling("baseline", "daily", profiles, {"assets": 200.0, "sessions": 500.0})
    assert _predicted(stored, "m:quad") == pytest.approx(1e-6 * 200**2 * 500)
    assert {p.name: p.read_bytes() for p in directory.iterdir()} == before  # nothing rewritten


def test_a_damaged_manifest_is_one_line_with_the_fix(profiles: Path) -> None:
    from rbprofile.errors import RbprofileError

    directory = write_stored(profiles / "baseline")
    manifest = json.loads((directory / files.SCALING_MANIFEST).read_text())
    del manifest["fit"]["ranges"]
    (directory / files.SCALING_MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(RbprofileError) as caught:
        read_scaling(directory)
    assert caught.value.message == (
        f"{directory} is not a usable scaling result (scaling.json fit block: KeyError('ranges'))"
        "; re-record it with `rbprofile scale ... --force`"
    )
