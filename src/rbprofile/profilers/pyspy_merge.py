"""Merge py-spy raw (collapsed) recordings of repeated runs into one, keeping per-run counts.

A sampling child runs the measured call several times, each run through a frame named
`rbprofile_run_<i>` (rbprofile.childprotocol.RUN_MARKER). Here that frame is dropped again, so
the merged stacks read like those of a single run, and each run's samples are counted:

    split_runs(text) -> Split
        .stacks   {stack without the marker frame: samples}, in first-seen order
        .runs     {run index: samples under that run's marker} (the measured call)
        .per_run  {run index: {stack: samples}} (the marker dropped, as in .stacks)
        .total    every sample of the recording (start-up and imports included)
    merge(splits) -> {stack: samples}           identical stacks summed, first-seen order
    collapsed_text(stacks) -> str               `frame;frame;... count` lines, py-spy's format
    run_table(splits, repeats, stacks) -> pl.DataFrame
        child, run (numbered across the children), line (0-based, of `collapsed_text(stacks)`),
        samples -- per run and stack: what the design effect of the intervals is measured on
        (rbprofile.analysis.intervals.run_leaf_counts)

A line whose last field is not a sample count is not py-spy raw output: RbprofileError.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

from rbprofile.childprotocol import RUN_MARKER
from rbprofile.errors import RbprofileError

_MARKER = re.compile(rf"^{RUN_MARKER}(\d+) \(")


@dataclass
class Split:
    stacks: dict[str, int] = field(default_factory=dict)
    runs: dict[int, int] = field(default_factory=dict)
    per_run: dict[int, dict[str, int]] = field(default_factory=dict)
    total: int = 0

    @property
    def measured(self) -> int:
        """Samples under the measured call (any run)."""
        return sum(self.runs.values())


def split_runs(text: str) -> Split:
    out = Split()
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        body, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            raise RbprofileError(f"not a py-spy raw line (no sample count): {line[:80]!r}")
        count = int(count_text)
        frames = body.split(";") if body else []
        kept, run = [], -1
        for frame in frames:
            found = _MARKER.match(frame)
            if found:
                run = int(found[1])
                out.runs[run] = out.runs.get(run, 0) + count
            else:
                kept.append(frame)
        stack = ";".join(kept)
        out.stacks[stack] = out.stacks.get(stack, 0) + count
        out.total += count
        if len(kept) < len(frames):
            counts = out.per_run.setdefault(run, {})
            counts[stack] = counts.get(stack, 0) + count
    return out


def merge(splits: Iterable[Split]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for split in splits:
        for stack, count in split.stacks.items():
            merged[stack] = merged.get(stack, 0) + count
    return merged


def collapsed_text(stacks: dict[str, int]) -> str:
    return "".join(f"{stack} {count}\n" for stack, count in stacks.items())


RUNS_COLUMNS = ("child", "run", "line", "samples")


def run_table(splits: list[Split], repeats: list[int], stacks: dict[str, int]) -> pl.DataFrame:
    """Per run and stack: its samples; `repeats[i]`: the runs child i completed (runs are
    numbered across the children in order)."""
    import polars as pl  # not at import time: the profiler registry stays cheap to load

    line = {stack: i for i, stack in enumerate(stacks)}
    rows, offset = [], 0
    for child, (split, done) in enumerate(zip(splits, repeats, strict=True)):
        for run, counts in sorted(split.per_run.items()):
            rows += [(child, offset + run, line[s], n) for s, n in counts.items()]
        offset += done
    return pl.DataFrame(rows, schema=dict.fromkeys(RUNS_COLUMNS, pl.Int64), orient="row")
