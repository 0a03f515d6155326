"""Differential flamegraph: the AFTER profile's shape, each frame colored by its change.

Input is what `load_pyspy` reads (py-spy raw collapsed stacks or speedscope), as its samples
table. Frames are matched by identity, function and the file's last two path components, never
by line number, so a function that moved in its file or a checkout in another directory still
matches; a native frame without a symbol (`0x7f3a... (libc.so.6)`) is `[native] (libc.so.6)`:
its address moves from run to run (ASLR), its library does not. Unsymbolized native frames
above the first other frame (the thread's start in libc) are dropped: py-spy --native unwinds
them in some samples and not in others, which would split one stack into two roots.
Samples with no frame at all are left out.

Each side's counts are normalized to shares of its own samples (the runs differ in length);
a frame's change is its inclusive share after minus before, in percentage points.
Width = share of the AFTER run (as in Brendan Gregg's difffolded flamegraphs); red = more
time than before (a loss), blue = less (a gain), white = unchanged. Frames only the BEFORE
run had have no width here; the function table lists them as vanished.

    identity_stacks(samples) -> pl.DataFrame     path (identities root first), count
    build_tree(before, after) -> Node            before may be None
    write_diff_flamegraph(before, after, out, title, force=False) -> Path
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import polars as pl

from rbprofile.analysis.samples import Samples
from rbprofile.atomic import write_text
from rbprofile.errors import RbprofileError

NATIVE = "[native]"
_ADDRESS = r"^0x[0-9a-fA-F]+$"

WIDTH = 1200
FRAME_H = 16
PAD_TOP = 50
CHAR_W = 7.0
MIN_PX = 0.3

_FILE_TAIL = (
    pl.col("file")
    .str.replace_all("\\", "/", literal=True)
    .str.split("/")
    .list.tail(2)
    .list.join("/")
)
_NAME = (
    pl.when(pl.col("function").str.contains(_ADDRESS)).then(pl.lit(NATIVE)).otherwise("function")
)
IDENTITY = (
    pl.when(pl.col("file") == "")
    .then(pl.col("function"))
    .otherwise(pl.format("{} ({})", _NAME, _FILE_TAIL))
)


def identity_stacks(samples: Samples) -> pl.DataFrame:
    """path (frame identities, root first), count: one row per distinct path, first-seen order;
    the path is empty when every frame of a stack was a dropped thread-start frame."""
    framed = samples.stacks.filter(pl.col("n_frames") > 0).select("stack", "count")
    started = (~pl.col("path").str.starts_with(NATIVE)).cum_max().over("stack")
    paths = (
        samples.frames.select("stack", IDENTITY.alias("path"))
        .filter(started)
        .group_by("stack")
        .agg("path")
    )
    return (
        framed.join(paths, on="stack", how="left", maintain_order="left")
        .with_columns(pl.col("path").fill_null([]))
        .group_by("path", maintain_order=True)
        .agg(pl.col("count").sum())
    )


def _node_shares(stacks: pl.DataFrame) -> pl.DataFrame:
    """path (a node: identities from the root), share (inclusive, of these stacks' samples);
    parents before children."""
    total = int(stacks["count"].sum()) or 1
    prefixes = (
        stacks.with_columns(pl.int_ranges(1, pl.col("path").list.len() + 1).alias("n"))
        .explode("n")
        .drop_nulls("n")
        .select(pl.col("path").list.head(pl.col("n")), "count")
    )
    return (
        prefixes.group_by("path", maintain_order=True)
        .agg((pl.col("count").sum() / total).alias("share"))
        .sort(pl.col("path").list.len(), maintain_order=True)
    )


@dataclass
class Node:
    name: str
    before: float = 0.0  # inclusive share of the before run, 0..1
    after: float = 0.0
    children: dict[str, Node] = field(default_factory=dict)

    @property
    def change(self) -> float:
        return self.after - self.before


def build_tree(before: Samples | None, after: Samples) -> Node:
    """The merged call tree of both sides; ValueError when the AFTER side has no samples."""
    after_stacks = identity_stacks(after)
    if after_stacks.is_empty():
        raise ValueError("the AFTER side has no py-spy samples")
    before_stacks = None if before is None else identity_stacks(before)
    root = Node("all")
    nodes: dict[tuple[str, ...], Node] = {(): root}
    for side, stacks in (("before", before_stacks), ("after", after_stacks)):
        if stacks is None or stacks.is_empty():
            continue
        setattr(root, side, 1.0)
        for path, share in _node_shares(stacks).iter_rows():
            key = tuple(path)
            node = nodes.get(key)
            if node is None:
                parent = nodes[key[:-1]]
                node = nodes[key] = parent.children.setdefault(key[-1], Node(key[-1]))
            setattr(node, side, share)
    return root


def _color(change: float, scale: float) -> str:
    k = min(abs(change) / scale, 1.0) if scale > 0 else 0.0
    fade = round(255 - 200 * k)
    return f"rgb(255,{fade},{fade})" if change > 0 else f"rgb({fade},{fade},255)"


def _frame_svg(node: Node, x: float, y: float, w: float, scale: float) -> str:
    tip = (
        f"{node.name}: before {node.before:.2%}, after {node.after:.2%}, "
        f"change {node.change * 100:+.2f} pp"
    )
    chars = int((w - 6) / CHAR_W)
    label = node.name if len(node.name) <= chars else node.name[: max(chars - 2, 0)] + ".."
    text = (
        f'<text x="{x + 3:.1f}" y="{y + FRAME_H - 4:.1f}">{escape(label)}</text>'
        if chars >= 3
        else ""
    )
    return (
        f"<g><title>{escape(tip)}</title>"
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{FRAME_H - 1}" '
        f'fill="{_color(node.change, scale)}" rx="2"/>{text}</g>'
    )


def _depth(node: Node) -> int:
    return 1 + max((_depth(c) for c in node.children.values() if c.after > 0), default=0)


def _max_change(node: Node) -> float:
    return max([abs(node.change), *(_max_change(c) for c in node.children.values())])


def render_svg(root: Node, title: str) -> str:
    """The flamegraph as a standalone SVG document (root at the bottom)."""
    height = PAD_TOP + _depth(root) * FRAME_H + 10
    scale = _max_change(root)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="monospace" font-size="12">',
        f'<rect width="{WIDTH}" height="{height}" fill="#f8f8f8"/>',
        f'<text x="{WIDTH / 2}" y="20" text-anchor="middle" font-size="16">{escape(title)}</text>',
        f'<text x="{WIDTH / 2}" y="38" text-anchor="middle">{escape(_legend(scale))}</text>',
    ]
    stack: list[tuple[Node, float, int]] = [(root, 0.0, 0)]
    while stack:
        node, x, depth = stack.pop()
        w = node.after / root.after * WIDTH
        if w < MIN_PX:
            continue
        parts.append(_frame_svg(node, x, height - 10 - (depth + 1) * FRAME_H, w, scale))
        for child in sorted(node.children.values(), key=lambda c: c.name, reverse=True):
            stack.append((child, x + w - child.after / root.after * WIDTH, depth + 1))
            w -= child.after / root.after * WIDTH
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _legend(scale: float) -> str:
    return (
        f"width = share of AFTER run; red = more time than before, blue = less "
        f"(full color = {scale * 100:.2f} pp)"
    )


def write_diff_flamegraph(
    before: Samples, after: Samples, out: Path, title: str, *, force: bool = False
) -> Path:
    """Write the differential SVG of two sides' py-spy samples to `out` atomically.

    Refuses to replace an existing file unless `force` (RbprofileError); ValueError when AFTER
    has no samples.
    """
    if out.exists() and not force:
        raise RbprofileError(f"{out} exists; pass --force to replace it")
    tree = build_tree(before, after)
    out.parent.mkdir(parents=True, exist_ok=True)
    return write_text(out, render_svg(tree, title))
