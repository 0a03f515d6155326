"""Data -> renderers. Core functions return a `Document`; renderers only format it.

Every `OutputFormat` member maps to exactly one renderer (see `_renderers`). The values live
in `rbprofile.render.document`; renderer modules import them from there.

`render` first makes the stream `encodable`: on a stdout whose encoding lacks a character
(`PYTHONIOENCODING=ascii`, a C locale) names are written with backslash escapes (`\xf3`)
instead of ending in UnicodeEncodeError. `render(..., table=NAME)` shows one table in any
format (`--table NAME`); an unknown name is a one-line error listing the document's tables.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from rbprofile.render.document import Document, OutputFormat, Table, check_choice, format_cell

__all__ = [
    "Document",
    "OutputFormat",
    "Renderer",
    "Table",
    "check_choice",
    "encodable",
    "format_cell",
    "render",
]

Renderer = Callable[[Document, TextIO], None]


def _renderers() -> dict[OutputFormat, Renderer]:
    from rbprofile.render import csv_out, json_out, markdown, rich_table

    return {
        OutputFormat.table: rich_table.render,
        OutputFormat.markdown: markdown.render,
        OutputFormat.json: json_out.render,
        OutputFormat.csv: csv_out.render,
    }


def encodable(out: TextIO) -> TextIO:
    """`out`, set to write characters its encoding lacks as backslash escapes."""
    reconfigure = getattr(out, "reconfigure", None)
    if reconfigure is not None and getattr(out, "errors", None) == "strict":
        reconfigure(errors="backslashreplace")
    return out


def render(doc: Document, fmt: OutputFormat, out: TextIO, table: str | None = None) -> None:
    """`doc` in format `fmt`; with `table`, that table alone (`--table NAME`)."""
    _renderers()[fmt](doc if table is None else doc.only(table), encodable(out))
