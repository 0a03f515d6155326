"""JSON renderer: {"title", "notes", "meta", "tables": {name: {"title", "notes", "rows"}}}.

NaN and infinite floats become null: the output is always valid JSON. A table where that
happened says so in its notes, naming the columns, so a null is never mistaken for "absent".
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any, TextIO

from rbprofile.render.document import Document, Table


def json_default(value: object) -> object:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def finite(value: Any) -> Any:
    """`value` with every NaN / infinite float (nested in lists and dicts) replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def non_finite_note(table: Table) -> str | None:
    """A note naming the float columns of `table` holding NaN or infinite values, or None."""
    import polars as pl

    frame = table.frame
    floats = [c for c, dt in zip(frame.columns, frame.dtypes, strict=True) if dt.is_float()]
    bad = [c for c in floats if frame.select((~pl.col(c).is_finite()).any()).item()]
    if not bad:
        return None
    return (
        f"null in {', '.join(bad)}: not a finite number (NaN or infinite: a ratio over zero or "
        "a value that could not be computed)."
    )


def table_obj(table: Table) -> dict[str, object]:
    note = non_finite_note(table)
    return {
        "title": table.title,
        "notes": [*table.notes, *([note] if note else [])],
        "rows": finite(table.frame.to_dicts()),
    }


def to_obj(doc: Document) -> dict[str, object]:
    return {
        "title": doc.title,
        "notes": list(doc.notes),
        "meta": finite(doc.meta),
        "tables": {t.name: table_obj(t) for t in doc.tables},
    }


def render(doc: Document, out: TextIO) -> None:
    json.dump(to_obj(doc), out, indent=2, default=json_default, allow_nan=False)
    out.write("\n")
