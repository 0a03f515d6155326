"""The values a report is made of, and where its links are resolved from.

A `Report` is a title, intro paragraphs and `Section`s. A section is a heading and blocks:
markdown text, an `Image`, or a `rbprofile.render.Table` taken from the same `Document`s the
commands return. A section whose data is missing is still a `Section`: its body says what is
missing and why (`missing`), so no heading ever vanishes. Renderers (`report.render`) turn a
Report into markdown or JSON.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from rbprofile.render import Table
from rbprofile.rundir.run import Run


@dataclass(frozen=True)
class Image:
    alt: str
    href: str  # relative to the report


Block = str | Table | Image


@dataclass(frozen=True)
class Section:
    """One report section: `title` at `level` (2 = `##`), then `blocks`."""

    title: str
    blocks: tuple[Block, ...]
    level: int = 2


@dataclass(frozen=True)
class Report:
    title: str
    intro: tuple[str, ...]
    sections: tuple[Section, ...]


def missing(title: str, reason: str, level: int = 2) -> Section:
    """A section whose data is not there: the heading stays and the body says why."""
    return Section(title, (not_available(reason),), level)


def not_available(reason: str) -> str:
    return f"_Not available: {reason}_"


def escape_link_text(text: str) -> str:
    """`text` safe between a markdown link's brackets."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def bullets(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


@dataclass(frozen=True)
class LinkBase:
    """Computes links relative to the directory the report will be written to."""

    output_dir: Path
    _resolved: Path = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_resolved", self.output_dir.resolve())

    def href(self, target: Path) -> str:
        """`target` relative to the report's directory, with forward slashes, percent-encoded
        (spaces, `%`, `#`, `?`, brackets, parentheses, non-ASCII: everything but `/` and
        RFC 3986's unreserved characters)."""
        rel = Path(os.path.relpath(target.resolve(), self._resolved)).as_posix()
        return quote(rel, safe="/")

    def link(self, text: str, target: Path) -> str:
        return f"[{escape_link_text(text)}]({self.href(target)})"

    def image(self, alt: str, target: Path) -> Image:
        return Image(alt, self.href(target))


@dataclass(frozen=True)
class ReportContext:
    """Everything a section may read: the runs, the labels asked for, and how to link."""

    labels: tuple[str, ...]
    runs: tuple[Run, ...]
    links: LinkBase
    profiles_dir: Path
    compare: tuple[str, str] | None = None
    project: str | None = None  # None: each run's recorded project
    cache: dict[str, Any] = field(default_factory=dict)  # results shared between sections

    @property
    def charts_dir(self) -> Path:
        """Where this report's charts go: beside it, never into the measured data."""
        return self.links.output_dir / "charts"

    def chart_path(self, run: Run, name: str) -> Path:
        return self.charts_dir / f"{run.label}--{run.scenario}--{name}"

    def project_of(self, run: Run) -> str:
        return self.project or run.project
