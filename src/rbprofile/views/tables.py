"""Small shared helpers for building view tables: number formats by column name, and
"top N plus the rest" cuts that keep shares summing to 1."""

from __future__ import annotations

import polars as pl

from rbprofile.render import Table

PCT = "{:.1%}"
SECONDS = "{:.4f}"


def formats(frame: pl.DataFrame) -> dict[str, str]:
    """Format specs chosen by column name: *share -> percent, *_s -> seconds, ratios -> 3 sig."""
    out = {}
    for c in frame.columns:
        if c.endswith(("share", "share_lo", "share_hi")):
            out[c] = PCT
        elif c.endswith("spread"):  # range over repeats / median
            out[c] = "{:.0%}"
        elif "per_call" in c or c == "ratio":
            out[c] = "{:.3g}"
        elif c.endswith("_s"):
            out[c] = SECONDS
    return out


def table(name: str, title: str, frame: pl.DataFrame, *notes: str) -> Table:
    return Table(name, title, frame, notes=tuple(notes), formats=formats(frame))


def top_with_rest(frame: pl.DataFrame, label: str, top: int, other: str) -> pl.DataFrame:
    """The first `top` rows plus one row summing the numeric columns of the rest."""
    if frame.height <= top:
        return frame
    rest = frame.slice(top)
    sums: dict[str, object] = {
        c: (rest[c].sum() if dt.is_numeric() else None)
        for c, dt in zip(frame.columns, frame.dtypes, strict=True)
    }
    sums[label] = f"(other {rest.height} {other})"
    return pl.concat([frame.head(top), pl.DataFrame([sums], schema=frame.schema)])
