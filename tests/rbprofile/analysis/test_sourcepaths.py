"""Source paths across machines: shown without the machine's prefix, found again by suffix."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from rbprofile.analysis.sourcepaths import SourceMap, display_path


def test_display_drops_the_site_packages_prefix() -> None:
    assert display_path("/x/.nox/p/lib/python3.11/site-packages/pandas/core/a.py") == (
        "pandas/core/a.py"
    )
    assert display_path("/elsewhere/mod.py") == "/elsewhere/mod.py"
    assert display_path("<frozen runpy>") == "<frozen runpy>"


def test_display_is_relative_to_the_sys_path_entry_holding_the_file() -> None:
    import rustybt

    local = Path(rustybt.__file__).parent / "run.py"
    assert display_path(str(local)) == "rustybt/run.py"


def test_source_map_finds_a_file_recorded_on_another_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "site"
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "pkg" / "sub" / "mod.py").write_text("def f():\n    pass\n")
    (root / "run.py").write_text("")
    mapping = SourceMap((root,))
    assert mapping.local("/home/alice/venv/site-packages/pkg/sub/mod.py") == str(
        root / "pkg" / "sub" / "mod.py"
    )
    assert mapping.local("/home/alice/run.py") == "/home/alice/run.py"  # a bare name: not guessed
    assert mapping.local("/nowhere/pkg/other.py") == "/nowhere/pkg/other.py"
    assert mapping.local(sys.executable) == sys.executable  # exists here: kept
