"""Shared fixtures: isolated bundle homes and small real bundles written once per session.

- `bundle_root`: a fresh `<tmp>/home/bundles` with RBPROFILE_HOME (and RBPROFILE_PROFILES_DIR)
  pointed into tmp, so nothing touches ~ or docs/.
- `session_bundle_root`: a session-wide directory holding the bundles below.
- `smoke_bundle`: the `smoke` scenario's bundle (daily, 3 assets, 10 sessions), as a `Bundle`.
- `minute_bundle` / `hourly_bundle`: 3 assets over 2024-11-27..2024-12-02, which includes the
  Thanksgiving holiday (2024-11-28, absent) and the 2024-11-29 early close (210 minutes).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rbprofile.scenarios import SCENARIOS
from rustybt.data.bundles import Bundle, BundleSpec, load_bundle, write_bundle

EARLY_CLOSE_START = date(2024, 11, 27)
EARLY_CLOSE_END = date(2024, 12, 2)


@pytest.fixture
def bundle_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("RBPROFILE_HOME", str(home))
    monkeypatch.setenv("RBPROFILE_PROFILES_DIR", str(tmp_path / "profiles"))
    return home / "bundles"


@pytest.fixture(scope="session")
def session_bundle_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("session-home") / "bundles"


def smoke_spec() -> BundleSpec:
    s = SCENARIOS["smoke"]
    return BundleSpec(s.bundle, s.frequency, s.assets, s.start, s.end, s.seed)


@pytest.fixture(scope="session")
def smoke_bundle(session_bundle_root: Path) -> Bundle:
    write_bundle(smoke_spec(), session_bundle_root)
    return load_bundle("smoke", session_bundle_root)


@pytest.fixture(scope="session")
def minute_bundle(session_bundle_root: Path) -> Bundle:
    spec = BundleSpec("minute-early-close", "minute", 3, EARLY_CLOSE_START, EARLY_CLOSE_END, 7)
    write_bundle(spec, session_bundle_root)
    return load_bundle(spec.name, session_bundle_root)


@pytest.fixture(scope="session")
def hourly_bundle(session_bundle_root: Path) -> Bundle:
    spec = BundleSpec("hourly-early-close", "hourly", 3, EARLY_CLOSE_START, EARLY_CLOSE_END, 7)
    write_bundle(spec, session_bundle_root)
    return load_bundle(spec.name, session_bundle_root)
