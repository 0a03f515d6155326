"""What a child process runs, as a command line: the program of one target, in a given mode.

    ChildSpec      a rustybt strategy file on a bundle: `python -m rbprofile.runner.child ...`
    CommandSpec    any Python program (`run -- COMMAND`): `python -m rbprofile.runner.cmdchild`

Both have `argv(mode, out)`, so the profilers start either without knowing which,
`runs_per_child`: how many runs of the measured call one child may repeat (`--repeats`), and
`what`: the name a failed child's error gives what it ran.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol

from rbprofile.runner.command import Program, Root

CHILD_MODULE = "rbprofile.runner.child"
COMMAND_CHILD_MODULE = "rbprofile.runner.cmdchild"
SPAWNED_AT = "--spawned-at"  # appended by `process.spawn(stamp=...)` with the spawn time
MANY = 1_000_000  # no limit of its own on a child's runs


class Spec(Protocol):
    runs_per_child: ClassVar[int]
    what: ClassVar[str]  # what failed, in the error of a failed child

    def argv(self, mode: str, out: Path) -> list[str]: ...


@dataclass(frozen=True)
class ChildSpec:
    """A strategy file on a bundle, in one numeric mode."""

    strategy: Path
    bundle: str
    numeric: str = "decimal"
    start: str | None = None
    end: str | None = None
    runs_per_child: ClassVar[int] = MANY  # the engine's caches are reset between runs
    what: ClassVar[str] = "backtest"

    def argv(self, mode: str, out: Path) -> list[str]:
        """The child command for `mode` writing into `out` (without `--spawned-at`)."""
        cmd = [sys.executable, "-m", CHILD_MODULE, "--mode", mode, "--out", str(out)]
        cmd += ["--strategy", str(self.strategy), "--bundle", self.bundle]
        cmd += ["--numeric", self.numeric]
        if self.start:
            cmd += ["--start", self.start]
        if self.end:
            cmd += ["--end", self.end]
        return cmd


@dataclass(frozen=True)
class CommandSpec:
    """A Python program with its arguments, measured whole or at its `root` function."""

    program: Program
    root: Root | None = None
    runs_per_child: ClassVar[int] = 1  # a program cannot be repeated in-process safely
    what: ClassVar[str] = "the command"

    def argv(self, mode: str, out: Path) -> list[str]:
        """The child command for `mode` writing into `out` (without `--spawned-at`)."""
        cmd = [sys.executable, "-m", COMMAND_CHILD_MODULE, "--mode", mode, "--out", str(out)]
        where = "--module" if self.program.kind == "module" else "--script"
        cmd += [where, self.program.target, "--program-args", json.dumps(self.program.args)]
        return cmd + (["--root", str(self.root)] if self.root is not None else [])
