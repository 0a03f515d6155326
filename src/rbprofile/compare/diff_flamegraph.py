"""Differential flamegraph: the AFTER profile's shape, each frame colored by its change.

Input is py-spy's raw collapsed format (`frame;frame;... count`, frames `func (file:line)`).
Frames are matched by function and the file's last two path components, never by line number,
so a function that moved in its file or a checkout in another directory still matches.
Each side's counts are normalized to shares of its own samples (the runs differ in length);
a frame's change is its inclusive share after minus before, in percentage points.
Width = share of the AFTER run (as in Brendan Gregg's difffolded flamegraphs); red = more
time than before (a loss), blue = less (a gain), white = unchanged. Frames only the BEFORE
run had have no width here; the function table lists them as vanished.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>.*?)(?::\d+)?\)$")
_LINE = re.compile(r"^(?P<stack>.*) (?P<count>\d+)$")
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]+$")
NATIVE = "[native]"

WIDTH = 1200
FRAME_H = 16
PAD_TOP = 50
CHAR_W = 7.0
MIN_PX = 0.3


def frame_identity(frame: str) -> str:
    """`func (a/b/c/file.py:12)` -> `func (c/file.py)`; other frames unchanged.

    A native frame without a symbol (`0x7f3a... (libc.so.6)`) becomes `[native] (libc.so.6)`:
    its address moves from run to run (ASLR), its library does not.
    """
    match = _FRAME.match(frame.strip())
    if match is None:
        return frame.strip()
    parts = match["file"].replace("\\", "/").split("/")
    func = NATIVE if _ADDRESS.match(match["func"]) else match["func"]
    return f"{func} ({'/'.join(parts[-2:])})"


def parse_collapsed(text: str) -> Counter[tuple[str, ...]]:
    """Stacks (root first, identities as in `frame_identity`) -> sample counts.

    Unsymbolized native frames above the first Python frame (the thread's start in libc) are
    dropped: py-spy --native unwinds them in some samples and not in others, which would
    split one Python stack into two roots.
    """
    stacks: Counter[tuple[str, ...]] = Counter()
    for raw in text.splitlines():
        match = _LINE.match(raw.strip())
        if match is None or not match["stack"]:
            continue
        frames = [frame_identity(f) for f in match["stack"].split(";")]
        start = next((i for i, f in enumerate(frames) if not f.startswith(NATIVE)), len(frames))
        stacks[tuple(frames[start:])] += int(match["count"])
    return stacks


@dataclass
class Node:
    name: str
    before: float = 0.0  # inclusive share of the before run, 0..1
    after: float = 0.0
    children: dict[str, Node] = field(default_factory=dict)

    @property
    def change(self) -> float:
        return self.after - self.before


def _add(root: Node, stacks: Counter[tuple[str, ...]], side: str) -> None:
    total = sum(stacks.values())
    for stack, count in stacks.items():
        share = count / total
        node = root
        setattr(node, side, getattr(node, side) + share)
        for name in stack:
            node = node.children.setdefault(name, Node(name))
            setattr(node, side, getattr(node, side) + share)


def build_tree(before: Counter[tuple[str, ...]], after: Counter[tuple[str, ...]]) -> Node:
    """The merged call tree of both sides; ValueError when the AFTER side has no samples."""
    if not after:
        raise ValueError("the AFTER side has no py-spy samples")
    root = Node("all")
    if before:
        _add(root, before, "before")
    _add(root, after, "after")
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
    before: Path, after: Path, out: Path, title: str, *, force: bool = False
) -> Path:
    """Read two collapsed files, write the differential SVG to `out` atomically.

    Refuses to replace an existing file unless `force`; ValueError when AFTER has no samples.
    """
    if out.exists() and not force:
        raise FileExistsError(f"{out} exists")
    tree = build_tree(
        parse_collapsed(before.read_text(encoding="utf-8")),
        parse_collapsed(after.read_text(encoding="utf-8")),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(render_svg(tree, title), encoding="utf-8")
    tmp.replace(out)
    return out
