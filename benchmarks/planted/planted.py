"""The smoke SMA crossover plus a planted, measured amount of extra CPU work per bar.

`RBPROFILE_PLANTED_EXTRA_S` (seconds of CPU per `handle_data` call, default 0) sets the extra
work; `benchmarks/bench_compare.py` calibrates it to 25% of the baseline's simulate CPU time.
With 0 it is the plain strategy, so both sides of the comparison run this same file.
"""

import os
import time
from typing import Any

from rustybt.examples.sma_crossover import handle_data as _sma_handle_data
from rustybt.examples.sma_crossover import initialize

__all__ = ["handle_data", "initialize"]

EXTRA_S = float(os.environ.get("RBPROFILE_PLANTED_EXTRA_S", "0"))


def _busy(seconds: float) -> int:
    """Arithmetic until `seconds` of this process's CPU time have passed."""
    end = time.process_time() + seconds
    spins = 0
    while time.process_time() < end:
        spins += sum(range(50))
    return spins


def handle_data(context: Any, data: Any) -> None:
    _sma_handle_data(context, data)
    if EXTRA_S > 0:
        _busy(EXTRA_S)
