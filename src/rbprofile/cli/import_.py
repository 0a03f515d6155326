"""`rbprofile import`: wrap existing cProfile / py-spy files into a run directory.

Wiring only: parse, call `rbprofile.importing.import_profiles`, say what was written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rbprofile.cli.options import ProfilesDirOption

HELP = (
    "Wrap a .pstats and/or py-spy file recorded elsewhere into a run directory.\n\n"
    "The files (a cProfile `.pstats`, py-spy `--format raw` collapsed "
    "stacks or speedscope JSON) go into `<profiles-dir>/<label>/<scenario>/`, so `analyze`, "
    "`categorize`, `compare` and `report` read them like a recorded run. Identities are "
    "resolved now, against this machine's sources. No timing repeats: `compare` shows "
    "function, module and category deltas; its run-time verdict needs `rbprofile run`.\n\n"
    "* `rbprofile import zipline.pstats --label before --scenario sma`\n"
    "* `rbprofile import bt.pstats bt.collapsed.txt --label bt --project backtrader`\n\n"
    "Record py-spy with `--format raw --full-filenames` (line numbers and full paths are what "
    "loop evidence reads)."
)


def help_text() -> str:
    return HELP


def import_(
    profiles: Annotated[
        list[Path],
        typer.Argument(
            metavar="PSTATS [PYSPY]",
            help="A .pstats file, py-spy output (.txt collapsed / .json speedscope), or both.",
        ),
    ],
    label: Annotated[str, typer.Option("--label", help="Label to write under.")],
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help="Scenario name (default: the first file's stem)."),
    ] = None,
    project: Annotated[
        str | None,
        typer.Option("--project", help="Package under profile (default: discovered)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing run.")] = False,
    profiles_dir: ProfilesDirOption = None,
) -> None:
    from rbprofile.importing import ImportRequest, import_profiles, split_inputs

    pstats, pyspy = split_inputs(profiles)
    result = import_profiles(
        ImportRequest(label, pstats, pyspy, scenario, project, profiles_dir, force)
    )
    typer.echo(result.describe())
