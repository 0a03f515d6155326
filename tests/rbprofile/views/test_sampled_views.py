"""Views built from py-spy samples: every share has its 95% interval in table, markdown and
JSON; a finding whose interval holds its threshold is 'uncertain'."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from rbprofile.analysis.intervals import wilson
from rbprofile.render import OutputFormat, render
from rbprofile.rundir.run import Run
from rbprofile.views.analyze import AnalyzeOptions, analyze
from rbprofile.views.categorize import evidence_certainty


@pytest.fixture
def hand_built(tmp_path: Path) -> Run:
    """3000 samples: b 93% of them, a exactly 5% (the bottleneck line), c 2%."""
    path = tmp_path / "s.txt"
    path.write_text(
        "main (/n/app.py:1);a (/n/app.py:5) 150\n"
        "main (/n/app.py:1);b (/n/app.py:9) 2790\n"
        "main (/n/app.py:2);c (/n/app.py:13) 60\n"
    )
    return Run.files(pyspy=path)


def _rows(run: Run, by: str, table: str) -> dict[str, dict[str, object]]:
    doc = analyze(run, AnalyzeOptions(by=by))  # type: ignore[arg-type]
    frame = doc.table(table).frame
    return {r[frame.columns[0]]: r for r in frame.iter_rows(named=True)}


def test_function_view_intervals_and_uncertain_bottleneck(hand_built: Run) -> None:
    rows = _rows(hand_built, "function", "pyspy_functions")
    a, b, c = rows["app:a"], rows["app:b"], rows["app:c"]
    assert (a["inclusive_samples"], a["inclusive_share"]) == (150, pytest.approx(0.05))
    assert (a["inclusive_share_lo"], a["inclusive_share_hi"]) == pytest.approx(wilson(150, 3000))
    assert a["bottleneck"] == "uncertain"  # 4.3-5.8% holds the 5% threshold
    assert b["bottleneck"] == "yes"  # 92.1-93.9%
    assert c["bottleneck"] == "no"  # 1.6-2.6%
    assert (c["self_share_lo"], c["self_share_hi"]) == pytest.approx(wilson(60, 3000))


def test_module_and_owner_views_carry_intervals(hand_built: Run) -> None:
    modules = _rows(hand_built, "module", "modules_inclusive")
    assert modules["app"]["inclusive_share_lo"] == pytest.approx(wilson(3000, 3000)[0])
    owners = _rows(hand_built, "owner", "owners")  # the project discovered from the samples: app
    assert (owners["app:b"]["share_lo"], owners["app:b"]["share_hi"]) == pytest.approx(
        wilson(2790, 3000)
    )


def test_intervals_in_markdown_and_json(hand_built: Run) -> None:
    doc = analyze(hand_built, AnalyzeOptions(by="function"))
    md = io.StringIO()
    render(doc, OutputFormat.markdown, md)
    row = next(r for r in md.getvalue().splitlines() if r.startswith("| app:a |"))
    assert row == "| app:a | 150 | 5.0% | 4.3% | 5.8% | 150 | 5.0% | 4.3% | 5.8% | uncertain |"
    assert "95% Wilson interval" in md.getvalue()
    out = io.StringIO()
    render(doc, OutputFormat.json, out)
    table = json.loads(out.getvalue())["tables"]["pyspy_functions"]
    first = next(r for r in table["rows"] if r["function"] == "app:a")
    assert first["inclusive_share_lo"] == pytest.approx(0.04276, abs=1e-5)
    assert first["bottleneck"] == "uncertain"


def test_loop_majority_whose_interval_holds_half_is_uncertain() -> None:
    kind = "py-spy line samples in for/while bodies"
    text = f"{kind}: 28/62 own samples on loop lines 32-36 (45%)"
    assert evidence_certainty(text) == (
        f"uncertain: {kind} 28/62, 95% interval 33.4%-57.5% holds 50%"
    )
    assert evidence_certainty(f"{kind}: 42/50 own samples on loop lines 55-58 (84%)") == ""
    native = "py-spy native _decimal/libmpdec frames: 10/14 own samples in _decimal/libmpdec"
    assert evidence_certainty(native + " (71%)").startswith("uncertain: py-spy native")
    assert evidence_certainty("decimal module entry (decimal.Decimal method): x (100%)") == ""
