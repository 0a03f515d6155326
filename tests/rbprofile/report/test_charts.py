"""Charts are valid SVG, byte-identical for the same data, and written atomically."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from rbprofile.report import charts
from rbprofile.rundir.memory import Memory

SVG = "{http://www.w3.org/2000/svg}"
MEMORY = Memory(
    interval_s=0.1,
    samples=((0.0, 50.0), (0.1, 80.0), (0.2, 120.5), (0.3, 90.0)),
    baseline_mib=50.0,
    peak_mib=120.5,
    mean_mib=85.1,
)


def _texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def test_memory_timeline_is_svg_with_peak_and_baseline(tmp_path: Path) -> None:
    path = charts.memory_timeline(MEMORY, "Memory over time: b/smoke", tmp_path / "m.svg")
    texts = _texts(path)
    assert "Memory over time: b/smoke" in texts
    assert "peak 120.5 MiB" in texts
    assert "baseline 50.0 MiB" in texts


def test_module_bars_label_every_module_with_its_share(tmp_path: Path) -> None:
    path = charts.module_bars(
        [("rustybt.finance", 60.0), ("decimal", 40.0)], "Modules", tmp_path / "b.svg"
    )
    texts = _texts(path)
    assert {"rustybt.finance", "decimal", "60.0%", "40.0%", "Modules"} <= set(texts)


def test_charts_are_deterministic_and_carry_no_date(tmp_path: Path) -> None:
    first = charts.memory_timeline(MEMORY, "t", tmp_path / "a.svg").read_bytes()
    second = charts.memory_timeline(MEMORY, "t", tmp_path / "b.svg").read_bytes()
    assert first == second
    assert b"<dc:date>" not in first


def test_an_identical_chart_is_left_untouched(tmp_path: Path) -> None:
    target = charts.memory_timeline(MEMORY, "t", tmp_path / "charts" / "x.svg")
    mtime = target.stat().st_mtime_ns
    charts.memory_timeline(MEMORY, "t", target)
    assert target.stat().st_mtime_ns == mtime
    assert [p.name for p in target.parent.iterdir()] == ["x.svg"]  # no temp file left
