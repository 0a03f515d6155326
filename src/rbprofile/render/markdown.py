"""GitHub-flavored markdown renderer."""

from __future__ import annotations

from typing import TextIO

from rbprofile.render.document import Document, Table, format_cell


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table_lines(table: Table) -> list[str]:
    """A markdown table (no heading). Numeric columns are right-aligned."""
    frame = table.frame
    if frame.width == 0:
        return ["_(no columns)_"]
    header = "| " + " | ".join(_escape(c) for c in frame.columns) + " |"
    aligns = ["---:" if dt.is_numeric() else "---" for dt in frame.dtypes]
    sep = "| " + " | ".join(aligns) + " |"
    rows = [
        "| "
        + " | ".join(
            _escape(format_cell(v, table.formats.get(c)))
            for c, v in zip(frame.columns, row, strict=True)
        )
        + " |"
        for row in frame.iter_rows()
    ]
    if not rows:
        rows = ["| " + " | ".join("" for _ in frame.columns) + " |"]
    return [header, sep, *rows]


def render_table(table: Table, level: int = 2) -> str:
    lines = [f"{'#' * level} {table.title}", ""]
    if table.frame.height == 0:
        lines.append("_No rows._")
    else:
        lines.extend(table_lines(table))
    for note in table.notes:
        lines.extend(["", note])
    return "\n".join(lines) + "\n"


def render(doc: Document, out: TextIO) -> None:
    out.write(f"# {doc.title}\n\n")
    for note in doc.notes:
        out.write(f"{note}\n\n")
    out.write("\n".join(render_table(t) for t in doc.tables))
