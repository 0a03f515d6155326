"""The scaling Document: columns with units and intervals, in every format."""

from __future__ import annotations

import json
from io import StringIO

import polars as pl
import pytest
from scale_tables import power, table

from rbprofile.render import Document, OutputFormat, render
from rbprofile.scale.document import scaling_document
from rbprofile.scale.fit import fit_scaling
from rbprofile.scale.project import project

SIZES = {"n": [1000.0, 2000.0, 4000.0, 8000.0]}
EXPONENT_COLUMNS = [
    "function",
    "measure",
    "variable",
    "exponent",
    "ci95_low",
    "ci95_high",
    "superlinear",
    "r2",
    "rse_log",
    "n",
    "at_largest",
    "unit",
    "share_largest",
    "status",
]


@pytest.fixture(scope="module")
def doc() -> Document:
    fits = fit_scaling(table({"sq": power(3e-9, 2.0), "lin": power(1e-6, 1.0)}, SIZES))
    return scaling_document(fits, project(fits, {"n": 20000}))


def _out(doc: Document, fmt: OutputFormat) -> str:
    buffer = StringIO()
    render(doc, fmt, buffer)
    return buffer.getvalue()


def _md(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def test_markdown_shows_exponents_intervals_and_units(doc: Document) -> None:
    text = _out(doc, OutputFormat.markdown)
    assert _md(*EXPONENT_COLUMNS) in text
    sq = ("sq", "self_s", "n", "2.000", "2.000", "2.000", "True", "1.000", "0.000", "4", "0.192",
          "s", "96.0%", "ok")  # fmt: skip
    assert _md(*sq) in text
    calls = ("lin", "ncalls", "n", "0.000", "0.000", "0.000", "False", "1.000", "0.000", "4",
             "1", "calls", "", "ok")  # fmt: skip
    assert _md(*calls) in text
    assert "## Projection to n=20000" in text
    projected = ("sq", "self_s", "1.2", "1.2", "1.2", "98.4%", "98.4%", "98.4%", "True", "False",
                 "ok", "")  # fmt: skip
    assert _md(*projected) in text


def test_json_holds_the_numbers_and_the_target(doc: Document) -> None:
    data = json.loads(_out(doc, OutputFormat.json))
    assert data["meta"]["at"] == {"n": 20000.0}
    assert data["meta"]["ranges"] == {"n": [1000.0, 8000.0]}
    rows = {(r["function"], r["measure"]): r for r in data["tables"]["projection"]["rows"]}
    assert rows[("(run total)", "self_s")]["predicted_s"] == pytest.approx(1.22)
    assert rows[("lin", "cum_s")]["above_5pct"] is False
    exponent = data["tables"]["exponents"]["rows"][2]
    assert (exponent["function"], exponent["exponent"]) == ("sq", pytest.approx(2.0))


def test_csv_is_the_exponents_table(doc: Document) -> None:
    frame = pl.read_csv(StringIO(_out(doc.only("exponents"), OutputFormat.csv)))
    assert frame.columns == EXPONENT_COLUMNS
    assert frame.height == 8


def test_without_a_projection_there_is_one_table() -> None:
    fits = fit_scaling(table({"sq": power(3e-9, 2.0)}, SIZES))
    doc = scaling_document(fits)
    assert [t.name for t in doc.tables] == ["exponents"]
    assert "at" not in doc.meta
    assert _out(doc, OutputFormat.table).count("Growth exponents") == 1


def test_a_refused_projection_puts_its_message_in_the_notes() -> None:
    fits = fit_scaling(table({"sq": power(3e-9, 2.0)}, SIZES))
    doc = scaling_document(fits, project(fits, {"n": 10**9}))
    assert len(doc.notes) == 1
    assert doc.notes[0].startswith("Refused 3 of 3 projections to n=1e+09 (too far: 3)")
