"""Measured evidence for categories: the shared row shape and py-spy "own sample" counting.

    EVIDENCE_SCHEMA   key, category, kind, share, detail -- one row per (function, kind);
                      `share` is the fraction of the function's self time the evidence
                      supports; a category is decided by evidence when share > 0.5.
    own_samples(samples) -> list[OwnSample]
        every non-idle py-spy stack charged to its deepest Python frame (the frame cProfile
        would charge operator and C-slot time to), with the native frames below it.

The producers are rbprofile.analysis.loops (hot lines inside for/while bodies) and
rbprofile.analysis.decimal_cost (decimal-vs-float self time, `_decimal`/libmpdec native frames,
cProfile `decimal.Decimal` entries).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import polars as pl

if TYPE_CHECKING:
    from rbprofile.analysis.pyspy_source import Frame, Samples

EVIDENCE_SCHEMA = pl.Schema(
    {
        "key": pl.String,
        "category": pl.String,
        "kind": pl.String,
        "share": pl.Float64,
        "detail": pl.String,
    }
)
DECIDING_SHARE = 0.5  # evidence decides a category when it covers more than half the self time

# evidence kinds (the `kind` column), as shown by `categorize --explain`
LOOP_LINES = "py-spy line samples in for/while bodies"
DECIMAL_VS_FLOAT = "self time decimal minus float run"
DECIMAL_NATIVE = "py-spy native _decimal/libmpdec frames"
DECIMAL_METHOD = "decimal module entry (decimal.Decimal method)"


class OwnSample(NamedTuple):
    """`samples` samples whose deepest Python frame is `frame`, with `native` frames below it."""

    frame: Frame
    native: tuple[Frame, ...]
    samples: int


def own_samples(samples: Samples) -> list[OwnSample]:
    """Non-idle stacks charged to their deepest Python frame; all-native stacks are skipped."""
    out: list[OwnSample] = []
    for stack in samples.stacks:
        if stack.idle:
            continue
        frames = stack.frames
        for i in range(len(frames) - 1, -1, -1):
            if not frames[i].native:
                out.append(OwnSample(frames[i], frames[i + 1 :], stack.count))
                break
    return out


def evidence_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=EVIDENCE_SCHEMA, orient="row")
