"""cProfile around the backtest call only -> cprofile.pstats, cprofile_summary.txt,
functions.parquet (FUNCTIONS_SCHEMA via `rbprofile.analysis.pstats_source.load_pstats`)."""

from __future__ import annotations

import io
import pstats
import shutil
from functools import partial
from pathlib import Path

from rbprofile.errors import RbprofileError
from rbprofile.runner.process import ChildKilledError
from rbprofile.runner.profilers import ProfilerContext, ProfilerOutcome, failed
from rbprofile.runner.timing import run_child

PSTATS = "cprofile.pstats"
SUMMARY = "cprofile_summary.txt"
FUNCTIONS = "functions.parquet"
TOP = 20


def summary_text(pstats_path: Path, top: int = TOP, shown_as: str | None = None) -> str:
    """Top `top` by cumulative time: ncalls, tottime, percall, cumtime, percall, function.

    `shown_as` replaces the file path in pstats' header (the final, not the temporary, path).
    """
    out = io.StringIO()
    stats = pstats.Stats(str(pstats_path), stream=out)
    stats.sort_stats(pstats.SortKey.CUMULATIVE).print_stats(top)
    text = out.getvalue()
    return text.replace(str(pstats_path), shown_as, 1) if shown_as else text


def write_functions(pstats_path: Path, dest: Path) -> int:
    """functions.parquet from a pstats file; returns the number of functions."""
    from rbprofile.analysis.pstats_source import load_pstats

    functions = load_pstats(pstats_path).functions
    tmp = dest.with_name(f".{dest.name}.tmp")
    functions.write_parquet(tmp)
    tmp.replace(dest)
    return functions.height


def profile(ctx: ProfilerContext) -> ProfilerOutcome:
    work = ctx.work / "cprofile"
    try:
        finished, _ = run_child(ctx.spec, "cprofile", work)
    except ChildKilledError:
        raise
    except RbprofileError as exc:
        return failed(exc.message)
    shutil.move(work / PSTATS, ctx.run_dir / PSTATS)
    outcome = ProfilerOutcome("ok", wall_s=finished.wall_s, files=[PSTATS])
    ctx.defer(partial(_post_process, ctx.run_dir, outcome))
    return outcome


def _post_process(run_dir: Path, outcome: ProfilerOutcome) -> None:
    """cprofile_summary.txt and functions.parquet from the pstats (may run on a thread)."""
    try:
        (run_dir / SUMMARY).write_text(summary_text(run_dir / PSTATS, shown_as=PSTATS))
        count = write_functions(run_dir / PSTATS, run_dir / FUNCTIONS)
    except RbprofileError as exc:
        outcome.status, outcome.reason = "failed", f"cannot convert the profile: {exc.message}"
        return
    outcome.files += [SUMMARY, FUNCTIONS]
    outcome.extra["functions"] = count
