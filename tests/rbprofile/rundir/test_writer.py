from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rbprofile.errors import RbprofileError
from rbprofile.rundir.writer import RunDir, ensure_absent


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


def test_the_lock_file_names_its_holder_while_held(tmp_path: Path) -> None:
    final = tmp_path / "baseline" / "smoke"
    with RunDir(final, force=False):
        assert (final.parent / ".smoke.lock").read_text() == str(os.getpid())
    assert not (final.parent / ".smoke.lock").exists()


HOLD = """\
import sys, time
from pathlib import Path
from rbprofile.rundir.writer import RunDir
held = RunDir(Path(sys.argv[1]), force=False)  # referenced: a collected FileLock unlocks
held.__enter__()
print("held", flush=True)
time.sleep(120)
"""


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    final = tmp_path / "baseline" / "smoke"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(final)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(RbprofileError, match=rf"another rbprofile run \(pid {holder.pid}\)"):
            RunDir(final, force=False).__enter__()
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert (final.parent / ".smoke.lock").exists()  # the file outlives the crash, the flock not
    with RunDir(final, force=False) as tmp:
        assert tmp.is_dir()
        assert not (final.parent / f".smoke.tmp-{holder.pid}").exists()  # swept: pid is gone
    # the lock file went with the new holder, and the emptied label directory with it
    assert not final.parent.exists()


def _dead_pid() -> int:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(timeout=30)
    return gone.pid


def test_sweep_removes_what_dead_runs_left_and_keeps_live_ones(tmp_path: Path) -> None:
    from rbprofile.rundir.writer import sweep_stale

    label = tmp_path / "baseline"
    dead = _dead_pid()
    (label / f".daily.tmp-{dead}" / ".work").mkdir(parents=True)
    (label / f".hourly.tmp-{os.getpid()}").mkdir()  # a live run (this process): kept
    (label / ".minute.lock").write_text(str(dead))  # nobody holds it: removed
    (label / f".smoke.old-{dead}").mkdir()  # killed between the two renames of --force:
    (label / f".smoke.old-{dead}" / "manifest.json").write_text("{}")  # the old run comes back
    (label / "notes.txt").write_text("not ours")
    swept = sweep_stale(label)
    assert sorted(p.name for p in swept) == [
        f".daily.tmp-{dead}",
        ".minute.lock",
        f".smoke.old-{dead}",
    ]
    assert sorted(p.name for p in label.iterdir()) == [
        f".hourly.tmp-{os.getpid()}",
        "notes.txt",
        "smoke",
    ]
    assert (label / "smoke" / "manifest.json").read_text() == "{}"
    with RunDir(label / "weekly", force=False):  # a held lock is never swept
        assert sweep_stale(label) == []
        assert (label / ".weekly.lock").exists()


def test_a_new_run_sweeps_its_label_first(tmp_path: Path) -> None:
    final = tmp_path / "baseline" / "smoke"
    stale = final.parent / f".daily.tmp-{_dead_pid()}"
    stale.mkdir(parents=True)
    with RunDir(final, force=False):
        assert not stale.exists()
