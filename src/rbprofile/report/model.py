"""The values a report is made of: sections of markdown, and where links are resolved from.

A `Section` is a heading plus markdown blocks. A section whose data is missing is still a
`Section`: its body says what is missing and why (`missing`), so no heading ever vanishes.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from rbprofile.render import Table
from rbprofile.render.markdown import table_lines
from rbprofile.report.runs import Run


@dataclass(frozen=True)
class Section:
    """One report section: `title` at `level` (2 = `##`), then `blocks` separated by blank lines."""

    title: str
    blocks: tuple[str, ...]
    level: int = 2

    def markdown(self) -> str:
        return "\n\n".join((f"{'#' * self.level} {self.title}", *self.blocks)) + "\n"


def missing(title: str, reason: str, level: int = 2) -> Section:
    """A section whose data is not there: the heading stays and the body says why."""
    return Section(title, (f"_Not available: {reason}_",), level)


_MARKUP = re.compile(r"[*<>\[\]`]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def md_text(text: str) -> str:
    """Escape what GitHub would read as markup in a plain-text cell (`__init__`, `<locals>`)."""
    return _MARKUP.sub(lambda m: "\\" + m.group(0), text)


def table_block(table: Table, *, limit: int | None = None) -> str:
    """A titled markdown table (bold caption line, then the table, then its notes).

    String cells are plain text: markdown markup in them is escaped.
    """
    frame = table.frame if limit is None else table.frame.head(limit)
    text_columns = [c for c, dtype in frame.schema.items() if dtype == pl.String]
    frame = frame.with_columns(
        pl.col(c).map_elements(md_text, return_dtype=pl.String) for c in text_columns
    )
    shown = Table(table.name, table.title, frame, table.notes, table.formats)
    lines = [f"**{table.title}**", ""]
    lines.extend(table_lines(shown) if frame.height else ["_No rows._"])
    lines.extend(f"\n{note}" for note in table.notes)
    return "\n".join(lines)


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
        """`target` relative to the report's directory, with forward slashes."""
        rel = os.path.relpath(target.resolve(), self._resolved)
        return Path(rel).as_posix()

    def link(self, text: str, target: Path) -> str:
        return f"[{text}]({self.href(target)})"

    def image(self, alt: str, target: Path) -> str:
        return f"![{alt}]({self.href(target)})"


@dataclass(frozen=True)
class ReportContext:
    """Everything a section may read: the runs, the labels asked for, and how to link."""

    labels: tuple[str, ...]
    runs: tuple[Run, ...]
    links: LinkBase
    profiles_dir: Path
    compare: tuple[str, str] | None = None
    project: str = "rustybt"  # the package under profile: module depth, owners, targets
    cache: dict[str, Any] = field(default_factory=dict)  # results shared between sections
