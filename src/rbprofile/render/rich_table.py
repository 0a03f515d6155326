"""Rich renderer for terminals."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.table import Table as RichTable

from rbprofile.render import Document, format_cell


def render(doc: Document, out: TextIO) -> None:
    console = Console(file=out, soft_wrap=False, width=max(Console(file=out).width, 120))
    console.print(f"[bold]{doc.title}[/bold]")
    for note in doc.notes:
        console.print(note, markup=False)
    for table in doc.tables:
        rt = RichTable(title=table.title, title_justify="left")
        for name, dtype in zip(table.frame.columns, table.frame.dtypes, strict=True):
            rt.add_column(name, justify="right" if dtype.is_numeric() else "left")
        for row in table.frame.iter_rows():
            rt.add_row(
                *(
                    format_cell(v, table.formats.get(c))
                    for c, v in zip(table.frame.columns, row, strict=True)
                )
            )
        console.print(rt)
        for note in table.notes:
            console.print(note, markup=False)
