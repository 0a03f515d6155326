"""py-spy: a real `py-spy record` of a plain child, once per output format.

- `pyspy.collapsed.txt`: `--format raw --full-filenames` with line numbers and `--idle`, the
  file later analysis reads (idle stacks end in a wait such as `clock_nanosleep`, so analysis
  can tell waiting from CPU; with `--native` those leaves are visible).
- `pyspy.svg` and `pyspy.speedscope.json`: the same options without `--idle`, so the
  flamegraph shows where the CPU went and is not stretched by waits.

`--native` is tried first; if py-spy fails with it, every format is recorded without it and
the manifest says `native: false`. The binary is `$RBPROFILE_PYSPY`, else `py-spy` on PATH,
else the one next to this interpreter.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from rbprofile.errors import RbprofileError
from rbprofile.profilers.base import PLAIN, Profiler, ProfilerContext, ProfilerOutcome, failed
from rbprofile.rundir import files

ENV_BINARY = "RBPROFILE_PYSPY"
COLLAPSED, SVG, SPEEDSCOPE = files.PYSPY_COLLAPSED, files.PYSPY_SVG, files.PYSPY_SPEEDSCOPE
# (py-spy --format, file, --idle)
FORMATS = (("raw", COLLAPSED, True), ("flamegraph", SVG, False), ("speedscope", SPEEDSCOPE, False))
INSTALL_HINT = "install it (`pip install py-spy`) or point $RBPROFILE_PYSPY at the binary"
PTRACE_HINT = (
    "py-spy is not permitted to trace the child: run with ptrace permission "
    "(e.g. `docker run --cap-add SYS_PTRACE`, or `sysctl kernel.yama.ptrace_scope=0`)"
)


if TYPE_CHECKING:
    from rbprofile.process import Finished


class PyspyUnavailableError(Exception):
    """py-spy cannot be used here; the message says why and what to do."""


def find_binary() -> str:
    override = os.environ.get(ENV_BINARY)
    if override:
        if not (Path(override).is_file() and os.access(override, os.X_OK)):
            raise PyspyUnavailableError(
                f"py-spy not found at ${ENV_BINARY}={override}; {INSTALL_HINT}"
            )
        return override
    found = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if not found:
        raise PyspyUnavailableError(f"py-spy is not installed (not on PATH); {INSTALL_HINT}")
    return found


def version(binary: str | None = None) -> str | None:
    try:
        out = subprocess.run(
            [binary or find_binary(), "--version"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError, PyspyUnavailableError):
        return None
    return out.stdout.strip().removeprefix("py-spy ").strip() or None


@dataclass(frozen=True)
class Recording:
    finished: Finished
    output: Path

    @property
    def ok(self) -> bool:
        return (
            self.finished.returncode == 0
            and self.output.exists()
            and self.output.stat().st_size > 0
        )


def record_cmd(
    binary: str, fmt: str, output: Path, rate: int, *, native: bool, idle: bool, child: list[str]
) -> list[str]:
    cmd = [binary, "record", "--format", fmt, "--output", str(output), "--rate", str(rate)]
    cmd += ["--full-filenames"] + (["--native"] if native else []) + (["--idle"] if idle else [])
    return [*cmd, "--", *child]


def _record(
    ctx: ProfilerContext, binary: str, fmt: str, name: str, *, native: bool, idle: bool
) -> Recording:
    work = ctx.work / f"pyspy-{fmt}{'-native' if native else ''}"
    work.mkdir(parents=True, exist_ok=True)
    output = work / name
    child = ctx.child_argv(PLAIN, work)
    cmd = record_cmd(binary, fmt, output, ctx.rate_hz, native=native, idle=idle, child=child)
    finished = ctx.spawn(cmd, work / "pyspy.log")
    finished.raise_if_killed()
    return Recording(finished, output)


def _reason(rec: Recording) -> str:
    said = _own_message(rec.finished.log) or rec.finished.tail(5)
    low = said.lower()
    if "permission" in low or "not permitted" in low or "ptrace" in low:
        return f"{PTRACE_HINT} (py-spy said: {said})"
    if not (rec.output.parent / "result.json").exists():
        return f"the backtest failed under py-spy ({rec.finished.describe_failure()})"
    if "no stack counts" in low:
        return f"py-spy recorded no samples ({said}): raise --rate or profile a longer run"
    return f"py-spy failed ({said})"


def _own_message(log: Path) -> str | None:
    """py-spy's own `Error: ...` line (a Rust backtrace may follow it), or None."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return None
    said = [line.removeprefix("Error: ").strip() for line in lines if line.startswith("Error: ")]
    return said[-1] if said else None


class PySpyProfiler(Profiler):
    name = "pyspy"
    title = "py-spy"
    summary = "sampling from outside the process: full stacks with lines, native frames, waits"
    methodology = (
        "py-spy (sampling, out of process) records full stacks with file names and line "
        "numbers, native frames where it can (--native) and idle waits (--idle); its overhead on "
        "the profiled process is small."
    )
    files = (COLLAPSED, SVG, SPEEDSCOPE, files.SAMPLES)
    tool = "py_spy"

    def version(self) -> str | None:
        return version()

    def run(self, ctx: ProfilerContext) -> ProfilerOutcome:
        try:
            binary = find_binary()
        except PyspyUnavailableError as exc:
            return failed(str(exc), native=None)
        native = True
        kept: list[str] = []
        wall: float | None = None
        for fmt, name, idle in FORMATS:
            rec = _record(ctx, binary, fmt, name, native=native, idle=idle)
            if not rec.ok and native:
                native = False
                rec = _record(ctx, binary, fmt, name, native=native, idle=idle)
            if not rec.ok:
                return failed(_reason(rec), native=native)
            shutil.move(rec.output, ctx.run_dir / name)
            kept.append(name)
            if name == COLLAPSED:
                wall = rec.finished.wall_s
        outcome = ProfilerOutcome(
            "ok",
            wall_s=wall,
            files=kept,
            details={
                "native": native,
                "rate_hz": ctx.rate_hz,
                "idle": {COLLAPSED: True, SVG: False, SPEEDSCOPE: False},
            },
        )
        ctx.defer(partial(_record_samples, ctx.run_dir, outcome))
        return outcome


def _record_samples(run_dir: Path, outcome: ProfilerOutcome) -> None:
    """samples.parquet: the collapsed stacks with identities resolved while the sources are here."""
    from rbprofile.analysis.pyspy_source import load_pyspy
    from rbprofile.analysis.samples import write_samples

    try:
        samples = load_pyspy(run_dir / COLLAPSED)
    except RbprofileError as exc:
        why = exc.message.replace(str(run_dir / COLLAPSED), COLLAPSED)  # not the temp dir
        outcome.status, outcome.reason = "failed", f"py-spy wrote unreadable stacks: {why}"
        return
    write_samples(samples, run_dir / files.SAMPLES)
    outcome.files.append(files.SAMPLES)
    outcome.details["samples"] = samples.total
