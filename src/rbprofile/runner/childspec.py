"""What a child process runs, as a command line: `python -m rbprofile.runner.child ...`."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

CHILD_MODULE = "rbprofile.runner.child"
SPAWNED_AT = "--spawned-at"  # appended by `process.spawn(stamp=...)` with the spawn time


@dataclass(frozen=True)
class ChildSpec:
    """A strategy file on a bundle, in one numeric mode."""

    strategy: Path
    bundle: str
    numeric: str = "decimal"
    start: str | None = None
    end: str | None = None

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
