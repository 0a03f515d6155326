"""Bundle format: write, load, metadata, determinism, corruption."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from rustybt.data.bundles import (
    BARS_SCHEMA,
    Bundle,
    BundleSpec,
    content_hash,
    list_bundles,
    load_bundle,
    sha256_file,
    write_bundle,
)
from rustybt.errors import BundleCorrupt, BundleNotFound, DatesOutOfRange, RustyBTError

SPEC = BundleSpec("t", "daily", 2, date(2024, 12, 23), date(2025, 1, 3), seed=11)


def test_smoke_bundle_metadata(smoke_bundle: Bundle) -> None:
    m = smoke_bundle.metadata
    assert (m.name, m.calendar, m.frequency) == ("smoke", "XNYS", "daily")
    assert (m.first_session, m.last_session) == (date(2026, 10, 19), date(2026, 10, 30))
    assert (m.sessions, m.asset_count, m.row_count) == (10, 3, 30)
    assert m.seed == 20261031
    assert sorted(m.files) == ["assets.parquet", "bars.parquet", "sessions.parquet"]
    for rel, digest in m.files.items():
        assert sha256_file(smoke_bundle.path / rel) == digest
    assert m.content_hash == content_hash(m.files)
    # the derived session schedule is outside the content hash: same data, same hash
    data_files = {k: v for k, v in m.files.items() if k != "sessions.parquet"}
    assert m.content_hash == content_hash(data_files)


def test_bars_schema_sorted_and_daily_labels(smoke_bundle: Bundle) -> None:
    bars = smoke_bundle.bars()
    assert bars.schema == BARS_SCHEMA
    assert bars.equals(bars.sort(["sid", "dt"]))
    times = bars.filter(pl.col("sid") == 0)["dt"].to_list()
    assert [t.date() for t in times] == [d.date() for d in smoke_bundle.sessions()]
    assert {(t.hour, t.minute, str(t.tzinfo)) for t in times} == {(0, 0, "UTC")}
    assert bars.filter((pl.col("close") * 100).round(6) % 1 != 0).height == 0


def test_assets_table(smoke_bundle: Bundle) -> None:
    assert [(a.sid, a.symbol) for a in smoke_bundle.assets] == [
        (0, "SYM000"),
        (1, "SYM001"),
        (2, "SYM002"),
    ]
    assert {(a.start_date, a.end_date) for a in smoke_bundle.assets} == {
        (date(2026, 10, 19), date(2026, 10, 30))
    }


def test_holidays_absent_from_daily_bundle(bundle_root: Path) -> None:
    write_bundle(SPEC, bundle_root)
    days = {t.date() for t in load_bundle("t").bars()["dt"].to_list()}
    assert date(2024, 12, 25) not in days and date(2025, 1, 1) not in days
    # 2025-01-09 (national day of mourning) is outside; the span has 8 sessions.
    assert len(days) == 8


def test_rewrite_is_byte_identical_and_force_required(bundle_root: Path) -> None:
    first = write_bundle(SPEC, bundle_root)
    data = (bundle_root / "t" / "bars.parquet").read_bytes()
    with pytest.raises(RustyBTError, match="already exists"):
        write_bundle(SPEC, bundle_root)
    second = write_bundle(SPEC, bundle_root, force=True)
    assert second == first
    assert (bundle_root / "t" / "bars.parquet").read_bytes() == data
    assert list_bundles(bundle_root) == ["t"]
    assert [p.name for p in bundle_root.iterdir()] == ["t"]  # no temp dirs left


def test_different_seed_changes_content(bundle_root: Path) -> None:
    a = write_bundle(SPEC, bundle_root)
    b = write_bundle(BundleSpec("u", "daily", 2, SPEC.start, SPEC.end, seed=12), bundle_root)
    assert a.content_hash != b.content_hash


_CHILD = """
import sys
from datetime import date
from pathlib import Path
from rustybt.data.bundles import BundleSpec, write_bundle
spec = BundleSpec("x", sys.argv[2], 3, date(2024, 11, 27), date(2024, 12, 2), seed=5)
print(write_bundle(spec, Path(sys.argv[1])).content_hash)
"""


@pytest.mark.slow
@pytest.mark.parametrize("frequency", ["daily", "hourly", "minute"])
def test_byte_identical_across_processes(tmp_path: Path, frequency: str) -> None:
    hashes = []
    for i in range(2):
        root = tmp_path / str(i)
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(root), frequency],
            check=True,
            capture_output=True,
            text=True,
        )
        hashes.append(out.stdout.strip())
    assert hashes[0] == hashes[1]
    for rel in ("bars.parquet", "assets.parquet", "metadata.json"):
        assert (tmp_path / "0" / "x" / rel).read_bytes() == (
            tmp_path / "1" / "x" / rel
        ).read_bytes()


def test_unknown_bundle_lists_available(bundle_root: Path) -> None:
    write_bundle(SPEC, bundle_root)
    with pytest.raises(BundleNotFound, match=r"no bundle named 'nope' .*\(available: t\)"):
        load_bundle("nope")


def test_unknown_bundle_with_empty_root(bundle_root: Path) -> None:
    with pytest.raises(BundleNotFound, match=r"available: none yet"):
        load_bundle("nope")


def test_truncated_parquet_is_corrupt(bundle_root: Path) -> None:
    write_bundle(SPEC, bundle_root)
    bars = bundle_root / "t" / "bars.parquet"
    bars.write_bytes(bars.read_bytes()[:-100])
    with pytest.raises(BundleCorrupt) as err:
        load_bundle("t")
    assert str(err.value) == (
        f"bundle 't' is corrupt: {bars} does not match its recorded sha256 (truncated or "
        "modified); re-create the bundle (write it again with force=True)"
    )
    assert "rbprofile" not in str(err.value)  # rustybt cannot know how the bundle was made


def test_missing_file_and_bad_metadata_are_corrupt(bundle_root: Path) -> None:
    write_bundle(SPEC, bundle_root)
    (bundle_root / "t" / "assets.parquet").unlink()
    with pytest.raises(BundleCorrupt, match=r"assets\.parquet is missing"):
        load_bundle("t")
    meta = bundle_root / "t" / "metadata.json"
    meta.write_text(json.dumps({"format_version": 99}))
    with pytest.raises(BundleCorrupt, match="unsupported format_version 99"):
        load_bundle("t")


def test_sessions_out_of_range_names_range(smoke_bundle: Bundle) -> None:
    assert len(smoke_bundle.sessions("2026-10-20", "2026-10-22")) == 3
    with pytest.raises(DatesOutOfRange, match=r"covers 2026-10-19\.\.2026-10-30"):
        smoke_bundle.sessions("2026-10-01", None)
    with pytest.raises(DatesOutOfRange, match="covers"):
        smoke_bundle.sessions(None, date(2026, 11, 2))


def test_invalid_name_and_spec(bundle_root: Path) -> None:
    with pytest.raises(RustyBTError, match="invalid bundle name"):
        write_bundle(BundleSpec("../x", "daily", 1, SPEC.start, SPEC.end, 1), bundle_root)
    with pytest.raises(DatesOutOfRange, match="after end"):
        write_bundle(BundleSpec("x", "daily", 1, SPEC.end, SPEC.start, 1), bundle_root)
    with pytest.raises(RustyBTError, match="at least one asset"):
        write_bundle(BundleSpec("x", "daily", 0, SPEC.start, SPEC.end, 1), bundle_root)


def test_same_size_edit_is_caught_by_hash(bundle_root: Path) -> None:
    write_bundle(SPEC, bundle_root)
    bars = bundle_root / "t" / "bars.parquet"
    data = bytearray(bars.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bars.write_bytes(bytes(data))
    with pytest.raises(BundleCorrupt, match="does not match its recorded sha256"):
        load_bundle("t")


def test_list_bundles_skips_partial_and_hidden_dirs(bundle_root: Path) -> None:
    write_bundle(SPEC, bundle_root)
    (bundle_root / ".t.tmp-abc").mkdir()
    (bundle_root / "half-written").mkdir()
    assert list_bundles(bundle_root) == ["t"]
    assert list_bundles(bundle_root / "nowhere") == []


@pytest.mark.parametrize(
    ("fixture", "per_session"),
    [("minute_bundle", [390, 210, 390]), ("hourly_bundle", [7, 4, 7])],
)
def test_intraday_bars_per_session_on_disk(
    fixture: str, per_session: list[int], request: pytest.FixtureRequest
) -> None:
    bundle: Bundle = request.getfixturevalue(fixture)
    counts = (
        bundle.bars().group_by(pl.col("dt").dt.date().alias("day"), "sid").len().sort("day", "sid")
    )
    days = [date(2024, 11, 27), date(2024, 11, 29), date(2024, 12, 2)]
    assert counts["day"].unique().sort().to_list() == days  # Thanksgiving (11-28) absent
    for day, n in zip(days, per_session, strict=True):
        assert counts.filter(pl.col("day") == day)["len"].to_list() == [n, n, n]
    last = bundle.bars().filter(pl.col("dt").dt.date() == date(2024, 11, 29))["dt"].max()
    expected = "2024-11-29 17:59" if fixture == "minute_bundle" else "2024-11-29 17:30"
    assert str(last)[:16] == expected
    assert bundle.metadata.sessions == 3
