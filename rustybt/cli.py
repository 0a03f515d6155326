"""``python -m rustybt run ALGO.py --bundle NAME ...``: run a strategy file from the shell.

argparse only (rustybt has no CLI-framework dependency). Results go to ``--output`` as
Parquet (one row per session); the summary goes to stderr. Errors a user can act on print one
line and exit 1; an exception in strategy code also prints the strategy's own frames.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import TextIO

import rustybt
from rustybt.errors import RustyBTError, StrategyError
from rustybt.writable import io_reason, is_io_error, unwritable_reason

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
_PACKAGE_DIR = Path(rustybt.__file__).resolve().parent
_SUMMARY_KEYS = (
    "first_session", "last_session", "sessions", "numeric", "capital_base",
    "final_portfolio_value", "total_return", "volatility", "sharpe", "sortino",
    "max_drawdown", "orders", "transactions", "commissions",
)  # fmt: skip


_MONEY_KEYS = frozenset(("capital_base", "final_portfolio_value", "commissions"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m rustybt", description=rustybt.__doc__)
    parser.add_argument("--version", action="version", version=f"rustybt {rustybt.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="backtest a strategy file on a bundle")
    run.add_argument("algofile", type=Path, help="strategy file defining initialize/handle_data")
    run.add_argument("--bundle", required=True, help="bundle name (see `rbprofile ingest`)")
    run.add_argument("--bundle-root", type=Path, default=None, help="bundles directory")
    run.add_argument("--start", default=None, help="first session, YYYY-MM-DD")
    run.add_argument("--end", default=None, help="last session, YYYY-MM-DD")
    run.add_argument("--capital-base", default="100000", help="starting cash (default 100000)")
    run.add_argument(
        "--numeric", choices=("decimal", "float"), default="decimal", help="money type"
    )
    run.add_argument("--output", type=Path, default=None, help="write results as Parquet")
    run.add_argument("--force", action="store_true", help="overwrite an existing --output")
    return parser


def run_command(args: argparse.Namespace, stderr: TextIO) -> int:
    from rustybt.run import load_algorithm_file, run_algorithm

    if args.output is not None:
        check_output(args.output, args.force)
    namespace = load_algorithm_file(args.algofile)
    result = run_algorithm(
        bundle=args.bundle,
        namespace=namespace,
        start=args.start,
        end=args.end,
        capital_base=args.capital_base,
        numeric=args.numeric,
        bundle_root=args.bundle_root,
    )
    if args.output is not None:
        _write_atomic(result.perf, args.output)
    print(format_summary(result.summary, result.timings), file=stderr)
    if args.output is not None:
        print(f"wrote {result.perf.height} sessions to {args.output}", file=stderr)
    return EXIT_OK


def check_output(path: Path, force: bool) -> None:
    """Refuse an `--output` that cannot be written before the backtest runs, not after."""
    if os.path.isdir(path):  # noqa: PTH112 (Path.is_dir raises on a directory we may not search)
        raise RustyBTError(
            f"--output {path} is a directory; name a file in it, e.g. {path / 'results.parquet'}"
        )
    if os.path.lexists(path) and not force:
        raise RustyBTError(f"{path} exists; pass --force to overwrite it")
    reason = unwritable_reason(path.parent)
    if reason is not None:
        raise RustyBTError(f"cannot write --output {path}: {reason}; choose another path")


def _write_atomic(frame: object, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(tmp)  # type: ignore[attr-defined]
        tmp.replace(path)
    except Exception as exc:
        if not is_io_error(exc):
            raise
        raise RustyBTError(
            f"cannot write --output {path}: {io_reason(exc)}; free space or choose another "
            "path, then rerun the backtest"
        ) from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def format_summary(summary: dict[str, object], timings: dict[str, float]) -> str:
    width = max(len(k) for k in _SUMMARY_KEYS)
    lines = [f"{key:<{width}}  {_fmt(key, summary.get(key))}" for key in _SUMMARY_KEYS]
    lines.append(f"{'simulate_wall_s':<{width}}  {timings['simulate_wall_s']:.3f}")
    return "\n".join(lines)


def _fmt(key: str, value: object) -> str:
    if key in _MONEY_KEYS and isinstance(value, float | Decimal):
        return f"{value:.2f}"
    if isinstance(value, float):
        return f"{value:.6g}"
    return "-" if value is None else str(value)


def strategy_frames(exc: BaseException) -> str:
    """The traceback of the exception inside user code, without rustybt's or importlib's frames.

    A SyntaxError in the strategy file has no user frame (only the importer's): what follows
    the header is Python's own file, line and caret. The header is always there: rbprofile's
    runner finds the block in a child's stderr by it.
    """
    frames = [
        f for f in traceback.extract_tb(exc.__traceback__) if not _is_engine_frame(f.filename)
    ]
    lines = traceback.format_list(frames)
    lines += traceback.format_exception_only(type(exc), exc)
    return "Traceback (strategy code):\n" + "".join(lines).rstrip("\n")


def _is_engine_frame(filename: str) -> bool:
    if filename.startswith("<frozen "):  # importlib running the strategy file
        return True
    path = Path(filename).resolve()
    return path.is_relative_to(_PACKAGE_DIR) and not path.is_relative_to(_PACKAGE_DIR / "examples")


def main(argv: Sequence[str] | None = None, stderr: TextIO | None = None) -> int:
    err = stderr or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        return run_command(args, err)
    except StrategyError as exc:
        print(f"error: {exc}", file=err)
        if exc.__cause__ is not None:
            print(strategy_frames(exc.__cause__), file=err)
        return EXIT_ERROR
    except RustyBTError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=err)
        return 130
