from __future__ import annotations

from pathlib import Path

import pytest

from rbprofile.errors import RbprofileError
from rbprofile.runner.rundir import RunDir, ensure_absent


def _write_run(final: Path, text: str, *, force: bool = False) -> Path:
    rundir = RunDir(final, force=force)
    with rundir as tmp:
        (tmp / "manifest.json").write_text(text)
        rundir.commit()
    return final


def test_commit_renames_the_temporary_directory_into_place(tmp_path: Path) -> None:
    final = _write_run(tmp_path / "baseline" / "smoke", "one")
    assert (final / "manifest.json").read_text() == "one"
    assert sorted(p.name for p in final.parent.iterdir()) == ["smoke"]  # no tmp, no lock left


def test_failure_inside_the_block_removes_the_partial_directory(tmp_path: Path) -> None:
    final = _write_run(tmp_path / "baseline" / "smoke", "old")
    with pytest.raises(KeyboardInterrupt), RunDir(final, force=True) as tmp:
        (tmp / "manifest.json").write_text("partial")
        raise KeyboardInterrupt
    assert (final / "manifest.json").read_text() == "old"
    assert sorted(p.name for p in final.parent.iterdir()) == ["smoke"]


def test_a_failed_first_run_leaves_no_empty_label(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt), RunDir(tmp_path / "baseline" / "smoke", force=False):
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_existing_run_is_refused_without_force_and_survives(tmp_path: Path) -> None:
    final = _write_run(tmp_path / "baseline" / "smoke", "old")
    with pytest.raises(RbprofileError, match=r"already exists .*pass --force"):
        _write_run(final, "new")
    with pytest.raises(RbprofileError, match="pass --force"):
        ensure_absent(final, force=False)
    assert (final / "manifest.json").read_text() == "old"


def test_force_replaces_the_old_run(tmp_path: Path) -> None:
    final = _write_run(tmp_path / "baseline" / "smoke", "old")
    _write_run(final, "new", force=True)
    assert (final / "manifest.json").read_text() == "new"
    assert sorted(p.name for p in final.parent.iterdir()) == ["smoke"]


def test_a_second_writer_of_the_same_run_stops_with_a_clear_message(tmp_path: Path) -> None:
    final = tmp_path / "baseline" / "smoke"
    with RunDir(final, force=False):
        with pytest.raises(RbprofileError, match=r"another rbprofile run \(pid \d+\) is writing"):
            RunDir(final, force=False).__enter__()
        # a different scenario of the same label is not blocked
        with RunDir(tmp_path / "baseline" / "daily", force=False) as other:
            assert other.is_dir()
    with RunDir(final, force=False) as tmp:  # released afterwards
        assert tmp.is_dir()
