"""Profiles of the `hotpkg` fixture program, made for real once per session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures"))

from hotprofiles import copy_hotpkg, cprofile_hotpkg, pyspy_hotpkg


@pytest.fixture(scope="session")
def hot_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_hotpkg(tmp_path_factory.mktemp("hot"))


@pytest.fixture(scope="session")
def hot_pstats(hot_root: Path) -> Path:
    return cprofile_hotpkg(hot_root, hot_root / "hot.pstats")


@pytest.fixture(scope="session")
def hot_collapsed(hot_root: Path) -> Path:
    return pyspy_hotpkg(hot_root, hot_root / "hot.collapsed.txt")


@pytest.fixture(scope="session")
def hot_speedscope(hot_root: Path) -> Path:
    return pyspy_hotpkg(hot_root, hot_root / "hot.speedscope.json", fmt="speedscope")
