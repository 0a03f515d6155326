"""Any Python program as a run target: `rbprofile run [OPTIONS] -- COMMAND...`.

    parse_command(argv) -> Program     `python prog.py ARGS`, `python -m pkg.mod ARGS`, or a bare
                                       `prog.py ARGS` (the current interpreter); anything else
                                       (`ls`, interpreter options) is refused in one line
    parse_root("pkg.mod:fn") -> Root   the function whose calls are the measured region
    other_interpreter(program)         the interpreter the command names, when it is not the
                                       one the program runs under (a notice, not a refusal)
    Program.name                       the default scenario name: the script's stem, or the
                                       module's last component
    Program.package                    the program's own top-level name (a fallback project)

The program always runs under the interpreter rbprofile runs in (`sys.executable`), in-process
in the child (`rbprofile.runner.cmdchild`), so the profilers can wrap its measured call.
"""

from __future__ import annotations

import re
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rbprofile.errors import RbprofileError

PYTHON = re.compile(r"^python(\d+(\.\d+)*)?(\.exe)?$")
MODULE_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
IDENTIFIER = re.compile(r"^[A-Za-z_]\w*$")
EXAMPLE = "rbprofile run --label before -- python my_backtest.py --fast"


@dataclass(frozen=True)
class Program:
    """A Python program: a script file or a module, with its arguments."""

    command: tuple[str, ...]  # as the user gave it
    kind: Literal["path", "module"]
    target: str  # the script path as given, or the module name
    args: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        if self.kind == "module":
            return self.target.rsplit(".", 1)[-1]
        return Path(self.target).stem

    @property
    def package(self) -> str:
        return self.target.split(".", 1)[0] if self.kind == "module" else self.name


@dataclass(frozen=True)
class Root:
    """`MODULE:FUNCTION`: the function whose (first, outermost) call is measured."""

    module: str
    function: str

    def __str__(self) -> str:
        return f"{self.module}:{self.function}"

    @property
    def package(self) -> str:
        return self.module.split(".", 1)[0]


def is_python(executable: str) -> bool:
    return bool(PYTHON.match(Path(executable).name)) or executable == sys.executable


def parse_command(argv: tuple[str, ...] | list[str]) -> Program:
    """The program a `-- COMMAND...` names, or RbprofileError (one line, exit 1)."""
    command = tuple(argv)
    if not command:
        raise RbprofileError(f"give the Python command after --, e.g. `{EXAMPLE}`")
    shown = shlex.join(command)
    if is_python(command[0]):
        rest = command[1:]
        if rest[:1] == ("-m",) and len(rest) > 1:
            if not MODULE_NAME.match(rest[1]):
                raise RbprofileError(f"`-m {rest[1]}` is not a module name (in {shown!r})")
            return Program(command, "module", rest[1], rest[2:])
        if not rest or rest[0].startswith("-"):
            raise RbprofileError(
                f"after {command[0]} give a script or -m module (interpreter options are not "
                f"supported), got {shown!r}"
            )
        return _script(command, rest[0], rest[1:])
    if command[0].endswith(".py"):
        return _script(command, command[0], command[1:])
    raise RbprofileError(
        f"{command[0]!r} is not a Python program: the command must be `python SCRIPT.py ...`, "
        f"`python -m MODULE ...` or `SCRIPT.py ...` (got {shown!r})"
    )


def _script(command: tuple[str, ...], path: str, args: tuple[str, ...]) -> Program:
    if not Path(path).is_file():
        raise RbprofileError(f"script {path} does not exist; check the path")
    return Program(command, "path", path, args)


def other_interpreter(program: Program) -> str | None:
    """The command's interpreter (as found on PATH) when it lives in another environment than
    `sys.executable`, the one the program runs under; None when they agree or none is named."""
    named = program.command[0]
    if named == program.target:  # a bare script: the current interpreter
        return None
    found = shutil.which(named)
    if found is None:
        return named
    if Path(found).absolute().parent == Path(sys.executable).absolute().parent:
        return None
    return found


def parse_root(text: str) -> Root:
    module, sep, function = text.partition(":")
    if not sep or not MODULE_NAME.match(module) or not IDENTIFIER.match(function):
        raise RbprofileError(
            f"--root {text!r} is not MODULE:FUNCTION (e.g. `--root my_backtest:main` or "
            "`--root mypkg.engine:run`)"
        )
    return Root(module, function)
