"""The profiled child process: `python -m rbprofile.runner.child --mode MODE --out DIR ...`.

Loads the strategy file, imports rustybt, runs `run_algorithm` (`--repeats` times, or until
`--repeat-seconds` have passed since the first run began) and writes `result.json` into `--out`.
`--mode plain` attaches nothing (timing repeats; also what py-spy records from
outside); any other mode is a registered profiler's `child_mode`, whose `in_child` wraps the
backtest call only, not interpreter start-up or imports (cProfile's `runcall`, tracemalloc).

Repeats stand in for fresh children (a child's start-up costs more than a short backtest):
before each run the engine's process-wide caches are cleared (the exchange calendar, built
once per process) and garbage is collected, outside the measured call, so each run starts
as cold as the first, and the first one, like every other, after a full collection (the
start-up's garbage is start-up's cost: `reset_caches`). With `--mark-runs` each run is called
through a frame named `rbprofile_run_<i>` (`RUN_MARKER`), so a sampling profiler's stacks say
which run they came from; the parent drops that frame again when it merges them
(rbprofile.profilers.pyspy_merge).
`result.json` keeps the first run's timings at the top level and every run's in `runs`.

Only the standard library is imported before the import-time measurement starts. The child
dies with the rbprofile process that started it (`rbprofile.pdeath`), also when it runs under
py-spy. Exit status: 0 ok, 1 with a one-line `error:` on stderr (strategy tracebacks kept); a
strategy that raises KeyboardInterrupt or calls `sys.exit()` is a failed backtest too.
"""

from __future__ import annotations

import time

T_MAIN = time.time()  # first thing after the interpreter reached our code

import argparse  # noqa: E402
import functools  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402
from types import SimpleNamespace  # noqa: E402
from typing import Any  # noqa: E402

from rbprofile.childprotocol import RESULT, RUN_MARKER  # noqa: E402
from rbprofile.pdeath import die_with_parent  # noqa: E402
from rbprofile.runner.childcall import called, marked, profiled  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m rbprofile.runner.child")
    p.add_argument("--mode", default="plain", help="plain, or a profiler's child mode")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--strategy", type=Path, required=True)
    p.add_argument("--bundle", required=True)
    p.add_argument("--start", default=None)
    p.add_argument("--end", default=None)
    p.add_argument("--numeric", choices=("decimal", "float"), default="decimal")
    p.add_argument("--repeats", type=int, default=1, help="runs of the measured call")
    p.add_argument(
        "--repeat-seconds",
        type=float,
        default=None,
        help="start no further run once this many seconds passed since the first one began "
        "(the resets between runs included; >= 1 run)",
    )
    p.add_argument("--mark-runs", action="store_true", help=f"call run i through {RUN_MARKER}i")
    p.add_argument("--spawned-at", type=float, default=None, help="parent's time.time() at spawn")
    return p.parse_args(argv)


def _import_engine(strategy: Path) -> tuple[Any, dict[str, Any], float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    import rustybt.run

    namespace = rustybt.run.load_algorithm_file(strategy)
    return rustybt.run, namespace, time.perf_counter() - t0, time.process_time() - c0


def _backtest_kwargs(args: argparse.Namespace, namespace: dict[str, Any]) -> dict[str, Any]:
    return {
        "bundle": args.bundle,
        "initialize": namespace["initialize"],
        "handle_data": namespace.get("handle_data"),
        "before_trading_start": namespace.get("before_trading_start"),
        "start": args.start,
        "end": args.end,
        "numeric": args.numeric,
    }


def reset_caches() -> None:
    """Forget what one run left behind for the next: the engine's per-process caches (the
    calendar: rustybt's and exchange_calendars' own), compiled regular expressions, garbage.

    Called before every run, the first too: start-up leaves hundreds of thousands of new
    objects (the imports) that the interpreter's first full collection walks, 40-55 ms on a
    daily backtest of 0.3 s, charged under cProfile to whichever engine function happened to
    allocate then (measured: one pandas `__getitem__` at 15% of the run in two of three
    cProfile children, 0.4% under py-spy, whose later runs follow a collection). That is
    start-up's cost: every measured call starts after a full collection, the same in every
    child and every profiler."""
    import exchange_calendars.calendar_utils as xcals

    from rustybt.data.bundle_format import get_calendar

    get_calendar.cache_clear()
    getattr(xcals.global_calendar_dispatcher, "_factory_output_cache", {}).clear()
    re.purge()  # compiled patterns: a cold run compiles them again
    gc.collect()


def _repeat(args: argparse.Namespace, engine: Any, namespace: dict[str, Any]) -> list[Any]:
    """[(result, wall_s, started, ended, cpu_s)] of each run of the measured call."""
    runs: list[Any] = []
    first = time.perf_counter()
    for i in range(max(args.repeats, 1)):
        # the resets between runs count too: for a backtest of a few milliseconds they take
        # longer than the runs, and the parent's sampling budget is wall time
        elapsed = time.perf_counter() - first
        if i and args.repeat_seconds is not None and elapsed >= args.repeat_seconds:
            break
        reset_caches()  # the first run too: see reset_caches
        kwargs = _backtest_kwargs(args, namespace)
        # a partial, not a lambda: cProfile's first entry is the backtest call itself
        backtest = functools.partial(engine.run_algorithm, **kwargs)
        call = functools.partial(profiled, args.mode, backtest, args.out)
        wrap = marked(i) if args.mark_runs else called
        started = time.time()
        t0, c0 = time.perf_counter(), time.process_time()
        result = wrap(call)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        if i:  # only the first run's result is reported whole: keeping every run's would make
            # each reset's garbage collection walk all of them (it grew with the run count)
            result = SimpleNamespace(timings=dict(result.timings))
        runs.append((result, wall, started, time.time(), cpu))
        del result
    return runs


def _session_span(perf: Any) -> tuple[int, str | None, str | None]:
    height = int(perf.height)
    if not height or "session" not in perf.columns:
        return height, None, None
    col = perf["session"]
    return height, str(col[0])[:10], str(col[-1])[:10]


def main(argv: list[str] | None = None) -> int:
    die_with_parent()
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    startup_s = T_MAIN - args.spawned_at if args.spawned_at is not None else None
    if args.repeats > 1 and args.mode != "plain":
        print("error: --repeats needs --mode plain", file=sys.stderr)
        return 1
    try:
        engine, namespace, import_s, import_cpu_s = _import_engine(args.strategy)
        runs = _repeat(args, engine, namespace)
    except Exception as exc:
        return _fail(exc)
    except (KeyboardInterrupt, SystemExit) as exc:  # raised by the strategy: a stop from
        return _stopped(exc)  # outside is SIGTERM/SIGKILL to this process group
    result, run_wall_s, t_before, _, run_cpu_s = runs[0]
    t_after = runs[-1][3]
    sessions, first, last = _session_span(result.perf)
    out: dict[str, Any] = {
        "mode": args.mode,
        "startup_s": startup_s,
        "import_s": import_s,
        "import_cpu_s": import_cpu_s,
        **{k: float(v) for k, v in result.timings.items()},
        "run_wall_s": run_wall_s,
        "run_cpu_s": run_cpu_s,
        "sessions": sessions,
        "first_session": first,
        "last_session": last,
        "marks": {"main": T_MAIN, "before_run": t_before, "after_run": t_after},
        "runs": [
            {"run_wall_s": wall, "run_cpu_s": cpu, **{k: float(v) for k, v in r.timings.items()}}
            for r, wall, _, _, cpu in runs
        ],
    }
    (args.out / RESULT).write_text(json.dumps(out, indent=2, default=str) + "\n")
    return 0


def _fail(exc: Exception) -> int:
    from rustybt.cli import strategy_frames
    from rustybt.errors import RustyBTError, StrategyError

    if isinstance(exc, StrategyError) and exc.__cause__ is not None:
        print(strategy_frames(exc.__cause__), file=sys.stderr)  # the user's frames only
    elif not isinstance(exc, RustyBTError):
        traceback.print_exception(exc, file=sys.stderr)
    print(f"error: {exc}", file=sys.stderr)
    return 1


def _stopped(exc: KeyboardInterrupt | SystemExit) -> int:
    from rustybt.cli import strategy_frames

    print(strategy_frames(exc), file=sys.stderr)
    if isinstance(exc, SystemExit):
        what = f"called sys.exit({'' if exc.code is None else repr(exc.code)})"
    else:
        what = "raised KeyboardInterrupt"
    print(
        f"error: the strategy {what}, so the backtest did not complete; a strategy must "
        "return from its functions (raise an exception to stop on an error)",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
