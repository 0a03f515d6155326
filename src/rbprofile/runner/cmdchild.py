"""The profiled child for any Python command: `python -m rbprofile.runner.cmdchild --mode MODE
--out DIR (--script PATH | --module NAME) --program-args JSON [--root MODULE:FUNCTION] ...`.

Runs the program in this process (`runpy.run_path` / `runpy.run_module` as `__main__`, with
`sys.argv` and `sys.path[0]` as `python PATH ARGS` / `python -m NAME ARGS` would set them, but
for `sys.argv[0]`: the script's absolute path, the same as its `__file__`) and
writes `result.json` into `--out` with the keys the runner reads (rbprofile.runner.child).

The measured call, wrapped by the profiler of `--mode` (its `in_child`) and, with
`--mark-runs`, called through the `rbprofile_run_0` marker frame py-spy's stacks are split by:
- without `--root`: the whole program (`run_program`), imports included;
- with `--root MODULE:FUNCTION`: the first (outermost) call of that function; the program's
  imports and set-up before it, and anything after it, are outside. A function of an importable
  module is wrapped right after the program imports that module (a meta path finder; a module
  this child imported already, from the standard library, is wrapped at once); a function of
  the program's own module (`--root prog:main` for `prog.py`, or the
  module run with `-m`) is wrapped as soon as its `def` has run (the module-level code is
  traced until then, so only the import time before it is slowed). A root that is never called
  fails the run, naming it.

A program cannot be repeated in-process safely: `--repeats` above 1 is refused (py-spy samples
more children instead). The program's own output goes where the child's goes (the child log).
Exit status: 0 ok; 1 with a one-line `error:` on stderr when the program raised, exited with a
non-zero status, or never called the root.
"""

from __future__ import annotations

import time

T_MAIN = time.time()  # first thing after the interpreter reached our code

import argparse  # noqa: E402
import functools  # noqa: E402
import gc  # noqa: E402
import importlib.abc  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import runpy  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from importlib.machinery import ModuleSpec  # noqa: E402
from pathlib import Path  # noqa: E402
from types import FrameType, ModuleType  # noqa: E402
from typing import Any  # noqa: E402

from rbprofile.childprotocol import RESULT  # noqa: E402
from rbprofile.pdeath import die_with_parent  # noqa: E402
from rbprofile.runner.childcall import called, marked, profiled  # noqa: E402


class ProgramFailed(Exception):
    """The program (or its root call) did not complete; the message is the `error:` line."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m rbprofile.runner.cmdchild")
    p.add_argument("--mode", default="plain", help="plain, or a profiler's child mode")
    p.add_argument("--out", type=Path, required=True)
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--script", help="the program's script, as given")
    target.add_argument("--module", help="the module the program runs (`python -m`)")
    p.add_argument("--program-args", default="[]", help="the program's arguments, a JSON list")
    p.add_argument("--root", default=None, help="MODULE:FUNCTION, the measured call")
    p.add_argument("--repeats", type=int, default=1, help="runs of the measured call (only 1)")
    p.add_argument("--repeat-seconds", type=float, default=None, help="accepted, one run only")
    p.add_argument("--mark-runs", action="store_true", help="call the run through its marker")
    p.add_argument("--spawned-at", type=float, default=None, help="parent's time.time() at spawn")
    return p.parse_args(argv)


@dataclass
class Measurement:
    """The measured call: how it went, when, and how long (wall and CPU)."""

    mode: str
    out: Path
    mark: bool
    calls: int = 0  # calls of the root (the measured one and any later ones)
    active: bool = False
    wall_s: float | None = None
    cpu_s: float | None = None
    started: float | None = None
    ended: float | None = None
    raised: list[BaseException] = field(default_factory=list)
    problem: str | None = None  # the root cannot be wrapped: why

    def measure(self, call: Callable[[], Any]) -> Any:
        wrap = marked(0) if self.mark else called
        gc.collect()  # the program's start-up garbage is collected outside the measured call
        self.active = True
        self.started = time.time()
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            return wrap(functools.partial(profiled, self.mode, call, self.out))
        except BaseException as exc:
            self.raised.append(exc)
            raise
        finally:
            self.wall_s = time.perf_counter() - t0
            self.cpu_s = time.process_time() - c0
            self.ended = time.time()
            self.active = False

    def wrapper(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """`fn` whose first outermost call is measured; other calls run as they are."""

        @functools.wraps(fn)
        def root(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.active or self.calls > 1:
                return fn(*args, **kwargs)
            return self.measure(functools.partial(fn, *args, **kwargs))

        root.__rbprofile_root__ = True  # type: ignore[attr-defined]
        return root


def run_program(args: argparse.Namespace) -> int:
    """Run the program as `__main__`; its exit status (a `sys.exit` is a normal end)."""
    try:
        if args.module:
            runpy.run_module(args.module, run_name="__main__", alter_sys=True)
        else:
            runpy.run_path(str(Path(args.script).resolve()), run_name="__main__")
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)  # what the interpreter does with `sys.exit("msg")`
        return 1
    return 0


def _program_file(args: argparse.Namespace) -> str | None:
    if args.script:
        return str(Path(args.script).resolve())
    spec = importlib.util.find_spec(args.module)
    return spec.origin if spec is not None else None


def _own_module(args: argparse.Namespace, module: str) -> bool:
    """Whether `--root`'s module is the program's own (`__main__`) module."""
    own = args.module if args.module else Path(args.script).stem
    return module in ("__main__", own)


def wrap_root(args: argparse.Namespace, measurement: Measurement) -> Callable[[], None]:
    """Arrange for `--root`'s function to be measured; returns the undo (a finder or a tracer
    to remove)."""
    module_name, _, name = args.root.partition(":")
    if _own_module(args, module_name):
        return _trace_definition(_program_file(args), name, measurement)
    if module_name in sys.modules:  # imported already (by this child: the standard library)
        _wrap_in(sys.modules[module_name], name, measurement)
        return lambda: None
    finder = _WrapOnImport(module_name, name, measurement)
    sys.meta_path.insert(0, finder)
    return lambda: sys.meta_path.remove(finder) if finder in sys.meta_path else None


def _wrap_in(module: ModuleType, name: str, measurement: Measurement) -> None:
    function = getattr(module, name, None)
    if callable(function):
        setattr(module, name, measurement.wrapper(function))
    else:
        measurement.problem = (
            f"--root {module.__name__}:{name}: {module.__name__} has no function {name!r}"
        )


class _WrapOnImport(importlib.abc.MetaPathFinder):
    """Wraps the root function right after the program imports its module: the other finders
    find the module, its loader's `exec_module` is followed by the wrapping."""

    def __init__(self, module: str, name: str, measurement: Measurement) -> None:
        self.module, self.name, self.measurement = module, name, measurement

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != self.module:
            return None
        sys.meta_path.remove(self)  # once: the module is found by the others from now on
        spec = importlib.util.find_spec(fullname)
        loader = spec.loader if spec is not None else None
        if spec is None or loader is None or not hasattr(loader, "exec_module"):
            return spec
        execute = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            execute(module)
            _wrap_in(module, self.name, self.measurement)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _trace_definition(
    filename: str | None, name: str, measurement: Measurement
) -> Callable[[], None]:
    """Wrap `name` in the program's module globals once its `def` ran: trace the module-level
    frame line by line until then (every other frame is left untraced)."""

    def local(frame: FrameType, event: str, _arg: Any) -> Any:
        value = frame.f_globals.get(name)
        if callable(value) and not getattr(value, "__rbprofile_root__", False):
            frame.f_globals[name] = measurement.wrapper(value)
            sys.settrace(None)
            return None
        return local

    def global_(frame: FrameType, event: str, _arg: Any) -> Any:
        code = frame.f_code
        if event == "call" and code.co_name == "<module>" and code.co_filename == filename:
            return local
        return None

    sys.settrace(global_)
    return lambda: sys.settrace(None)


def main(argv: list[str] | None = None) -> int:
    die_with_parent()
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    startup_s = T_MAIN - args.spawned_at if args.spawned_at is not None else None
    if args.repeats > 1:
        print(
            "error: a command runs once per child (--repeats 1): it cannot be repeated "
            "in-process safely",
            file=sys.stderr,
        )
        return 1
    sys.argv = [args.script or args.module, *json.loads(args.program_args)]
    # what `python PATH` / `python -m NAME` put first on sys.path (not this child's directory)
    sys.path[0] = str(Path(args.script).resolve().parent) if args.script else str(Path.cwd())
    measurement = Measurement(args.mode, args.out, args.mark_runs)
    program_start = time.time()
    try:
        if args.root:
            undo = wrap_root(args, measurement)
            try:
                status = run_program(args)
            finally:
                undo()
        else:
            status = measurement.measure(functools.partial(run_program, args))
        _check(args, measurement, status)
    except ProgramFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BaseException as exc:  # the program's own error: its traceback, then one line
        print(program_traceback(exc), file=sys.stderr)
        print(f"error: the program raised {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    _write_result(args, measurement, startup_s, program_start)
    return 0


def program_traceback(exc: BaseException) -> str:
    """The traceback of the program's frames only (not this child's or runpy's), under
    `Traceback (program code):`, the header the parent shows (`Finished.strategy_traceback`)."""
    own = (str(Path(__file__).resolve().parent.parent), runpy.__file__, "<frozen runpy>")
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith(own)]
    lines = ["Traceback (program code):\n", *traceback.format_list(frames)]
    return "".join([*lines, *traceback.format_exception_only(exc)]).rstrip()


def _check(args: argparse.Namespace, measurement: Measurement, status: int) -> None:
    if measurement.problem is not None:
        raise ProgramFailed(measurement.problem)
    if status != 0:
        raise ProgramFailed(f"the command exited with status {status}")
    if args.root and not measurement.calls:
        raise ProgramFailed(
            f"--root {args.root} was never called: the program finished without calling it "
            "(name a function the program calls, e.g. its main)"
        )
    if measurement.raised and isinstance(measurement.raised[0], SystemExit):
        raise ProgramFailed(
            f"--root {args.root} ended the program (sys.exit) inside the measured call, so the "
            "profiles of that call are incomplete; name a function that returns (e.g. the one "
            "it calls to do the work)"
        )
    if measurement.raised:
        exc = measurement.raised[0]
        raise ProgramFailed(
            f"--root {args.root} raised {type(exc).__name__}: {exc} and the program caught it, "
            "so the measured call did not complete"
        )


def _write_result(
    args: argparse.Namespace, m: Measurement, startup_s: float | None, program_start: float
) -> None:
    started = m.started if m.started is not None else program_start
    out: dict[str, Any] = {
        "mode": args.mode,
        "startup_s": startup_s,
        # with --root: the program's imports and set-up before the measured call
        "import_s": started - program_start if args.root else None,
        "run_wall_s": m.wall_s,
        "run_cpu_s": m.cpu_s,
        "root_calls": m.calls if args.root else None,
        "marks": {"main": T_MAIN, "before_run": started, "after_run": m.ended},
        "runs": [{"run_wall_s": m.wall_s, "run_cpu_s": m.cpu_s}],
    }
    (args.out / RESULT).write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
