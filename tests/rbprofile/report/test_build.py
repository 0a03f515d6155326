"""The whole report from fixture runs: every heading, relative links to existing files,
missing data explained, and the same bytes for the same inputs."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from rbprofile.errors import RbprofileError
from rbprofile.report import build
from rbprofile.report.build import SECTION_TITLES
from rbprofile.report.render import to_markdown

LINK = re.compile(r"\]\(([^)]+)\)")


def build_report(*args: object, **kwargs: object) -> str:
    return to_markdown(build.build_report(*args, **kwargs))  # type: ignore[arg-type]


def _headings(text: str) -> list[str]:
    return [line[3:] for line in text.splitlines() if line.startswith("## ")]


def test_report_has_every_section_in_order(make_run, profiles: Path, tmp_path: Path) -> None:
    make_run("baseline")
    make_run("baseline-float", numeric="float")
    text = build_report(["baseline"], profiles_dir=profiles, output_dir=tmp_path / "docs")
    assert text.startswith("# Profiling results: baseline\n")
    assert _headings(text) == list(SECTION_TITLES)
    assert "(recorded 2026-11-20T10:00:00Z to 2026-11-20T10:01:00Z)" in text


def test_links_are_relative_and_point_at_existing_files(make_run, profiles, tmp_path) -> None:
    make_run("baseline")
    make_run("after", numeric="float")
    out = tmp_path / "docs"
    text = build_report(
        ["baseline"], compare=("baseline", "after"), profiles_dir=profiles, output_dir=out
    )
    links = LINK.findall(text)
    assert len(links) >= 15
    for link in links:
        assert not Path(link).is_absolute() and "://" not in link, link
        assert Path(os.path.normpath(out / link)).exists(), link
    names = {Path(link).name for link in links}
    expected = {
        "cprofile.pstats",
        "pyspy.svg",
        "pyspy.speedscope.json",
        "pyspy.collapsed.txt",
        "memory.json",
        "manifest.json",
        "baseline--smoke--memory_timeline.svg",
        "baseline--smoke--modules.svg",
        "diff_smoke.svg",
    }
    assert expected <= names


def test_missing_data_sections_say_why(make_run, profiles, tmp_path) -> None:
    make_run("baseline", profilers=("cprofile",))
    text = build_report(["baseline"], profiles_dir=profiles, output_dir=tmp_path / "docs")
    assert _headings(text) == list(SECTION_TITLES)
    sections = dict(zip(SECTION_TITLES, re.split(r"^## .*$", text, flags=re.M)[1:], strict=True))
    assert (
        "memory skipped for baseline/smoke: not requested (--profiler)"
        in sections["Memory Profiling Results"]
    )
    assert "no scenario ran in both numeric modes" in sections["Decimal overhead vs float baseline"]
    assert "pass `--compare BEFORE AFTER`" in sections["Comparison"]
    assert "needs both profilers; pyspy skipped" in sections["CPU Profiling Results"]


def test_same_inputs_give_identical_report_and_charts(make_run, profiles, tmp_path) -> None:
    make_run("baseline")
    first = build_report(["baseline"], profiles_dir=profiles, output_dir=tmp_path / "docs")
    drawn = tmp_path / "docs" / "charts"
    charts = {p.name: p.read_bytes() for p in drawn.glob("*.svg")}
    assert len(charts) == 2
    second = build_report(["baseline"], profiles_dir=profiles, output_dir=tmp_path / "docs")
    assert first == second
    assert charts == {p.name: p.read_bytes() for p in drawn.glob("*.svg")}


def test_unknown_label_names_what_exists(make_run, profiles, tmp_path) -> None:
    make_run("baseline")
    with pytest.raises(RbprofileError, match=r"no runs for label 'nope'.*labels there: baseline"):
        build_report(["nope"], profiles_dir=profiles, output_dir=tmp_path)
