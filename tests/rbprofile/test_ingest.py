"""`ingest` core and the `rbprofile ingest` command, on real bundles in a tmp RBPROFILE_HOME."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from rbprofile.errors import RbprofileError
from rbprofile.ingest import ensure_bundle, ingest, ingest_scenarios
from rbprofile.paths import bundles_root
from rustybt.data.bundles import load_bundle

WEEK = {"start": date(2026, 10, 26), "end": date(2026, 10, 30)}


def test_bundles_root_follows_rbprofile_home(bundle_root: Path) -> None:
    assert bundles_root() == bundle_root


def test_smoke_written_then_kept_then_forced(bundle_root: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    (first,) = ingest_scenarios("smoke", progress=lambda *a: calls.append(a))
    assert first.status == "written" and first.path == bundle_root / "smoke"
    assert calls == [("smoke", 1, 3), ("smoke", 2, 3), ("smoke", 3, 3)]
    m = first.metadata
    assert (m.frequency, m.asset_count, m.sessions, m.row_count, m.seed) == (
        "daily",
        3,
        10,
        30,
        20261031,
    )
    assert (m.first_session, m.last_session) == (date(2026, 10, 19), date(2026, 10, 30))
    bars = (bundle_root / "smoke" / "bars.parquet").read_bytes()
    (kept,) = ingest_scenarios("smoke")
    assert kept.status == "exists" and kept.differs == () and kept.metadata == m
    (forced,) = ingest_scenarios("smoke", force=True)
    assert forced.status == "written" and forced.metadata == m
    assert (bundle_root / "smoke" / "bars.parquet").read_bytes() == bars


def test_overrides_and_differences(bundle_root: Path) -> None:
    (m,) = ingest("smoke", assets=2, seed=9, **WEEK)
    assert (m.asset_count, m.seed, m.sessions, m.row_count) == (2, 9, 5, 10)
    assert load_bundle("smoke").metadata == m
    (kept,) = ingest_scenarios("smoke")
    assert kept.status == "exists"
    assert kept.differs == (
        "assets 2 (asked 3)",
        "first session 2026-10-26 (asked 2026-10-19)",
        "seed 9 (asked 20261031)",
    )


def test_all_means_the_three_profiled_scenarios(bundle_root: Path) -> None:
    outcomes = ingest_scenarios(["all", "minute"], assets=1, **WEEK)
    assert [(o.scenario, o.metadata.frequency) for o in outcomes] == [
        ("daily", "daily"),
        ("hourly", "hourly"),
        ("minute", "minute"),
    ]
    # 5 sessions of 6.5 hours: 5 daily bars, 35 hourly (7 a day), 1950 minute bars
    assert [o.metadata.row_count for o in outcomes] == [5, 35, 1950]


def test_ensure_bundle(bundle_root: Path) -> None:
    assert ensure_bundle("smoke").status == "written"
    assert ensure_bundle("smoke").status == "exists"


def test_bad_requests(bundle_root: Path) -> None:
    with pytest.raises(RbprofileError, match="unknown scenario 'weekly'"):
        ingest("weekly")
    with pytest.raises(RbprofileError, match="--assets must be at least 1"):
        ingest("smoke", assets=0)
    with pytest.raises(RbprofileError, match="is after --end"):
        ingest("smoke", start=date(2026, 10, 30), end=date(2026, 10, 1))
    assert not bundle_root.exists() or list(bundle_root.iterdir()) == []


def test_a_window_far_from_today_uses_the_calendar_for_that_window(bundle_root: Path) -> None:
    # the calendar is built for the bundle's own window, not only exchange_calendars' default
    # ~20 years: January 1990 has 22 XNYS sessions (New Year's Day closed)
    (meta,) = ingest("smoke", start=date(1990, 1, 1), end=date(1990, 1, 31))
    assert (meta.first_session, meta.last_session, meta.sessions) == (
        date(1990, 1, 2), date(1990, 1, 31), 22,
    )  # fmt: skip


def test_cli_ingest_table_and_json(bundle_root: Path, cli) -> None:
    result = cli(["ingest", "smoke", "--assets", "2", "--seed", "4"])
    assert result.exit_code == 0, result.output
    assert "smoke" in result.stdout and "written" in result.stdout
    assert "ingest smoke" in result.stderr and "ingest smoke" not in result.stdout
    again = cli(["ingest", "smoke", "--format", "json"])
    assert again.exit_code == 0
    doc = json.loads(again.stdout)
    (row,) = doc["tables"]["bundles"]["rows"]
    assert (row["bundle"], row["status"], row["assets"], row["seed"]) == ("smoke", "exists", 2, 4)
    assert doc["meta"]["bundles"]["smoke"]["path"] == str(bundle_root / "smoke")
    assert "rbprofile ingest --force smoke" in doc["tables"]["bundles"]["notes"][0]


def test_cli_errors(bundle_root: Path, cli) -> None:
    unknown = cli(["ingest", "weekly"])
    assert unknown.exit_code == 1 and unknown.stdout == ""
    assert unknown.stderr.startswith("error: unknown scenario 'weekly'")
    bad_date = cli(["ingest", "smoke", "--start", "26/10/2026"])
    assert bad_date.exit_code == 2
    cli(["ingest", "smoke"])
    bars = bundle_root / "smoke" / "bars.parquet"
    bars.write_bytes(bars.read_bytes()[:200])
    corrupt = cli(["ingest", "smoke"])
    assert corrupt.exit_code == 1 and "Traceback" not in corrupt.output
    assert str(bars) in corrupt.stderr and "rbprofile ingest --force smoke" in corrupt.stderr
    fixed = cli(["ingest", "smoke", "--force"])
    assert fixed.exit_code == 0 and load_bundle("smoke").metadata.row_count == 30


@pytest.mark.slow
def test_default_scenarios_full_size(bundle_root: Path) -> None:
    outcomes = ingest_scenarios("all")
    got = [(o.metadata.sessions, o.metadata.asset_count, o.metadata.row_count) for o in outcomes]
    assert got == [(500, 50, 25_000), (127, 20, 17_780), (22, 10, 85_800)]
