"""Rich renderer for terminals.

Width: `$COLUMNS` when set, else the terminal's width when the output is a terminal, else
`DEFAULT_WIDTH` (a file or a pipe has no width of its own).

A table that fits is drawn as a table: numbers never wrap, and headers show spaces instead of
underscores so they can wrap. Names (a text column without spaces, but for pseudo-rows such
as `(other 165 owners)`: `module:qualname` keys, modules, paths) are never broken across
lines: one too long for its column is abbreviated from the left, as pstats and py-spy do
(`…ketdata.portal:PolarsDataPortal.history`), never under `MIN_NAME` characters, and a key's
column is never narrower than `…:qualname`, so the qualname always shows whole. Other text
(verdicts, evidence) wraps at spaces, never to fewer than `MIN_NAME` characters a line. A
table that cannot fit so (a narrow terminal) is shown one record per row, like psql's
expanded display: the name on its own line (abbreviated the same way when wider than the
screen), then `column: value` pairs packed under it.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Callable
from typing import TextIO

from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from rbprofile.render.document import Document, Table, format_cell

DEFAULT_WIDTH = 120
MIN_NAME = 24  # a text column narrower than this wraps into fragments
INDENT = "    "
ELLIPSIS = "…"


def _spaced(text: str) -> bool:
    return any(c.isspace() for c in text)


def _pseudo(text: str) -> bool:
    """A row standing for several names: `(other 165 owners)`, `(run total)`, `<native x>`."""
    return text[:1] + text[-1:] in ("()", "<>")


def is_name(values: list[str]) -> bool:
    """A column of names: some name without whitespace, and every cell one or a pseudo-row."""
    return any(v and not _spaced(v) for v in values) and all(
        not _spaced(v) or _pseudo(v) for v in values
    )


def shortest(name: str, mark: str = ELLIPSIS) -> int:
    """How narrow `name` may be abbreviated: to its last MIN_NAME characters (all of it when
    shorter), and a key never to less than `…:qualname`; a pseudo-row is never cut."""
    if _spaced(name):
        return len(name)
    module, colon, qualname = name.partition(":")
    least = len(mark + colon + qualname) if colon and module and qualname else 0
    return min(len(name), max(MIN_NAME, least))


def abbreviate(name: str, width: int, mark: str = ELLIPSIS) -> str:
    """`name` cut from the left to `width` characters, `mark` where the cut is."""
    if len(name) <= width:
        return name
    if width <= len(mark):
        return name[len(name) - width :]
    return mark + name[len(name) - width + len(mark) :]


def output_width(out: TextIO) -> int:
    """$COLUMNS, else the width of the terminal `out` writes to, else DEFAULT_WIDTH."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        fd = out.fileno()
        if os.isatty(fd):
            return os.get_terminal_size(fd).columns or DEFAULT_WIDTH
    except (AttributeError, OSError, ValueError):  # StringIO, closed or redirected streams
        pass
    return DEFAULT_WIDTH


def _escaper(out: TextIO) -> Callable[[str], str]:
    """Text as `out` can encode it: characters it lacks become backslash escapes up front, so
    rich measures the columns with the text that is written."""
    encoding = getattr(out, "encoding", None) or "utf-8"
    try:
        if codecs.lookup(encoding).name.startswith("utf"):
            return str
    except LookupError:
        return str
    return lambda text: text.encode(encoding, "backslashreplace").decode(encoding)


class _Cells:
    """A table's formatted cells, headers and which columns hold names."""

    def __init__(self, table: Table, escape: Callable[[str], str]) -> None:
        columns = table.frame.columns
        self.title = escape(table.title)
        self.headers = [escape(c.replace("_", " ")) for c in columns]
        self.numeric = [dt.is_numeric() for dt in table.frame.dtypes]
        self.rows = [
            [
                escape(format_cell(v, table.formats.get(c)))
                for c, v in zip(columns, row, strict=True)
            ]
            for row in table.frame.iter_rows()
        ]
        self.mark = ELLIPSIS if escape(ELLIPSIS) == ELLIPSIS else "..."  # an ASCII stdout
        self.names = [
            not numeric and is_name([r[i] for r in self.rows])
            for i, numeric in enumerate(self.numeric)
        ]

    def widest(self, i: int) -> int:
        return max((len(r[i]) for r in self.rows), default=0)

    def narrowest(self, i: int) -> int:
        """Column `i`'s least content width: a number's widest cell, the room every name
        needs once abbreviated, text's widest cell up to MIN_NAME."""
        if self.numeric[i]:
            return self.widest(i)
        if self.names[i]:
            return max((shortest(r[i], self.mark) for r in self.rows), default=0)
        return min(self.widest(i), MIN_NAME)

    def layout(self, width: int) -> list[int] | None:
        """Each column's content width for a table `width` wide, or None when it cannot fit.

        Numbers keep their widest cell (headers wrap at spaces); names and text share what is
        left, each at least its `narrowest`, extra width going to them in column order, then
        to headers so they need not wrap. Rich's box adds 3 characters per column and 1.
        """
        widths = []
        for i, header in enumerate(self.headers):
            word = max((len(w) for w in header.split()), default=1)
            widths.append(max(word, self.narrowest(i), 1))
        spare = width - (sum(widths) + 3 * len(widths) + 1)
        if spare < 0:
            return None
        for numeric in (False, True):  # names first, then unwrapped headers
            for i, header in enumerate(self.headers):
                if self.numeric[i] == numeric:
                    grow = min(spare, max(self.widest(i), len(header)) - widths[i])
                    if grow > 0:
                        widths[i] += grow
                        spare -= grow
        return widths


def _rich_table(cells: _Cells, widths: list[int]) -> RichTable:
    """The table; every text is a `Text`, so `list[int]` is not read as console markup."""
    rt = RichTable(title=Text(cells.title), title_justify="left")
    for i, header in enumerate(cells.headers):
        rt.add_column(
            Text(header),
            justify="right" if cells.numeric[i] else "left",
            overflow="fold",
            width=widths[i],
        )
    for row in cells.rows:
        rt.add_row(
            *(
                Text(abbreviate(cell, widths[i], cells.mark) if cells.names[i] else cell)
                for i, cell in enumerate(row)
            )
        )
    return rt


def _pack(items: list[str], width: int) -> list[str]:
    """`items` joined by two spaces into lines of at most `width` (a longer item alone)."""
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1]) + 2 + len(item) <= width:
            lines[-1] += "  " + item
        else:
            lines.append(item)
    return lines


def _records(cells: _Cells, width: int) -> list[str]:
    """One record per row: its name on a line, the other cells packed below. The name is the
    name column with the longest cell (`function` rather than `scenario`), else the first text
    column."""
    texts = [i for i, numeric in enumerate(cells.numeric) if not numeric]
    names = [i for i in texts if cells.names[i]]
    head = max(names, key=cells.widest) if names else (texts[0] if texts else None)
    lines: list[str] = []
    for row in cells.rows:
        if head is not None:
            name = row[head]
            fits = cells.names[head] and shortest(name, cells.mark) <= width
            lines.append(abbreviate(name, width, cells.mark) if fits else name)
        pairs = [
            f"{cells.headers[i]}: {value}"
            for i, value in enumerate(row)
            if i != head and value != ""
        ]
        lines.extend(INDENT + line for line in _pack(pairs, width - len(INDENT)))
    return lines


def _print_table(console: Console, table: Table, escape: Callable[[str], str]) -> None:
    cells = _Cells(table, escape)
    widths = cells.layout(console.width)
    if widths is not None:
        console.print(_rich_table(cells, widths))
        return
    console.print(cells.title, markup=False, overflow="fold")
    for line in _records(cells, console.width) or ["(no rows)"]:
        console.print(line, markup=False, overflow="fold")


def render(doc: Document, out: TextIO) -> None:
    console = Console(file=out, soft_wrap=False, width=output_width(out))
    escape = _escaper(out)
    console.print(escape(doc.title), markup=False, style="bold")
    for note in doc.notes:
        console.print(escape(note), markup=False)
    for table in doc.tables:
        _print_table(console, table, escape)
        for note in table.notes:
            console.print(escape(note), markup=False)
