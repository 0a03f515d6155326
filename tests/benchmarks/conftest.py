"""Fixtures for the peer benchmark's helpers: small real bundles and their CSV exports.

The runner programs import their siblings (``csv_layout``, ``peer_worker``) as top-level
modules, as they do when run as scripts; ``benchmarks/peers`` is put on sys.path for that.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

import benchmarks.peers
from benchmarks.peers.export import export_bundle
from rustybt.data.bundles import Bundle, BundleSpec, load_bundle, write_bundle

sys.path.insert(0, str(Path(benchmarks.peers.__file__).parent))

DAILY_SPEC = BundleSpec("peers-daily", "daily", 6, date(2025, 1, 2), date(2025, 6, 30), 11)
MINUTE_SPEC = BundleSpec("peers-minute", "minute", 3, date(2026, 10, 5), date(2026, 10, 7), 5)


@pytest.fixture(scope="session")
def peer_bundles(session_bundle_root: Path) -> Path:
    """The root holding the small daily and minute bundles below."""
    for spec in (DAILY_SPEC, MINUTE_SPEC):
        write_bundle(spec, session_bundle_root, force=True)
    return session_bundle_root


@pytest.fixture(scope="session")
def daily_peer_bundle(peer_bundles: Path) -> Bundle:
    return load_bundle(DAILY_SPEC.name, peer_bundles)


@pytest.fixture(scope="session")
def minute_peer_bundle(peer_bundles: Path) -> Bundle:
    return load_bundle(MINUTE_SPEC.name, peer_bundles)


@pytest.fixture(scope="session")
def peer_exports(
    tmp_path_factory: pytest.TempPathFactory, daily_peer_bundle: Bundle, minute_peer_bundle: Bundle
) -> dict[str, Path]:
    """frequency -> the export directory (the runners' --data)."""
    cache = tmp_path_factory.mktemp("peer-data")
    return {b.frequency: export_bundle(b, cache) for b in (daily_peer_bundle, minute_peer_bundle)}
