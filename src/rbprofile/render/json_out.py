"""JSON renderer: {"title", "notes", "meta", "tables": {name: {"title", "notes", "rows"}}}."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TextIO

from rbprofile.render import Document


def _default(value: object) -> object:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def to_obj(doc: Document) -> dict[str, object]:
    return {
        "title": doc.title,
        "notes": list(doc.notes),
        "meta": doc.meta,
        "tables": {
            t.name: {"title": t.title, "notes": list(t.notes), "rows": t.frame.to_dicts()}
            for t in doc.tables
        },
    }


def render(doc: Document, out: TextIO) -> None:
    json.dump(to_obj(doc), out, indent=2, default=_default)
    out.write("\n")
