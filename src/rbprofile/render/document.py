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
        raise unknown_table(name, self.table_names)


def _listed(names: tuple[str, ...]) -> str:
    return ", ".join(names) or "(none: this output has no tables)"


def unknown_table(name: str, names: tuple[str, ...]) -> RbprofileError:
    return RbprofileError(f"no table {name!r} here; --table takes one of: {_listed(names)}")


def csv_needs_one(names: tuple[str, ...]) -> RbprofileError:
    return RbprofileError(
        f"--format csv writes one table and this output has {len(names)}: add --table NAME "
        f"with one of: {_listed(names)}"
    )


class OutputFormat(enum.StrEnum):
    table = "table"
    markdown = "markdown"
    json = "json"
    csv = "csv"


def check_choice(names: tuple[str, ...], fmt: OutputFormat, table: str | None) -> None:
    """Raise now what rendering a document holding tables `names` would: for a command that
    knows its tables before a long computation (`scale`)."""
    if table is not None and table not in names:
        raise unknown_table(table, names)
    if fmt is OutputFormat.csv and table is None and len(names) > 1:
        raise csv_needs_one(names)


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
