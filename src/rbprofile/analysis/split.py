"""What the py-spy samples were doing, per function: the facts the split category breakdown
adds up (rbprofile.analysis.categories decides the categories from them).

    ACTIVITY_SCHEMA  key, module, qualname, file, doing, native, samples -- one row per
                     (function, doing, native): `key` is the stack's deepest Python frame
                     (a comprehension frame's enclosing function; the leaf of a stack with no
                     Python frame; "(no frames)" for py-spy's frameless samples); `doing` is
                     "loop" (a line inside a for/while/comprehension of that function, read
                     with `ast`), "python" (any other line, or a source this machine cannot
                     read), "idle" (the stack waits) or "native" (no Python frame); `native`
                     lists the native frames' modules under the Python frame, nearest first,
                     without repeats, joined by ";" ("" when there are none).
    activity(samples) -> pl.DataFrame
        ACTIVITY_SCHEMA rows for every sample; `samples` sums to samples.total.

Loop lines need the sources, so `rbprofile run` records this table (activity.parquet) while
they are at hand; it holds no category, so `--rules` can recompute the breakdown from it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from rbprofile.analysis.loops import enclosing, file_loop_lines, is_comprehension

if TYPE_CHECKING:
    from rbprofile.analysis.samples import Samples

ACTIVITY_SCHEMA = pl.Schema(
    {
        "key": pl.String,
        "module": pl.String,
        "qualname": pl.String,
        "file": pl.String,
        "doing": pl.String,
        "native": pl.String,
        "samples": pl.Int64,
    }
)
LOOP, PYTHON, IDLE, NATIVE = "loop", "python", "idle", "native"
NO_FRAMES = "(no frames)"


def _doing(file: str, function: str, line: int | None) -> str:
    if is_comprehension(function):
        return LOOP
    found = None if line is None or not file else file_loop_lines(file, function, line)
    return LOOP if found is not None and line in found.lines else PYTHON


def activity(samples: Samples) -> pl.DataFrame:
    """Every sample, by the function doing it and what it was doing (see module doc)."""
    frames = samples.frames
    leaf_depth = pl.col("depth").filter(pl.col("python_leaf")).first().over("stack")
    below = (
        frames.filter(pl.col("native") & (pl.col("depth") > leaf_depth.fill_null(-1)))
        .sort("stack", "depth")
        .group_by("stack", maintain_order=True)
        .agg(pl.col("module").unique(maintain_order=True).str.join(";").alias("native"))
    )
    has_python = pl.col("python_leaf").any().over("stack")
    chosen = frames.filter(pl.col("python_leaf") | (pl.col("leaf") & ~has_python))
    per_stack = (
        chosen.select(
            "stack", "count", "idle", "key", "module", "qualname", "file", "function", "line",
            pl.col("python_leaf").alias("python"),
        )
        .join(below, on="stack", how="left")
        .with_columns(pl.col("native").fill_null(""))
    )  # fmt: skip
    lines = per_stack.filter(pl.col("python") & ~pl.col("idle")).unique(
        ["file", "function", "line"]
    )
    doing = {
        (f, fn, ln): _doing(f, fn, ln)
        for f, fn, ln in lines.select("file", "function", "line").iter_rows()
    }
    rows = []
    for stack in per_stack.iter_rows(named=True):
        key, qualname = stack["key"], stack["qualname"]
        if stack["idle"]:
            what = IDLE
        elif not stack["python"]:
            what = NATIVE
        else:
            what = doing[(stack["file"], stack["function"], stack["line"])]
            parent = enclosing(key)
            if parent is not None:
                key, qualname = parent, parent.split(":", 1)[1]
        rows.append((key, stack["module"], qualname, stack["file"], what, stack["native"],
                     stack["count"]))  # fmt: skip
    frameless = samples.stacks.join(frames.select("stack").unique(), on="stack", how="anti")
    if frameless.height:
        count = int(frameless["count"].sum())
        rows.append((NO_FRAMES, "", NO_FRAMES, "", NATIVE, "", count))
    table = pl.DataFrame(rows, schema=ACTIVITY_SCHEMA, orient="row")
    return (
        table.group_by([c for c in ACTIVITY_SCHEMA.names() if c != "samples"], maintain_order=True)
        .agg(pl.col("samples").sum())
        .select(ACTIVITY_SCHEMA.names())
    )
