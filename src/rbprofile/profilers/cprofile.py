"""cProfile around the measured call only -> cprofile.pstats, cprofile_summary.txt, and the
resolved tables functions.parquet (FUNCTIONS_SCHEMA) and callers.parquet (EDGES_SCHEMA)."""

from __future__ import annotations

import io
import pstats
import shutil
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from rbprofile.errors import ChildKilledError, RbprofileError
from rbprofile.profilers.base import Profiler, ProfilerContext, ProfilerOutcome, failed
from rbprofile.rundir import files

T = TypeVar("T")
TOP = 20
# "cpu" makes the in-child profiler time with time.process_time instead of the wall clock:
# `rbprofile scale` sets it for its children, whose growth fits other processes on a shared
# machine would otherwise bend (a long call is preempted more often than a short one).
TIMER_ENV = "RBPROFILE_CPROFILE_TIMER"


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
    """functions.parquet and callers.parquet from a pstats file; returns the function count.

    Identities (module, qualified name) are resolved here, with the sources at hand."""
    from rbprofile.analysis.pstats_source import load_pstats
    from rbprofile.atomic import write_parquet

    profile = load_pstats(pstats_path)
    write_parquet(run_dir / files.FUNCTIONS, profile.functions)
    write_parquet(run_dir / files.CALLERS, profile.edges)
    return profile.functions.height


class CProfileProfiler(Profiler):
    name = "cprofile"
    title = "cProfile"
    summary = "deterministic: every call, exact call counts (inflates tiny functions)"
    methodology = (
        "cProfile (deterministic, standard library) profiles the measured call only, not "
        "interpreter start-up or imports; it adds per-call overhead, so very small functions "
        "called very often look more expensive than they are."
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
        work = ctx.work / self.name
        try:
            finished, _ = ctx.run_child(self.child_mode, work)
        except ChildKilledError:
            raise
        except RbprofileError as exc:
            return failed(exc.message)
        shutil.move(work / files.PSTATS, ctx.run_dir / files.PSTATS)
        outcome = ProfilerOutcome("ok", wall_s=finished.wall_s, files=[files.PSTATS])
        ctx.defer(partial(_post_process, ctx.run_dir, outcome))
        return outcome


def _post_process(run_dir: Path, outcome: ProfilerOutcome) -> None:
    """The summary and the resolved tables from the pstats (may run on a thread)."""
    from rbprofile.atomic import write_text

    try:
        write_text(
            run_dir / files.PSTATS_SUMMARY,
            summary_text(run_dir / files.PSTATS, shown_as=files.PSTATS),
        )
        count = write_tables(run_dir / files.PSTATS, run_dir)
    except RbprofileError as exc:
        outcome.status, outcome.reason = "failed", f"cannot convert the profile: {exc.message}"
        return
    outcome.files += [files.PSTATS_SUMMARY, files.FUNCTIONS, files.CALLERS]
    outcome.details["functions"] = count
