"""CSV renderer: the document's primary table, raw values, readable by `pl.read_csv`."""

from __future__ import annotations

from typing import TextIO

import polars as pl

from rbprofile.render.document import Document


def render(doc: Document, out: TextIO) -> None:
    table = doc.primary_table
    if table is None:
        return
    frame = table.frame.select(
        pl.col(c).cast(pl.String) if dt.is_nested() else pl.col(c)
        for c, dt in zip(table.frame.columns, table.frame.dtypes, strict=True)
    )
    out.write(frame.write_csv())
