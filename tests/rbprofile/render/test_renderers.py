"""Renderers: exact markdown, JSON that parses, CSV that round-trips, every format mapped."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from rbprofile.errors import RbprofileError
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
    meta={"total_s": 1.5},
)


def _out(fmt: OutputFormat, table: str | None = None) -> str:
    buffer = StringIO()
    render(DOC, fmt, buffer, table)
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


def test_csv_round_trips_the_chosen_table() -> None:
    back = pl.read_csv(StringIO(_out(OutputFormat.csv, "main")), try_parse_dates=True)
    assert_frame_equal(back, FRAME)


def test_csv_of_one_table_needs_no_choice() -> None:
    buffer = StringIO()
    render(Document("One", (Table("main", "Main", FRAME),)), OutputFormat.csv, buffer)
    back = pl.read_csv(StringIO(buffer.getvalue()), try_parse_dates=True)
    assert_frame_equal(back, FRAME)


def test_csv_of_several_tables_refuses_and_names_them() -> None:
    buffer = StringIO()
    with pytest.raises(RbprofileError) as caught:
        render(DOC, OutputFormat.csv, buffer)
    assert caught.value.message == (
        "--format csv writes one table and this output has 2: add --table NAME with one of: "
        "main, empty"
    )
    assert buffer.getvalue() == ""  # nothing half-written


def test_table_keeps_one_table_in_every_format() -> None:
    assert (
        _out(OutputFormat.markdown, "empty") == "# Demo\n\nTop note.\n\n## Nothing\n\n_No rows._\n"
    )
    assert list(json.loads(_out(OutputFormat.json, "main"))["tables"]) == ["main"]
    text = _out(OutputFormat.table, "main")
    assert "Main table" in text and "Nothing" not in text


def test_an_unknown_table_is_one_line_listing_the_names() -> None:
    with pytest.raises(RbprofileError) as caught:
        _out(OutputFormat.table, "mian")
    assert caught.value.message == "no table 'mian' here; --table takes one of: main, empty"


def test_rich_table_renders_titles_and_cells() -> None:
    text = _out(OutputFormat.table)
    assert "Demo" in text and "Main table" in text and "75.0%" in text and "app:a|b" in text


def test_format_cell() -> None:
    assert format_cell(None, "{:.1%}") == ""
    assert format_cell(0.123456, None) == "0.1235"
    assert format_cell("x", "{:.1%}") == "x"
