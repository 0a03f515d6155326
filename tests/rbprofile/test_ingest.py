"""`ingest` core and the `rbprofile ingest` command, on real bundles in a tmp RBPROFILE_HOME."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from faults import remount_readonly, reseal, tmpfs, unprivileged, world_readable_tmp

from rbprofile.errors import RbprofileError
from rbprofile.ingest import ensure_bundle, ingest, ingest_scenarios, scenario_remedies
from rbprofile.paths import bundles_root
from rustybt.data.bundles import MAX_BARS, BundleSpec, load_bundle, write_bundle
from rustybt.errors import BundleCorrupt, BundleExists, RustyBTError

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


def test_a_bundle_without_its_schedule_is_said_to_differ(bundle_root: Path) -> None:
    """A bundle written before bundles stored their session schedule still loads (the engine
    builds the calendar instead), but `ingest` says so: that calendar build would show up in
    every profile as setup time today's engine does not spend."""
    import json

    ingest("smoke", **WEEK)
    bundle = bundle_root / "smoke"
    meta = json.loads((bundle / "metadata.json").read_text())
    del meta["files"]["sessions.parquet"]  # as an older writer left it
    (bundle / "metadata.json").write_text(json.dumps(meta))
    (bundle / "sessions.parquet").unlink()
    assert load_bundle("smoke").metadata.sessions == 5  # it still loads
    (kept,) = ingest_scenarios("smoke", **WEEK)
    assert kept.status == "exists"
    assert len(kept.differs) == 1 and kept.differs[0].startswith("no sessions.parquet (")
    ingest_scenarios("smoke", force=True, **WEEK)
    assert (bundle / "sessions.parquet").exists()
    (again,) = ingest_scenarios("smoke", **WEEK)
    assert again.differs == ()


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


def test_differences_from_a_window_far_from_today(bundle_root: Path) -> None:
    # before: refused as outside the XNYS calendar's default ~20 years
    ingest("smoke")
    (kept,) = ingest_scenarios("smoke", start=date(1990, 1, 2), end=date(1990, 1, 31))
    assert kept.status == "exists"
    assert kept.differs == (
        "first session 2026-10-19 (asked 1990-01-02)",
        "last session 2026-10-30 (asked 1990-01-31)",
    )


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


def _rbprofile(*args: str, home: Path, as_nobody: bool = False) -> tuple[int, str, str]:
    """`python -m rbprofile ARGS` in a real process (exit code, stdout, stderr)."""
    env = {**os.environ, "RBPROFILE_HOME": str(home), "COLUMNS": "200"}
    env["RBPROFILE_PROFILES_DIR"] = str(home.parent / "profiles")
    argv = [sys.executable, "-m", "rbprofile", *args]
    proc = subprocess.run(
        unprivileged(argv) if as_nobody else argv,
        capture_output=True, text=True, env=env, check=False, timeout=120, cwd="/",
    )  # fmt: skip
    return proc.returncode, proc.stdout, proc.stderr


def _one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    last = stderr.rstrip("\n").splitlines()[-1]
    assert last.startswith("error: ") and stderr.count("error: ") == 1, stderr
    return last.removeprefix("error: ")


def test_corrupt_content_of_a_scenario_bundle_suggests_ingest_force(bundle_root: Path) -> None:
    ingest("smoke")
    bars = bundle_root / "smoke" / "bars.parquet"
    pl.read_parquet(bars).drop("close").write_parquet(bars)
    reseal(bundle_root / "smoke")  # sha256s match: only the content is wrong
    with pytest.raises(RbprofileError) as info:
        ingest("smoke")
    assert info.value.message == (
        f"bundle 'smoke' is corrupt: {bars} lacks column(s) close (needs sid, dt, open, high, "
        "low, close, volume); rewrite it with `rbprofile ingest --force smoke`"
    )
    (fixed,) = ingest_scenarios("smoke", force=True)
    assert fixed.status == "written" and load_bundle("smoke").metadata.row_count == 30


def test_scenario_remedies_leave_other_bundles_alone(bundle_root: Path) -> None:
    spec = BundleSpec("mine", "daily", 1, WEEK["start"], WEEK["end"], 1)
    write_bundle(spec, bundle_root)
    with pytest.raises(BundleExists) as exists, scenario_remedies():
        write_bundle(spec, bundle_root)
    assert str(exists.value).endswith("; pass force=True to replace it")
    reseal(bundle_root / "mine", [])
    with pytest.raises(BundleCorrupt) as corrupt, scenario_remedies():
        load_bundle("mine")
    assert "rbprofile ingest" not in str(corrupt.value)  # `ingest --force mine` would fail
    assert str(corrupt.value).endswith("; re-create the bundle (write it again with force=True)")


def test_sizes_are_estimated_and_refused_before_writing(bundle_root: Path) -> None:
    started = time.perf_counter()
    code, out, err = _rbprofile(
        "ingest", "daily", "--assets", "1000000000", home=bundle_root.parent
    )
    assert time.perf_counter() - started < 30  # before: silent for minutes
    assert (code, out) == (1, "")
    assert _one_error_line(err) == (
        "bundle 'daily' would hold 500,000,000,000 bars (1,000,000,000 assets x 500 daily bars "
        "from 2024-11-01 to 2026-10-30): about 72.8 TiB of memory to write and 5.0 TiB on disk, "
        f"over the limit of {MAX_BARS:,} bars; ask for fewer --assets or a shorter --start/--end "
        "window"
    )
    assert not bundle_root.exists()
    (meta,) = ingest("smoke", assets=5, max_bars=50)  # 5 assets x 10 sessions: at the limit
    assert meta.row_count == 50
    with pytest.raises(RbprofileError, match=r"would hold 60 bars .* over the limit of 50 bars"):
        ingest("smoke", assets=6, max_bars=50, force=True)


def test_read_only_home_for_ingest_and_auto_ingest(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", readonly=True) as ro:
        home = ro / "home"
        expected = (
            f"cannot write bundle 'smoke' under {home / 'bundles'}: {ro} is on a read-only file "
            "system; fix that or choose another bundle root (RBPROFILE_HOME)"
        )
        code, out, err = _rbprofile("ingest", "smoke", home=home)
        assert (code, out, _one_error_line(err)) == (1, "", expected)
        with pytest.raises(RustyBTError) as info:
            ensure_bundle("smoke", root=home / "bundles")  # what `rbprofile run` calls
        assert str(info.value) == expected
        code, _, err = _rbprofile("run", "smoke", "--profiler", "none", "--repeat", "1",
                                  "--label", "x", "--profiles-dir", str(tmp_path / "profiles"),
                                  home=home)  # fmt: skip
        assert (code, _one_error_line(err)) == (1, expected)


def test_existing_bundles_on_a_read_only_home_are_used_and_kept(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "home", size="4m") as home:
        ingest("smoke", root=home / "bundles")
        before = (home / "bundles" / "smoke" / "bars.parquet").read_bytes()
        remount_readonly(home)
        (kept,) = ingest_scenarios("smoke", root=home / "bundles")
        assert kept.status == "exists"
        code, _, err = _rbprofile("ingest", "smoke", "--force", home=home)
        assert code == 1
        assert _one_error_line(err) == (
            f"cannot write bundle 'smoke' under {home / 'bundles'}: {home / 'bundles'} is on a "
            "read-only file system; fix that or choose another bundle root (RBPROFILE_HOME)"
        )
        assert (home / "bundles" / "smoke" / "bars.parquet").read_bytes() == before


def test_home_that_is_a_file(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.write_text("")
    code, out, err = _rbprofile("ingest", "smoke", home=home)
    assert (code, out) == (1, "")
    assert _one_error_line(err) == (
        f"cannot write bundle 'smoke' under {home / 'bundles'}: {home} is a file, not a "
        "directory; fix that or choose another bundle root (RBPROFILE_HOME)"
    )


def test_disk_full_during_ingest_keeps_the_old_bundle(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "small", size="256k") as home:
        root = home / "bundles"
        (old,) = ingest("smoke", root=root)
        code, _, err = _rbprofile("ingest", "smoke", "--force", "--assets", "3000", home=home)
        assert code == 1
        assert _one_error_line(err) == (
            f"writing bundle 'smoke' under {root} failed: No space left on device; bundle "
            "'smoke' there is unchanged; free space or choose another bundle root "
            "(RBPROFILE_HOME), then write it again"
        )
        assert [p.name for p in root.iterdir()] == ["smoke"]  # the partial temp dir is gone
        assert load_bundle("smoke", root).metadata == old


@pytest.mark.slow  # five interpreters started as user nobody
def test_permissions_of_home_and_bundle_files(tmp_path: Path) -> None:
    with world_readable_tmp("rbprofile-perm-") as base:
        home = base / "home"
        ingest("smoke", root=home / "bundles")
        smoke = home / "bundles" / "smoke"
        unreachable = "make it readable or choose another bundle root (RBPROFILE_HOME)"
        for directory in (home, home / "bundles"):
            directory.chmod(0o555)
        code, out, _ = _rbprofile("ingest", "smoke", "--format", "json", home=home, as_nobody=True)
        assert code == 0 and json.loads(out)["tables"]["bundles"]["rows"][0]["status"] == "exists"
        code, _, err = _rbprofile("ingest", "daily", home=home, as_nobody=True)
        assert (code, _one_error_line(err)) == (1, (
            f"cannot write bundle 'daily' under {home / 'bundles'}: {home / 'bundles'} is not "
            "writable (permission denied); fix that or choose another bundle root "
            "(RBPROFILE_HOME)"
        ))  # fmt: skip
        home.chmod(0o000)
        code, _, err = _rbprofile("ingest", "smoke", home=home, as_nobody=True)
        assert (code, _one_error_line(err)) == (
            1, f"cannot read {home / 'bundles'}: Permission denied; {unreachable}",
        )  # fmt: skip
        home.chmod(0o755)
        (smoke / "bars.parquet").chmod(0o600)
        code, _, err = _rbprofile("ingest", "smoke", home=home, as_nobody=True)
        assert (code, _one_error_line(err)) == (
            1, f"cannot read {smoke / 'bars.parquet'}: Permission denied; {unreachable}",
        )  # fmt: skip
