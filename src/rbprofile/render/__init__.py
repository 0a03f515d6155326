"""Data -> renderers. Core functions return a `Document`; renderers only format it.

Every `OutputFormat` member maps to exactly one renderer (see `_renderers`). The values live
in `rbprofile.render.document`; renderer modules import them from there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from rbprofile.render.document import Document, OutputFormat, Table, format_cell

__all__ = ["Document", "OutputFormat", "Renderer", "Table", "format_cell", "render"]

Renderer = Callable[[Document, TextIO], None]


def _renderers() -> dict[OutputFormat, Renderer]:
    from rbprofile.render import csv_out, json_out, markdown, rich_table

    return {
        OutputFormat.table: rich_table.render,
        OutputFormat.markdown: markdown.render,
        OutputFormat.json: json_out.render,
        OutputFormat.csv: csv_out.render,
    }


def render(doc: Document, fmt: OutputFormat, out: TextIO) -> None:
    _renderers()[fmt](doc, out)
