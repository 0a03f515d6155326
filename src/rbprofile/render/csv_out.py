"""CSV renderer: one table, raw values, readable as it is by `pl.read_csv`.

CSV holds one table. A document with several is refused with a one-line error naming them,
so nothing is dropped silently: choose one with `--table NAME` (`Document.only`).
"""

from __future__ import annotations

from typing import TextIO

import polars as pl

from rbprofile.render.document import Document, csv_needs_one


def render(doc: Document, out: TextIO) -> None:
    if len(doc.tables) > 1:
        raise csv_needs_one(doc.table_names)
    if not doc.tables:
        return
    table = doc.tables[0]
    frame = table.frame.select(
        pl.col(c).cast(pl.String) if dt.is_nested() else pl.col(c)
        for c, dt in zip(table.frame.columns, table.frame.dtypes, strict=True)
    )
    out.write(frame.write_csv())
