"""py-spy: real `py-spy record`s of plain children.

- `pyspy.collapsed.txt`: `--format raw --full-filenames` with line numbers and `--idle`, the
  file later analysis reads (idle stacks end in a wait such as `clock_nanosleep`, so analysis
  can tell waiting from CPU; with `--native` those leaves are visible). It is the merge of
  sampling children that repeat the measured call until `--samples` samples fall under it or
  `--sample-budget` seconds are spent (rbprofile.profilers.pyspy_sampling); the manifest keeps
  per-child and per-run counts and whether the budget ran out, and `pyspy_runs.parquet` each
  run's samples per stack (child, run, line of the collapsed file, samples), so a bootstrap
  over runs can resample them.
- `pyspy.svg` and `pyspy.speedscope.json`: one short recording each (one run of the measured
  call, as a fresh child) without `--idle`, so the flamegraph shows where the CPU went and is
  not stretched by waits. They are pictures for people; no number rbprofile prints comes from
  them, so they do not pay for the long sampling twice more. Their wall time, a cold child
  like the timing repeats, gives the overhead ratio.

`--native` is tried first; if py-spy fails with it, every format is recorded without it and
the manifest says `native: false`. The binary is `$RBPROFILE_PYSPY`, else `py-spy` on PATH,
else the one next to this interpreter.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from rbprofile.atomic import write_parquet, write_text
from rbprofile.childprotocol import RESULT, repeat_args
from rbprofile.errors import RbprofileError
from rbprofile.profilers.base import PLAIN, Profiler, ProfilerContext, ProfilerOutcome, failed
from rbprofile.profilers.pyspy_merge import collapsed_text, run_table, split_runs
from rbprofile.profilers.pyspy_sampling import (
    DEFAULT_BUDGET_S,
    DEFAULT_SAMPLES,
    MAX_REPEATS,
    RUNS_PER_CHILD,
    Child,
    SamplingGoal,
    sample,
)
from rbprofile.rundir import files

ENV_BINARY = "RBPROFILE_PYSPY"
COLLAPSED, SVG, SPEEDSCOPE = files.PYSPY_COLLAPSED, files.PYSPY_SVG, files.PYSPY_SPEEDSCOPE
RUNS = files.PYSPY_RUNS
# (py-spy --format, file) of the one-run pictures; the raw stacks are sampled (`_sample`)
PICTURES = (("flamegraph", SVG), ("speedscope", SPEEDSCOPE))
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

    @property
    def sampled(self) -> bool:
        """py-spy ran to the end and wrote its raw file, if with no sample in it (a child that
        py-spy saw too briefly on a loaded machine): that child adds zero samples, no failure."""
        return self.finished.returncode == 0 and self.output.exists()


def record_cmd(
    binary: str, fmt: str, output: Path, rate: int, *, native: bool, idle: bool, child: list[str]
) -> list[str]:
    cmd = [binary, "record", "--format", fmt, "--output", str(output), "--rate", str(rate)]
    cmd += ["--full-filenames"] + (["--native"] if native else []) + (["--idle"] if idle else [])
    return [*cmd, "--", *child]


def _command(
    ctx: ProfilerContext,
    binary: str,
    fmt: str,
    name: str,
    *,
    native: bool,
    idle: bool,
    tag: str = "",
    extra: Sequence[str] = (),
) -> tuple[list[str], Path, Path]:
    """A py-spy recording's (command line, log, output file), in its own work directory."""
    work = ctx.work / f"pyspy-{fmt}{tag}{'-native' if native else ''}"
    work.mkdir(parents=True, exist_ok=True)
    output = work / name
    child = [*ctx.child_argv(PLAIN, work), *extra]
    cmd = record_cmd(binary, fmt, output, ctx.rate_hz, native=native, idle=idle, child=child)
    return cmd, work / "pyspy.log", output


def _reason(rec: Recording) -> str:
    said = _own_message(rec.finished.log) or rec.finished.tail(5)
    low = said.lower()
    if "permission" in low or "not permitted" in low or "ptrace" in low:
        return f"{PTRACE_HINT} (py-spy said: {said})"
    if not (rec.output.parent / RESULT).exists():
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
        "numbers, native frames where it can (--native) and idle waits (--idle). It stops the "
        "process for each sample, which slows a run (measured below), every part of it alike. "
        "Because one backtest gives few samples at its rate, sampling children repeat the "
        "backtest (each run as cold as a fresh process: the "
        "engine's calendar cache cleared, garbage collected between runs), several at once "
        "(`--sampling-jobs`, on separate cores), and their stacks are merged until `--samples` "
        "samples fall under the measured call or `--sample-budget` seconds are spent. The "
        "flamegraph and speedscope files come from one further run each."
    )
    files = (COLLAPSED, RUNS, SVG, SPEEDSCOPE, files.SAMPLES)
    tool = "py_spy"

    def version(self) -> str | None:
        return version()

    def run(self, ctx: ProfilerContext) -> ProfilerOutcome:
        try:
            binary = find_binary()
        except PyspyUnavailableError as exc:
            return failed(str(exc), native=None)
        sampler = _Sampler(ctx, binary)
        try:
            sampled = sample(goal(ctx), ctx.rate_hz, sampler.record)
        except _RecordingFailed as exc:
            return failed(exc.reason, native=sampler.native)
        stacks = sampled.stacks()
        if not stacks:
            children = len(sampled.children)
            return failed(
                f"py-spy recorded no samples in {children} sampling "
                f"{'child' if children == 1 else 'children'}: raise --rate or profile a longer run",
                native=sampler.native,
            )
        write_text(ctx.run_dir / COLLAPSED, collapsed_text(stacks))
        repeats = [c.repeats for c in sampled.children]
        write_parquet(ctx.run_dir / RUNS, run_table(sampled.splits, repeats, stacks))
        kept, wall = [COLLAPSED, RUNS], None
        for fmt, name in PICTURES:
            rec = sampler.once(fmt, name)
            if not rec.ok:  # a failed profiler leaves none of its files in the run
                for kept_name in kept:
                    (ctx.run_dir / kept_name).unlink(missing_ok=True)
                return failed(_reason(rec), native=sampler.native)
            shutil.move(rec.output, ctx.run_dir / name)
            kept.append(name)
            wall = rec.finished.wall_s if wall is None else wall
        outcome = ProfilerOutcome(
            "ok",
            wall_s=wall,
            files=kept,
            details={
                "native": sampler.native,
                "rate_hz": ctx.rate_hz,
                "idle": {COLLAPSED: True, SVG: False, SPEEDSCOPE: False},
                **sampled.details(),
            },
        )
        ctx.defer(partial(_record_samples, ctx.run_dir, outcome))
        return outcome


def goal(ctx: ProfilerContext) -> SamplingGoal:
    """The sampling goal the run asked for (`ctx.options`), sized by its timing repeats."""
    opts = ctx.options
    jobs = opts.get("sampling_jobs")  # the run's --sampling-jobs; else the goal's default
    return SamplingGoal(
        samples=int(opts.get("samples", DEFAULT_SAMPLES)),
        budget_s=float(opts.get("sample_budget_s", DEFAULT_BUDGET_S)),
        run_s=opts.get("run_s"),
        startup_s=opts.get("startup_s"),
        runs_per_child=int(opts.get(RUNS_PER_CHILD, MAX_REPEATS)),
        **({"jobs": int(jobs)} if jobs else {}),
    )


class _RecordingFailed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Sampler:
    """Records py-spy children, trying --native first and dropping it once py-spy refuses it."""

    def __init__(self, ctx: ProfilerContext, binary: str) -> None:
        self.ctx, self.binary, self.native = ctx, binary, True

    def _try(
        self, commands: list[tuple[str, str, str, list[str]]], *, idle: bool
    ) -> list[Recording]:
        """Record every (fmt, file name, tag, extra child args) at once; once py-spy fails
        with --native, the wave is recorded again without it."""

        def wave(native: bool) -> list[Recording]:
            made = [
                _command(
                    self.ctx, self.binary, fmt, name, native=native, idle=idle, tag=tag, extra=extra
                )
                for fmt, name, tag, extra in commands
            ]
            finished = self.ctx.spawn_all([(cmd, log) for cmd, log, _ in made])
            for done in finished:
                done.raise_if_killed()
            return [Recording(done, out) for done, (_, _, out) in zip(finished, made, strict=True)]

        recs = wave(self.native)
        if self.native and not all(rec.sampled for rec in recs):  # maybe py-spy refused --native
            self.native = False
            recs = wave(False)
        return recs

    def record(self, children: list[tuple[int, int, float]]) -> list[Child]:
        commands = [
            ("raw", COLLAPSED, f"-{index}", repeat_args(repeats, seconds, mark=True))
            for index, repeats, seconds in children
        ]
        return [self._read(rec) for rec in self._try(commands, idle=True)]

    def _read(self, rec: Recording) -> Child:
        if not (rec.sampled or rec.ok) or not (rec.output.parent / RESULT).exists():
            raise _RecordingFailed(_reason(rec))  # py-spy, or the backtest under it, failed
        result = json.loads((rec.output.parent / RESULT).read_text())
        try:
            split = split_runs(rec.output.read_text(errors="replace"))
        except RbprofileError as exc:
            raise _RecordingFailed(f"py-spy wrote unreadable stacks: {exc.message}") from None
        runs = result.get("runs") or [result]
        in_runs = sum(float(r.get("run_wall_s") or 0.0) for r in runs)
        marks = result.get("marks") or {}
        try:
            elapsed = float(marks["after_run"]) - float(marks["before_run"])
        except (KeyError, TypeError, ValueError):
            elapsed = in_runs
        return split, len(runs), rec.finished.wall_s, in_runs, elapsed

    def once(self, fmt: str, name: str) -> Recording:
        return self._try([(fmt, name, "", [])], idle=False)[0]


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
