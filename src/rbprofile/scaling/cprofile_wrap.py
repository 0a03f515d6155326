"""Run a Python program under cProfile with a CPU-time clock: the `-- COMMAND` form of `scale`.

    python .../cprofile_wrap.py OUT.pstats script.py ARGS...
    python .../cprofile_wrap.py OUT.pstats -m module ARGS...

Like `python -m cProfile -o OUT`, but timed with `time.process_time`: on a shared machine
a long call is preempted by other processes while a short one mostly is not, so a wall clock
bends the growth of long calls upward (see tests/rbprofile/scale/test_planted_growth.py).
The program sees `sys.argv` = [script, ARGS...] and runs as `__main__`; its exit status is
kept, and the profile is written even when it exits non-zero.

Standard library only, and run by file path, so it works under whichever interpreter the
user's command names (rbprofile need not be installed there).
"""

from __future__ import annotations

import cProfile
import runpy
import sys
import time
from pathlib import Path


def _target(args: list[str]) -> tuple[str, str, list[str]]:
    """(kind, name, argv) for `script.py ARGS` or `-m module ARGS`."""
    if args and args[0] == "-m" and len(args) > 1:
        return "module", args[1], [args[1], *args[2:]]
    if args and not args[0].startswith("-"):
        return "path", args[0], args
    raise SystemExit("usage: cprofile_wrap.py OUT.pstats (script.py | -m module) [args...]")


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        raise SystemExit("usage: cprofile_wrap.py OUT.pstats (script.py | -m module) [args...]")
    out = Path(argv[0])
    kind, name, program_argv = _target(argv[1:])
    sys.argv = program_argv
    # what `python script.py` / `python -m module` put first on sys.path (this wrapper's own
    # directory must not be there)
    sys.path[0] = str(Path(name).resolve().parent) if kind == "path" else str(Path.cwd())
    profiler = cProfile.Profile(time.process_time)
    code = 0
    try:
        if kind == "module":
            profiler.runcall(runpy.run_module, name, run_name="__main__", alter_sys=True)
        else:
            profiler.runcall(runpy.run_path, name, run_name="__main__")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, (int, type(None))):
            print(exc.code, file=sys.stderr)
    finally:
        profiler.dump_stats(str(out))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
