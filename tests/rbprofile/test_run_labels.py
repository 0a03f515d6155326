"""`rbprofile run --label`: one safe path component; `--force` replaces only a run directory.

Nothing outside `<profiles-dir>/<label>/` is written or removed: the refusals happen before any
work, with a one-line message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rbprofile.rundir.writer import check_name
from rustybt.data.bundles import Bundle


@pytest.fixture
def home(smoke_bundle: Bundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RBPROFILE_HOME", str(smoke_bundle.path.parent.parent))
    root = tmp_path / "sandbox" / "profiles"
    root.mkdir(parents=True)
    monkeypatch.setenv("RBPROFILE_PROFILES_DIR", str(root))
    return root


def _tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize(
    "label", ["../victim", "/abs", "a/b", ".", "..", "", ".hidden", "-x", "a b"]
)
def test_a_label_that_is_not_one_plain_name_is_a_usage_error(home: Path, cli, label: str) -> None:
    victim = home.parent / "victim" / "smoke"
    victim.mkdir(parents=True)
    (victim / "important.txt").write_text("keep me")
    before = _tree(home.parent)
    result = cli(["run", "smoke", "--profiler", "none", "--label", label, "--force"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"error: --label {label!r} is not a plain name: use letters, digits, '.', '_', '+' and "
        "'-', starting with a letter or digit (one directory under the profiles dir)\n"
    )
    assert _tree(home.parent) == before
    assert (victim / "important.txt").read_text() == "keep me"


@pytest.mark.parametrize("label", ["baseline", "post-rust", "v1.2", "A_b+c", "x" * 128])
def test_plain_labels_are_accepted(label: str) -> None:
    assert check_name(label) == label


def test_a_strategy_file_whose_name_is_not_a_plain_name_is_refused(
    home: Path, tmp_path: Path, cli
) -> None:
    strategy = tmp_path / "...py"  # its stem is ".."
    strategy.write_text("def initialize(context):\n    pass\n")
    result = cli(["run", str(strategy), "--bundle", "smoke", "--profiler", "none"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("error: the run name (strategy file name) '..' is not a plain")
    assert _tree(home) == []


@pytest.mark.parametrize("kind", ["directory", "file", "symlink"])
def test_force_never_replaces_what_is_not_a_run(home: Path, tmp_path: Path, cli, kind: str) -> None:
    final = home / "baseline" / "smoke"
    final.parent.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "manifest.json").write_text("{}")  # a run, but reached through a symlink
    if kind == "directory":
        final.mkdir()
        (final / "notes.txt").write_text("mine")
    elif kind == "file":
        final.write_text("mine")
    else:
        final.symlink_to(elsewhere)
    before = _tree(home) + _tree(elsewhere)
    result = cli(["run", "smoke", "--profiler", "none", "--force"])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"error: {final} exists and is not a run directory (no manifest.json); rbprofile does "
        "not replace it, even with --force: move it away or use another --label\n"
    )
    assert _tree(home) + _tree(elsewhere) == before
