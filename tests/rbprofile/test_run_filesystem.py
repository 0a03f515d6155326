"""Profiles dirs that cannot be written: read-only mounts, a file in the way, a full disk.

Real faults (tests/faults.py): tmpfs mounts, read-only or tiny. Root ignores permission bits,
so a read-only mount is what stops a write here; where a mount is impossible the test is
skipped with the reason. Each case is one `error:` line, exit 1, and earlier data intact.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from faults import fill, remount_readonly, tmpfs

from rustybt.data.bundles import Bundle

COMMITTED = Path(__file__).parents[2] / "docs" / "performance" / "profiles" / "baseline"


@pytest.fixture
def home(smoke_bundle: Bundle, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RBPROFILE_HOME", str(smoke_bundle.path.parent.parent))
    monkeypatch.delenv("RBPROFILE_PROFILES_DIR", raising=False)
    return smoke_bundle.path.parent.parent


def _one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    assert stderr.count("\n") == 1 and stderr.startswith("error: "), stderr
    return stderr.removeprefix("error: ").rstrip("\n")


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _old_run(profiles: Path) -> Path:
    old = profiles / "baseline" / "smoke"
    old.mkdir(parents=True)
    (old / "manifest.json").write_text('{"old": true}')
    return old


def test_run_into_a_read_only_profiles_dir(home: Path, tmp_path: Path, cli) -> None:
    with tmpfs(tmp_path / "ro", readonly=True) as ro:
        result = cli(["run", "smoke", "--profiler", "none", "--profiles-dir", str(ro / "p")])
    assert (result.exit_code, result.stdout) == (1, "")
    assert _one_error_line(result.stderr) == (
        f"cannot write under the profiles dir {ro / 'p'}: {ro} is not writable (read-only file "
        "system or no permission); choose another --profiles-dir"
    )


def test_run_force_over_a_run_on_a_read_only_mount(home: Path, tmp_path: Path, cli) -> None:
    with tmpfs(tmp_path / "profiles") as profiles:
        old = _old_run(profiles)
        remount_readonly(profiles)
        argv = ["run", "smoke", "--profiler", "none", "--force", "--profiles-dir", str(profiles)]
        result = cli(argv)
        assert (result.exit_code, result.stdout) == (1, "")
        assert _one_error_line(result.stderr).startswith(
            f"cannot write under the profiles dir {profiles}: {profiles} is not writable"
        )
        assert (old / "manifest.json").read_text() == '{"old": true}'


@pytest.mark.parametrize("under", [False, True])
def test_a_profiles_dir_that_is_a_file(home: Path, tmp_path: Path, cli, under: bool) -> None:
    blocker = tmp_path / "profiles"
    blocker.write_text("not a directory")
    target = blocker / "sub" if under else blocker
    result = cli(["run", "smoke", "--profiler", "none", "--profiles-dir", str(target)])
    assert (result.exit_code, result.stdout) == (1, "")
    assert _one_error_line(result.stderr) == (
        f"the profiles dir {target} is not a directory ({blocker} is a file)"
    )
    assert blocker.read_text() == "not a directory"


@pytest.mark.slow
def test_disk_full_during_a_run_is_one_line_and_keeps_the_old_run(
    home: Path, tmp_path: Path, cli
) -> None:
    # room for the profile (~200 KiB of pstats) but not for the tables made from it
    with tmpfs(tmp_path / "profiles", size="300k") as profiles:
        old = _old_run(profiles)
        argv = ["run", "smoke", "--profiler", "cprofile", "--repeat", "1", "--force"]
        argv += ["--cprofile-repeat", "1"]  # one profile fits, its tables do not
        result = cli([*argv, "--profiles-dir", str(profiles)])
        assert (result.exit_code, result.stdout) == (1, ""), result.stderr
        last = result.stderr.rstrip("\n").splitlines()[-1]
        assert "Traceback" not in result.stderr
        assert last.startswith(f"error: {profiles}/baseline/.smoke.tmp-"), result.stderr
        assert last.endswith(": No space left on device; free some space and run it again")
        assert sorted(p.name for p in (profiles / "baseline").iterdir()) == ["smoke"]
        assert (old / "manifest.json").read_text() == '{"old": true}'


def test_a_full_disk_before_the_run_starts(home: Path, tmp_path: Path, cli) -> None:
    with tmpfs(tmp_path / "profiles", size="64k") as profiles:
        old = _old_run(profiles)
        fill(profiles)
        argv = ["run", "smoke", "--profiler", "none", "--force"]
        result = cli([*argv, "--profiles-dir", str(profiles)])
        assert (result.exit_code, result.stdout) == (1, "")
        assert _one_error_line(result.stderr).endswith(
            "No space left on device; free some space and run it again"
        )
        assert sorted(p.name for p in (profiles / "baseline").iterdir()) == ["smoke"]
        assert (old / "manifest.json").read_text() == '{"old": true}'


def test_report_reads_read_only_runs_and_writes_nothing_beside_them(
    tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RBPROFILE_PROFILES_DIR", raising=False)
    with tmpfs(tmp_path / "profiles", size="32m") as profiles:
        shutil.copytree(COMMITTED, profiles / "baseline")
        before = _digest(profiles)
        remount_readonly(profiles)
        out = tmp_path / "out"
        argv = ["report", "baseline", "--profiles-dir", str(profiles), "--output-dir", str(out)]
        result = cli(argv)
        assert result.exit_code == 0, result.stderr
        assert result.stdout.startswith("#")
        assert _digest(profiles) == before
        assert list(out.glob("charts/*.svg")), "the charts go beside the report"
        with tmpfs(tmp_path / "ro-out", readonly=True) as ro_out:
            result = cli([*argv[:-1], str(ro_out / "docs")])
        assert result.exit_code == 1
        assert "Traceback" not in result.stderr
        assert result.stderr.rstrip("\n").splitlines()[-1].startswith("error: ")


def test_compare_flamegraph_dir_on_a_read_only_mount(tmp_path: Path, cli) -> None:
    profiles = tmp_path / "profiles"
    for label in ("before", "after"):
        shutil.copytree(COMMITTED / "daily", profiles / label / "daily")
    with tmpfs(tmp_path / "ro", readonly=True) as ro:
        argv = ["compare", "before", "after", "--profiles-dir", str(profiles)]
        result = cli([*argv, "--flamegraph-dir", str(ro / "flames")])
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    line = result.stderr.rstrip("\n").splitlines()[-1]
    assert line.startswith("error: ") and "Read-only file system" in line, result.stderr


def test_a_profiles_dir_without_write_permission(tmp_path: Path) -> None:
    import subprocess
    import sys

    from faults import unprivileged, world_readable_tmp

    with world_readable_tmp("rbprofile-perm-") as base:
        profiles = base / "profiles"
        old = _old_run(profiles)
        for path in (profiles, old.parent, old):
            path.chmod(0o555)  # nobody may read, not write
        argv = [sys.executable, "-m", "rbprofile", "run", "smoke", "--profiler", "none"]
        argv += ["--force", "--profiles-dir", str(profiles)]
        env = {"RBPROFILE_HOME": str(base / "home"), "PATH": "/usr/bin:/bin"}
        done = subprocess.run(
            unprivileged(argv), capture_output=True, text=True, env=env, cwd="/", timeout=120,
            check=False,
        )  # fmt: skip
        assert (done.returncode, done.stdout) == (1, ""), done.stderr
        assert _one_error_line(done.stderr).startswith(
            f"cannot write under the profiles dir {profiles}: {profiles} is not writable"
        )
        assert (old / "manifest.json").read_text() == '{"old": true}'
