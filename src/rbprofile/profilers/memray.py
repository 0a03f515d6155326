"""memray: exact allocations of the measured call, with native frames -> memray.parquet.

In the child, `memray.Tracker` wraps the backtest call only (not start-up or imports) with
`native_traces=True` (the C/C++/Rust frames under each Python frame) and
`trace_python_allocators=True` (every pymalloc object, so small `Decimal`s are counted one by
one rather than as 256 KiB arenas). The parent reads the capture file (see
`rbprofile.profilers.memray_table`) into one row per allocating function (MEMRAY_SCHEMA) and
records the run's totals in the manifest; the capture itself (tens to hundreds of MB) stays in
scratch space and is removed with it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from rbprofile.errors import ChildKilledError, RbprofileError
from rbprofile.profilers.base import (
    Profiler,
    ProfilerContext,
    ProfilerOutcome,
    failed,
    installed_version,
)
from rbprofile.rundir import files

T = TypeVar("T")
CAPTURE = "memray.bin"  # the capture file, in the child's scratch dir only


class MemrayProfiler(Profiler):
    name = "memray"
    title = "memray"
    summary = "exact allocations per function (bytes at peak, total allocated), native frames"
    methodology = (
        "memray (Bloomberg) records every allocation of the measured call, not start-up or "
        "imports: Python objects one by one (its Python-allocator tracing) and native "
        "allocations with their C/Rust frames (native traces). Per function it gives the bytes "
        "live at the run's high-water mark and the bytes allocated in total, both exact; native "
        "allocations are charged to the Python function that called into native code, and the "
        "native frame holding the most memory at the peak is named beside it."
    )
    files = (files.MEMRAY,)
    tool = "memray"
    child_mode = "memray"

    def version(self) -> str | None:
        return installed_version("memray")

    def in_child(self, call: Callable[[], T], out: Path) -> tuple[T, dict[str, Any] | None]:
        import memray

        tracker = memray.Tracker(out / CAPTURE, native_traces=True, trace_python_allocators=True)
        with tracker:
            result = call()
        return result, None

    def run(self, ctx: ProfilerContext) -> ProfilerOutcome:
        if self.version() is None:
            return failed("memray is not installed; `pip install memray` (Linux and macOS only)")
        work = ctx.work / self.name
        try:
            finished, _ = ctx.run_child(self.child_mode, work)
        except ChildKilledError:
            raise
        except RbprofileError as exc:
            return failed(exc.message)
        outcome = ProfilerOutcome("ok", wall_s=finished.wall_s)
        outcome.details["capture_bytes"] = (work / CAPTURE).stat().st_size
        ctx.defer(partial(_post_process, work / CAPTURE, ctx.run_dir, outcome))
        return outcome


def _post_process(capture: Path, run_dir: Path, outcome: ProfilerOutcome) -> None:
    """memray.parquet and the run totals from the capture (may run on a thread)."""
    from rbprofile.atomic import write_parquet
    from rbprofile.profilers.memray_table import read_capture

    try:
        table, totals = read_capture(capture)
    except RbprofileError as exc:
        outcome.status, outcome.reason = "failed", f"cannot read the capture: {exc.message}"
        return
    write_parquet(run_dir / files.MEMRAY, table)
    outcome.files.append(files.MEMRAY)
    outcome.details |= totals
