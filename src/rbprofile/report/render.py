"""Report renderers: GitHub-flavored markdown and JSON, over the same `Report` value.

Tables are rendered by `rbprofile.render.markdown.table_lines` (the renderer `--format markdown`
uses for every command), with markdown markup in string cells escaped.
"""

from __future__ import annotations

import json
import re
from typing import Any

import polars as pl

from rbprofile.render import Table
from rbprofile.render.json_out import json_default, table_obj
from rbprofile.render.markdown import table_lines
from rbprofile.report.formats import ReportFormat
from rbprofile.report.model import Block, Image, Report, Section, escape_link_text

_MARKUP = re.compile(r"[*<>\[\]`]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def md_text(text: str) -> str:
    """Escape what GitHub would read as markup in a plain-text cell (`__init__`, `<locals>`)."""
    return _MARKUP.sub(lambda m: "\\" + m.group(0), text)


def table_markdown(table: Table) -> str:
    """A titled markdown table (bold caption line, then the table, then its notes)."""
    frame = table.frame
    text_columns = [c for c, dtype in frame.schema.items() if dtype == pl.String]
    frame = frame.with_columns(
        pl.col(c).map_elements(md_text, return_dtype=pl.String) for c in text_columns
    )
    shown = Table(table.name, table.title, frame, table.notes, table.formats)
    lines = [f"**{table.title}**", ""]
    lines.extend(table_lines(shown) if frame.height else ["_No rows._"])
    lines.extend(f"\n{note}" for note in table.notes)
    return "\n".join(lines)


def _block_markdown(block: Block) -> str:
    if isinstance(block, Table):
        return table_markdown(block)
    if isinstance(block, Image):
        return f"![{escape_link_text(block.alt)}]({block.href})"
    return block


def section_markdown(section: Section) -> str:
    heading = f"{'#' * section.level} {section.title}"
    return "\n\n".join((heading, *(_block_markdown(b) for b in section.blocks))) + "\n"


def to_markdown(report: Report) -> str:
    head = f"# {report.title}\n\n" + "\n\n".join(report.intro) + "\n"
    return head + "\n" + "\n".join(section_markdown(s) for s in report.sections)


def _block_obj(block: Block) -> dict[str, Any]:
    if isinstance(block, Table):
        return {"kind": "table", "name": block.name, **table_obj(block)}
    if isinstance(block, Image):
        return {"kind": "image", "alt": block.alt, "href": block.href}
    return {"kind": "text", "markdown": block}


def to_obj(report: Report) -> dict[str, Any]:
    return {
        "title": report.title,
        "intro": list(report.intro),
        "sections": [
            {"title": s.title, "level": s.level, "blocks": [_block_obj(b) for b in s.blocks]}
            for s in report.sections
        ],
    }


def to_json(report: Report) -> str:
    return json.dumps(to_obj(report), indent=2, default=json_default, allow_nan=False) + "\n"


RENDERERS = {ReportFormat.markdown: to_markdown, ReportFormat.json: to_json}


def render(report: Report, fmt: ReportFormat) -> str:
    return RENDERERS[fmt](report)
