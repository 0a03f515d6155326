"""The report's Scaling section: exponents with intervals, the projection, a log-log chart
beside the report; a missing input is said, as other sections do."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "scaling"))

from stored_tables import write_stored

from rbprofile.report import scaling
from rbprofile.report.render import section_markdown as md


def test_scaling_section_names_exponents_projection_and_chart(
    make_run, context, profiles: Path, tmp_path: Path
) -> None:
    make_run("baseline")
    directory = write_stored(profiles / "baseline", at={"assets": 400.0, "sessions": 1000.0})
    before = sorted(p.name for p in directory.rglob("*"))
    sections = scaling.section(context("baseline"))
    assert [s.title for s in sections] == ["Scaling", "baseline/scaling-daily"]
    text = md(sections[1])
    # shares at assets=100, sessions=500: quad 5 s, lin 5 s, const 0.05 s
    # exact power laws: zero-width intervals at the planted exponents (assets, then sessions)
    assert (
        "| m:quad | True | 49.8% | 49.8% |  | 2.00 \\[2.00, 2.00\\] | 1.00 \\[1.00, 1.00\\] | "
        "1.00 \\[1.00, 1.00\\] | 1.00 \\[1.00, 1.00\\] | 2.00 \\[2.00, 2.00\\] | "
        "1.00 \\[1.00, 1.00\\] |" in text
    )
    const = "| m:const | False | 0.5% | 0.5% |  | 0.00 \\[0.00, 0.00\\] | 0.00 \\[0.00, 0.00\\] |"
    assert const in text
    assert "**Projection to assets=400, sessions=1000**" in text
    assert "| m:quad | self_s | 160 | 160 | 160 | 80.0% |" in text
    chart = tmp_path / "docs" / "charts" / "baseline--scaling-daily--scaling.svg"
    assert "![scaling baseline/daily](charts/baseline--scaling-daily--scaling.svg)" in text
    svg = chart.read_text()
    # one legend per panel with that variable's fitted exponents
    assert "function (exponent in assets)" in svg and "function (exponent in sessions)" in svg
    assert "m:quad (2.00)" in svg and "m:quad (1.00)" in svg and "m:const (0.00)" in svg
    assert svg.count('<g id="axes_') == 2  # one log-log panel per size variable
    assert sorted(p.name for p in directory.rglob("*")) == before  # nothing drawn into the data


def test_scaling_section_without_results_says_how_to_record_them(make_run, context) -> None:
    make_run("baseline")
    (section,) = scaling.section(context("baseline"))
    assert md(section) == (
        "## Scaling\n\n_Not available: no scaling results under baseline; record one with "
        "`rbprofile scale daily --assets 25,50,100 --sessions 250,500 --label baseline`_\n"
    )


def test_an_unreadable_scaling_result_is_named_with_its_error(
    make_run, context, profiles: Path
) -> None:
    make_run("baseline")
    directory = write_stored(profiles / "baseline")
    (directory / "fits.parquet").write_bytes(b"not parquet")
    sections = scaling.section(context("baseline"))
    assert sections[1].title == "baseline/scaling-daily"
    assert md(sections[1]).startswith(
        f"### baseline/scaling-daily\n\n_Not available: {directory} is not a usable scaling "
        "result (fits.parquet: "
    )
