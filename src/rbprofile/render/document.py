"""`Document` and `Table`: what every command returns and every renderer formats."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from rbprofile.errors import RbprofileError

if TYPE_CHECKING:  # polars is imported by the renderers, not by `--help`
    import polars as pl


@dataclass(frozen=True)
class Table:
    """One titled table. `formats` maps a column to a format spec, e.g. {"share": "{:.1%}"}."""

    name: str
    title: str
    frame: pl.DataFrame
    notes: tuple[str, ...] = ()
    formats: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Document:
    """What a command produces: titled tables plus free-text notes.

    `only(name)` keeps one table (`--table NAME`); CSV holds one table, so `--format csv` of a
    document with several refuses and lists their names instead of dropping all but one.
    """

    title: str
    tables: tuple[Table, ...]
    notes: tuple[str, ...] = ()
    meta: dict[str, object] = field(default_factory=dict)

    def table(self, name: str) -> Table:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)

    @property
    def table_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tables)

    def only(self, name: str) -> Document:
        """This document with table `name` alone; an unknown name is a one-line error."""
        for t in self.tables:
            if t.name == name:
                return replace(self, tables=(t,))
        raise RbprofileError(f"no table {name!r} here; --table takes one of: {self.listed()}")

    def listed(self) -> str:
        return ", ".join(self.table_names) or "(none: this output has no tables)"


class OutputFormat(enum.StrEnum):
    table = "table"
    markdown = "markdown"
    json = "json"
    csv = "csv"


def format_cell(value: object, spec: str | None) -> str:
    """Format one cell for text renderers; None shows as an empty cell, NaN as "n/a"."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    if spec is not None:
        try:
            return spec.format(value)
        except (ValueError, TypeError):
            return str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
