"""Renderers: exact markdown, JSON that parses, CSV that round-trips, every format mapped."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import polars as pl
from polars.testing import assert_frame_equal

from rbprofile.render import Document, OutputFormat, Table, _renderers, format_cell, render

FRAME = pl.DataFrame(
    {
        "function": ["app:a|b", "app:c"],
        "calls": [3, 10],
        "share": [0.75, 0.25],
        "day": [date(2024, 1, 2), None],
    }
)
DOC = Document(
    title="Demo",
    tables=(
        Table("main", "Main table", FRAME, notes=("A note.",), formats={"share": "{:.1%}"}),
        Table("empty", "Nothing", FRAME.head(0)),
    ),
    notes=("Top note.",),
    primary="main",
    meta={"total_s": 1.5},
)


def _out(fmt: OutputFormat) -> str:
    buffer = StringIO()
    render(DOC, fmt, buffer)
    return buffer.getvalue()


def test_every_format_maps_to_a_renderer() -> None:
    assert set(_renderers()) == set(OutputFormat)


def test_markdown_exact() -> None:
    assert _out(OutputFormat.markdown) == (
        "# Demo\n\n"
        "Top note.\n\n"
        "## Main table\n\n"
        "| function | calls | share | day |\n"
        "| --- | ---: | ---: | --- |\n"
        "| app:a\\|b | 3 | 75.0% | 2024-01-02 |\n"
        "| app:c | 10 | 25.0% |  |\n\n"
        "A note.\n\n"
        "## Nothing\n\n"
        "_No rows._\n"
    )


def test_json_parses() -> None:
    doc = json.loads(_out(OutputFormat.json))
    assert doc["title"] == "Demo" and doc["meta"] == {"total_s": 1.5}
    assert doc["tables"]["main"]["rows"][0] == {
        "function": "app:a|b",
        "calls": 3,
        "share": 0.75,
        "day": "2024-01-02",
    }
    assert doc["tables"]["empty"]["rows"] == []


def test_csv_round_trips_the_primary_table() -> None:
    back = pl.read_csv(StringIO(_out(OutputFormat.csv)), try_parse_dates=True)
    assert_frame_equal(back, FRAME)


def test_rich_table_renders_titles_and_cells() -> None:
    text = _out(OutputFormat.table)
    assert "Demo" in text and "Main table" in text and "75.0%" in text and "app:a|b" in text


def test_format_cell() -> None:
    assert format_cell(None, "{:.1%}") == ""
    assert format_cell(0.123456, None) == "0.1235"
    assert format_cell("x", "{:.1%}") == "x"
