"""Merge py-spy raw (collapsed) recordings of repeated runs into one, keeping per-run counts.

A sampling child runs the measured call several times, each run through a frame named
`rbprofile_run_<i>` (rbprofile.childprotocol.RUN_MARKER). Here that frame is dropped again, so
the merged stacks read like those of a single run, and each run's samples are counted:

    split_runs(text) -> Split
        .stacks   {stack without the marker frame: samples}, in first-seen order
        .runs     {run index: samples under that run's marker} (the measured call)
        .total    every sample of the recording (start-up and imports included)
    merge(splits) -> {stack: samples}           identical stacks summed, first-seen order
    collapsed_text(stacks) -> str               `frame;frame;... count` lines, py-spy's format

A line whose last field is not a sample count is not py-spy raw output: RbprofileError.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rbprofile.childprotocol import RUN_MARKER
from rbprofile.errors import RbprofileError

_MARKER = re.compile(rf"^{RUN_MARKER}(\d+) \(")


@dataclass
class Split:
    stacks: dict[str, int] = field(default_factory=dict)
    runs: dict[int, int] = field(default_factory=dict)
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
        kept = []
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
    return out


def merge(splits: Iterable[Split]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for split in splits:
        for stack, count in split.stacks.items():
            merged[stack] = merged.get(stack, 0) + count
    return merged


def collapsed_text(stacks: dict[str, int]) -> str:
    return "".join(f"{stack} {count}\n" for stack, count in stacks.items())
