"""The profiled child process: `python -m rbprofile.runner.child --mode MODE --out DIR ...`.

Loads the strategy file, imports rustybt, runs `run_algorithm` once and writes `result.json`
into `--out`. `--mode plain` attaches nothing (timing repeats; also what py-spy records from
outside); any other mode is a registered profiler's `child_mode`, whose `in_child` wraps the
backtest call only, not interpreter start-up or imports (cProfile's `runcall`, tracemalloc).

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
import json  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from rbprofile.pdeath import die_with_parent  # noqa: E402

RESULT = "result.json"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m rbprofile.runner.child")
    p.add_argument("--mode", default="plain", help="plain, or a profiler's child mode")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--strategy", type=Path, required=True)
    p.add_argument("--bundle", required=True)
    p.add_argument("--start", default=None)
    p.add_argument("--end", default=None)
    p.add_argument("--numeric", choices=("decimal", "float"), default="decimal")
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


def _run(args: argparse.Namespace, run_algorithm: Any, kwargs: dict[str, Any]) -> Any:
    """Run the backtest once, wrapped by the profiler of `--mode` (if any)."""
    if args.mode == "plain":
        return run_algorithm(**kwargs)
    from rbprofile.profilers import by_child_mode

    profiler = by_child_mode(args.mode)
    if profiler is None:
        raise LookupError(f"unknown child mode {args.mode!r}")
    # a partial, not a lambda: cProfile's first entry is the backtest call itself
    result, _report = profiler.in_child(functools.partial(run_algorithm, **kwargs), args.out)
    return result


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
    try:
        engine, namespace, import_s, import_cpu_s = _import_engine(args.strategy)
        t_before = time.time()
        t0 = time.perf_counter()
        result = _run(args, engine.run_algorithm, _backtest_kwargs(args, namespace))
        run_wall_s = time.perf_counter() - t0
        t_after = time.time()
    except Exception as exc:
        return _fail(exc)
    except (KeyboardInterrupt, SystemExit) as exc:  # raised by the strategy: a stop from
        return _stopped(exc)  # outside is SIGTERM/SIGKILL to this process group
    sessions, first, last = _session_span(result.perf)
    out: dict[str, Any] = {
        "mode": args.mode,
        "startup_s": startup_s,
        "import_s": import_s,
        "import_cpu_s": import_cpu_s,
        **{k: float(v) for k, v in result.timings.items()},
        "run_wall_s": run_wall_s,
        "sessions": sessions,
        "first_session": first,
        "last_session": last,
        "marks": {"main": T_MAIN, "before_run": t_before, "after_run": t_after},
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
