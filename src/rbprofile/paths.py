"""Where rbprofile keeps things: bundle home and the profiles directory."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_PROFILES_DIR = Path("docs/performance/profiles")


def rbprofile_home() -> Path:
    """`RBPROFILE_HOME`, or `~/.rbprofile`."""
    env = os.environ.get("RBPROFILE_HOME")
    return Path(env).expanduser() if env else Path.home() / ".rbprofile"


def bundles_root() -> Path:
    """Directory holding one sub-directory per bundle."""
    from rustybt.data.bundles import default_bundle_root

    return default_bundle_root()


def profiles_dir(override: Path | None = None) -> Path:
    """`--profiles-dir`, else `RBPROFILE_PROFILES_DIR`, else `docs/performance/profiles`."""
    if override is not None:
        return override
    env = os.environ.get("RBPROFILE_PROFILES_DIR")
    return Path(env) if env else DEFAULT_PROFILES_DIR
