"""Rich renderer for terminals.

Names (functions, modules) fold onto further lines rather than being cut with an ellipsis,
and headers show spaces instead of underscores so they can wrap on narrow screens.
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.table import Table as RichTable

from rbprofile.render.document import Document, Table, format_cell


def _rich_table(table: Table) -> RichTable:
    columns = table.frame.columns
    cells = [
        [format_cell(v, table.formats.get(c)) for c, v in zip(columns, row, strict=True)]
        for row in table.frame.iter_rows()
    ]
    rt = RichTable(title=table.title, title_justify="left")
    for i, (column, dtype) in enumerate(zip(columns, table.frame.dtypes, strict=True)):
        header = column.replace("_", " ")
        if dtype.is_numeric():
            rt.add_column(header, justify="right")
        else:  # takes the width the numbers leave, up to its longest name
            widest = max((len(r[i]) for r in cells), default=0)
            rt.add_column(header, overflow="fold", ratio=1, max_width=max(widest, len(column)))
    for row_cells in cells:
        rt.add_row(*row_cells)
    return rt


def render(doc: Document, out: TextIO) -> None:
    console = Console(file=out, soft_wrap=False, width=max(Console(file=out).width, 120))
    console.print(f"[bold]{doc.title}[/bold]")
    for note in doc.notes:
        console.print(note, markup=False)
    for table in doc.tables:
        console.print(_rich_table(table))
        for note in table.notes:
            console.print(note, markup=False)
