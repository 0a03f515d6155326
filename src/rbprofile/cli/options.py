"""Options shared by several commands, declared once as `Annotated` aliases."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rbprofile.render import OutputFormat

ProfilesDirOption = Annotated[
    Path | None,
    typer.Option(
        "--profiles-dir",
        help="Profiles root (default: $RBPROFILE_PROFILES_DIR or docs/performance/profiles).",
    ),
]

TargetArgument = Annotated[
    str,
    typer.Argument(
        help="A label under the profiles dir, a run directory, a .pstats file, "
        "or a py-spy speedscope .json / collapsed .txt file."
    ),
]
ScenarioOption = Annotated[
    str | None, typer.Option("--scenario", help="Scenario of a label holding several.")
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]
TableOption = Annotated[
    str | None,
    typer.Option(
        "--table",
        metavar="NAME",
        help="Show only this table (any format; --format csv of several tables needs it).",
    ),
]
ProjectOption = Annotated[
    str | None,
    typer.Option(
        "--project",
        help="Top-level package under profile (default: the one each run recorded, or the "
        "one a bare profile shows).",
    ),
]
