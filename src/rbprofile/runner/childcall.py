"""Calling the measured call inside a child (standard library only, imported before measuring).

    profiled(mode, call, out)   `call()` wrapped by the in-child part of the profiler whose
                                `child_mode` is `mode` (cProfile's runcall, tracemalloc, ...);
                                `plain`: just the call
    marked(index)               a function calling its argument through a frame named
                                `rbprofile_run_<index>` (RUN_MARKER), which py-spy's stacks show
    called(call)                the same without the marker frame

Both children use them: the rustybt one (`runner.child`) and the one for any command
(`runner.cmdchild`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import FunctionType
from typing import Any

from rbprofile.childprotocol import RUN_MARKER

PLAIN = "plain"


def profiled(mode: str, call: Callable[[], Any], out: Path) -> Any:
    if mode == PLAIN:
        return call()
    from rbprofile.profilers import by_child_mode

    profiler = by_child_mode(mode)
    if profiler is None:
        raise LookupError(f"unknown child mode {mode!r}")
    result, _report = profiler.in_child(call, out)
    return result


def called(call: Callable[[], Any]) -> Any:
    return call()


def marked(index: int) -> Callable[[Callable[[], Any]], Any]:
    """`called` under the name `rbprofile_run_<index>` (what py-spy shows for its frame)."""
    name = f"{RUN_MARKER}{index}"
    code = called.__code__.replace(co_name=name, co_qualname=name)
    return FunctionType(code, called.__globals__, name)
