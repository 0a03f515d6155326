"""Options shared by several commands, declared once as `Annotated` aliases."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ProfilesDirOption = Annotated[
    Path | None,
    typer.Option(
        "--profiles-dir",
        help="Profiles root (default: $RBPROFILE_PROFILES_DIR or docs/performance/profiles).",
    ),
]
