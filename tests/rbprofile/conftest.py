"""Fixtures shared by the rbprofile tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty profiles dir; RBPROFILE_PROFILES_DIR and RBPROFILE_HOME point into tmp_path."""
    root = tmp_path / "profiles"
    root.mkdir()
    monkeypatch.setenv("RBPROFILE_PROFILES_DIR", str(root))
    monkeypatch.setenv("RBPROFILE_HOME", str(tmp_path / "home"))
    return root
