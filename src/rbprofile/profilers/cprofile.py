"""cProfile around the measured call only, in K fresh children (`ctx.options["cprofile_repeat"]`,
default 3) -> functions.parquet (FUNCTIONS_SCHEMA: medians and every repeat's times),
callers.parquet (EDGES_SCHEMA), and the raw dump of the median-total repeat as cprofile.pstats
with its cprofile_summary.txt. The manifest record's details say which repeat that is
(`pstats_repeat`, 1-based), each repeat's total (`totals_s`) and child wall time
(`wall_s_repeats`), and how many functions' call counts differed between repeats
(`calls_differ`; 0 for a deterministic program)."""

from __future__ import annotations

import io
import pstats
import shutil
import statistics
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from rbprofile.errors import ChildKilledError, RbprofileError
from rbprofile.profilers.base import Profiler, ProfilerContext, ProfilerOutcome, failed
from rbprofile.rundir import files

if TYPE_CHECKING:
    from rbprofile.analysis.cprofile_repeats import Repeats

T = TypeVar("T")
TOP = 20
# "cpu" makes the in-child profiler time with time.process_time instead of the wall clock:
# `rbprofile scale` sets it for its children, whose growth fits other processes on a shared
# machine would otherwise bend (a long call is preempted more often than a short one).
TIMER_ENV = "RBPROFILE_CPROFILE_TIMER"
REPEAT_OPTION = "cprofile_repeat"  # ProfilerContext.options key: profiled children to run
DEFAULT_REPEAT = 3


def summary_text(pstats_path: Path, top: int = TOP, shown_as: str | None = None) -> str:
    """Top `top` by cumulative time: ncalls, tottime, percall, cumtime, percall, function.

    `shown_as` replaces the file path in pstats' header (the final, not the temporary, path).
    """
    out = io.StringIO()
    stats = pstats.Stats(str(pstats_path), stream=out)
    stats.sort_stats(pstats.SortKey.CUMULATIVE).print_stats(top)
    text = out.getvalue()
    return text.replace(str(pstats_path), shown_as, 1) if shown_as else text


def write_tables(pstats_path: Path, run_dir: Path) -> int:
    """functions.parquet and callers.parquet from one pstats file (one repeat); returns the
    function count. Identities (module, qualified name) are resolved here."""
    return write_repeat_tables([pstats_path], run_dir).functions.height


def write_repeat_tables(pstats_paths: Sequence[Path], run_dir: Path) -> Repeats:
    """functions.parquet and callers.parquet from the repeats' pstats files, and the raw dump
    of the median-total repeat as cprofile.pstats (unless it is already that file); returns the
    merged repeats. Identities (module, qualified name) are resolved here, with the sources at
    hand."""
    from rbprofile.analysis.cprofile_repeats import merge_repeats
    from rbprofile.analysis.pstats_source import load_pstats
    from rbprofile.atomic import write_parquet

    merged = merge_repeats([load_pstats(p) for p in pstats_paths])
    kept, target = pstats_paths[merged.kept], run_dir / files.PSTATS
    if kept.resolve() != target.resolve():
        shutil.copyfile(kept, target)
    write_parquet(run_dir / files.FUNCTIONS, merged.functions)
    write_parquet(run_dir / files.CALLERS, merged.edges)
    return merged


class CProfileProfiler(Profiler):
    name = "cprofile"
    title = "cProfile"
    summary = "deterministic: every call, exact call counts (inflates tiny functions)"
    methodology = (
        "cProfile (deterministic, standard library) profiles the measured call only, not "
        "interpreter start-up or imports, in K fresh children (`--cprofile-repeat`, default 3); "
        "each function's self and cumulative time is the median over the repeats, with every "
        "repeat's value kept so compare can test changes against the noise, and the raw "
        "cprofile.pstats is the repeat with the median total. It adds per-call overhead, so "
        "very small functions called very often look more expensive than they are."
    )
    files = (files.PSTATS, files.PSTATS_SUMMARY, files.FUNCTIONS, files.CALLERS)
    child_mode = "cprofile"

    def in_child(self, call: Callable[[], T], out: Path) -> tuple[T, dict[str, Any] | None]:
        import cProfile
        import os
        import time

        cpu = os.environ.get(TIMER_ENV) == "cpu"
        prof = cProfile.Profile(time.process_time) if cpu else cProfile.Profile()
        result = prof.runcall(call)
        prof.dump_stats(out / files.PSTATS)
        return result, None

    def run(self, ctx: ProfilerContext) -> ProfilerOutcome:
        repeats = int(ctx.options.get(REPEAT_OPTION, DEFAULT_REPEAT))
        walls: list[float] = []
        dumps: list[Path] = []
        for i in range(repeats):
            work = ctx.work / f"{self.name}-{i + 1}"
            try:
                finished, _ = ctx.run_child(self.child_mode, work)
            except ChildKilledError:
                raise
            except RbprofileError as exc:
                return failed(exc.message if repeats == 1 else f"repeat {i + 1}: {exc.message}")
            walls.append(finished.wall_s)
            dumps.append(work / files.PSTATS)
        outcome = ProfilerOutcome(
            "ok",
            wall_s=statistics.median(walls),
            details={"repeats": repeats, "wall_s_repeats": walls},
        )
        ctx.defer(partial(_post_process, ctx.run_dir, dumps, outcome))
        return outcome


def _post_process(run_dir: Path, dumps: list[Path], outcome: ProfilerOutcome) -> None:
    """The merged tables, the kept pstats and its summary (may run on a thread, after the
    children; the dumps stay in the work directory until every deferred step has run)."""
    from rbprofile.atomic import write_text

    try:
        merged = write_repeat_tables(dumps, run_dir)
        write_text(
            run_dir / files.PSTATS_SUMMARY,
            summary_text(run_dir / files.PSTATS, shown_as=files.PSTATS),
        )
    except RbprofileError as exc:
        outcome.status, outcome.reason = "failed", f"cannot convert the profile: {exc.message}"
        return
    outcome.files += [files.PSTATS, files.PSTATS_SUMMARY, files.FUNCTIONS, files.CALLERS]
    outcome.details |= {
        "functions": merged.functions.height,
        "totals_s": list(merged.totals_s),
        "pstats_repeat": merged.kept + 1,
        "calls_differ": len(merged.calls_differ),
    }
