"""Writing bundles where it cannot work: a file in the way, a read-only mount, a full disk,
a spec too large to synthesize. One RustyBTError line each; an old bundle stays intact."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from faults import tmpfs

from rustybt.data.bundles import MAX_BARS, BundleSpec, list_bundles, load_bundle, write_bundle
from rustybt.errors import BundleExists, BundleTooLarge, BundleWriteError

SPEC = BundleSpec("w", "daily", 2, date(2026, 10, 26), date(2026, 10, 30), seed=3)  # 10 bars


def test_a_file_in_the_way_of_the_root(tmp_path: Path) -> None:
    blocker = tmp_path / "home"
    blocker.write_text("not a directory")
    for root in (blocker, blocker / "bundles"):
        with pytest.raises(BundleWriteError) as info:
            write_bundle(SPEC, root)
        assert str(info.value) == (
            f"cannot write bundle 'w' under {root}: {blocker} is a file, not a directory; fix "
            "that or choose another bundle root (RBPROFILE_HOME)"
        )
    assert blocker.read_text() == "not a directory"


def test_a_read_only_root(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", readonly=True) as ro:
        with pytest.raises(BundleWriteError) as info:
            write_bundle(SPEC, ro / "bundles")
        assert list(ro.iterdir()) == []
    assert str(info.value) == (
        f"cannot write bundle 'w' under {ro / 'bundles'}: {ro} is on a read-only file system; "
        "fix that or choose another bundle root (RBPROFILE_HOME)"
    )


def test_a_full_disk_keeps_the_old_bundle_and_removes_the_partial_one(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "small", size="256k") as small:
        root = small / "bundles"
        old = write_bundle(SPEC, root)
        bars = (root / "w" / "bars.parquet").read_bytes()
        big = BundleSpec("w", "daily", 3000, SPEC.start, SPEC.end, seed=3)  # ~15,000 bars
        with pytest.raises(BundleWriteError) as info:
            write_bundle(big, root, force=True)
        assert str(info.value) == (
            f"writing bundle 'w' under {root} failed: No space left on device; bundle 'w' "
            "there is unchanged; free space or choose another bundle root (RBPROFILE_HOME), "
            "then write it again"
        )
        assert [p.name for p in root.iterdir()] == ["w"]  # no .w.tmp-* left behind
        assert (root / "w" / "bars.parquet").read_bytes() == bars
        assert load_bundle("w", root).metadata == old
        with pytest.raises(BundleWriteError, match=r"failed: No space left on device; free"):
            write_bundle(BundleSpec("new", "daily", 3000, SPEC.start, SPEC.end, 3), root)
        assert list_bundles(root) == ["w"] and [p.name for p in root.iterdir()] == ["w"]


def test_an_existing_bundle_needs_force(tmp_path: Path) -> None:
    write_bundle(SPEC, tmp_path)
    with pytest.raises(BundleExists) as info:
        write_bundle(SPEC, tmp_path)
    target = tmp_path / "w"
    assert (
        str(info.value) == f"bundle 'w' already exists at {target}; pass force=True to replace it"
    )


def test_size_is_estimated_and_refused_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(BundleTooLarge) as info:
        write_bundle(SPEC, tmp_path, max_bars=9)
    assert str(info.value) == (
        "bundle 'w' would hold 10 bars (2 assets x 5 daily bars from 2026-10-26 to 2026-10-30): "
        "about 1.6 KiB of memory to write and 110 B on disk, over the limit of 9 bars; ask for "
        "fewer assets or a shorter window"
    )
    assert not tmp_path.joinpath("w").exists()
    assert write_bundle(SPEC, tmp_path, max_bars=10).row_count == 10


def test_a_billion_assets_is_refused_at_once(tmp_path: Path) -> None:
    huge = BundleSpec("h", "minute", 1_000_000_000, date(2026, 10, 1), date(2026, 10, 30), 1)
    started = time.perf_counter()
    with pytest.raises(BundleTooLarge) as info:
        write_bundle(huge, tmp_path)
    assert time.perf_counter() - started < 5  # before: minutes of synthesis, then out of memory
    assert info.value.what == (
        "bundle 'h' would hold 8,580,000,000,000 bars (1,000,000,000 assets x 8,580 minute bars "
        "from 2026-10-01 to 2026-10-30): about 1.2 PiB of memory to write and 85.8 TiB on "
        f"disk, over the limit of {MAX_BARS:,} bars"
    )
    assert list(tmp_path.iterdir()) == []
