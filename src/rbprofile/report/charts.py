"""SVG charts drawn by the report, beside it (never into the measured run data): memory
timeline, module breakdown bars, scaling log-log lines.

Drawn with matplotlib's Agg backend and written deterministically (fixed `svg.hashsalt`, no
date or tool version in the metadata), so the same measured files give byte-identical SVGs.
Each write goes to a temporary file renamed into place; an existing chart with the same
content is left untouched.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rbprofile.atomic import write_bytes

if TYPE_CHECKING:
    from rbprofile.rundir.memory import Memory

MEMORY_CHART = "memory_timeline.svg"
MODULES_CHART = "modules.svg"
SCALING_CHART = "scaling.svg"

_RC: Any = {  # matplotlib rcParams (typed Any: its stubs want Literal keys)
    "svg.hashsalt": "rbprofile",
    "svg.fonttype": "none",
    "path.simplify": False,
    "font.size": 9,
}
_METADATA = {"Date": None, "Creator": None, "Contributor": None}


def _figure() -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 3.2), layout="constrained")
    return fig, fig.add_subplot()


def _svg_bytes(fig: Any) -> bytes:
    buffer = io.BytesIO()
    with _rc():
        fig.savefig(buffer, format="svg", metadata=_METADATA)
    return buffer.getvalue()


def memory_timeline(memory: Memory, title: str, path: Path) -> Path:
    """Resident memory over time from memory.json's samples, with baseline and peak marked."""
    samples = memory.samples
    fig, ax = _figure()
    with _rc():
        ax.plot([s[0] for s in samples], [s[1] for s in samples], color="#1f77b4", lw=1.2)
        marks = (("baseline", ":", memory.baseline_mib), ("peak", "--", memory.peak_mib))
        for text, style, value in marks:
            if value is not None:
                ax.axhline(value, color="#7f7f7f", ls=style, lw=0.8)
                ax.annotate(f"{text} {value:.1f} MiB", (0, value), fontsize=8)
        ax.set_xlabel("time since start (s)")
        ax.set_ylabel("resident memory (MiB)")
        ax.set_title(title)
    return _save(path, fig)


def module_bars(modules: list[tuple[str, float]], title: str, path: Path) -> Path:
    """Horizontal bars of each module's share of self time (percent), largest on top."""
    names = [name for name, _ in modules][::-1]
    shares = [share for _, share in modules][::-1]
    fig, ax = _figure()
    fig.set_figheight(max(2.0, 0.28 * len(names) + 1.0))
    with _rc():
        ax.barh(names, shares, color="#ff7f0e")
        for y, share in enumerate(shares):
            ax.annotate(
                f"{share:.1f}%",
                (share, y),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
        ax.set_xlabel("share of self time (%)")
        ax.set_title(title)
    return _save(path, fig)


@dataclass(frozen=True)
class GrowthLine:
    """One function in a log-log panel: measured (size, seconds) and its fitted exponent."""

    label: str
    points: list[tuple[float, float]]
    exponent: float | None


def scaling_loglog(panels: dict[str, list[GrowthLine]], title: str, path: Path) -> Path:
    """One log-log panel per size variable: measured medians as markers, the fitted power law
    (slope = exponent, through the points' geometric mean) as a line."""
    import math

    fig, _ = _figure()
    fig.clear()
    fig.set_figwidth(4.2 * len(panels))
    fig.set_figheight(5.4)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    with _rc():
        for ax, (variable, lines) in zip(axes, panels.items(), strict=True):
            for i, line in enumerate(lines):
                color = f"C{i % 10}"
                xs = [x for x, _ in line.points]
                ys = [y for _, y in line.points]
                ax.plot(xs, ys, "o", color=color, ms=3.5, label=line.label)
                if line.exponent is not None and len(xs) > 1:
                    gx = math.exp(sum(map(math.log, xs)) / len(xs))
                    gy = math.exp(sum(map(math.log, ys)) / len(ys))
                    ends = [min(xs), max(xs)]
                    fitted = [gy * (x / gx) ** line.exponent for x in ends]
                    ax.plot(ends, fitted, "-", color=color, lw=1.0)
            ax.set_xscale("log")
            ax.set_yscale("log")
            sizes = sorted({x for line in lines for x, _ in line.points})
            ax.set_xticks(sizes, [f"{x:g}" for x in sizes], minor=False)
            ax.set_xticks([], minor=True)
            ax.set_xlabel(variable)
            ax.set_ylabel("self time (s)")
            ax.legend(
                fontsize=6,
                loc="upper center",
                bbox_to_anchor=(0.5, -0.16),
                title=f"function (exponent in {variable})",
                title_fontsize=6,
            )
        fig.suptitle(title)
    return _save(path, fig)


def _save(path: Path, fig: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_bytes(path, _svg_bytes(fig), skip_if_same=True)


def _rc() -> Any:
    import matplotlib

    return matplotlib.rc_context(_RC)
