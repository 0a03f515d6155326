"""Output for real terminals and streams: width from $COLUMNS or the terminal, names that stay
whole in narrow terminals, non-ASCII names on an ASCII stdout, NaN as valid JSON."""

from __future__ import annotations

import fcntl
import io
import json
import marshal
import math
import os
import struct
import subprocess
import sys
import termios
from io import StringIO
from pathlib import Path

import polars as pl
import pytest

from rbprofile.render import Document, OutputFormat, Table, render
from rbprofile.render.rich_table import DEFAULT_WIDTH, abbreviate, output_width, shortest

NAME = "rustybt.finance.execution:SlippageModel.process_order"
FRAME = pl.DataFrame(
    {
        "function": [NAME, "app:tiny"],
        "ncalls": [123456, 7],
        "self_s": [1.2345, 0.0001],
        "cum_s": [2.5, 0.0002],
        "self_share": [0.61, 0.0],
        "cum_share": [0.95, 0.01],
    }
)
DOC = Document("Demo", (Table("main", "Hot", FRAME, formats={"self_share": "{:.1%}"}),))


def _table(width: int, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COLUMNS", str(width))
    out = StringIO()
    render(DOC, OutputFormat.table, out)
    return out.getvalue()


def test_columns_wins_and_a_pipe_gets_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    assert output_width(StringIO()) == 40
    monkeypatch.delenv("COLUMNS")
    read, write = os.pipe()
    with os.fdopen(read) as r, os.fdopen(write, "w") as w:
        assert output_width(w) == DEFAULT_WIDTH
        del r


def test_a_real_terminal_gives_its_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    leader, follower = os.openpty()
    try:
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 40, 0, 0))
        with os.fdopen(follower, "w", closefd=False) as tty:
            assert output_width(tty) == 40
    finally:
        os.close(leader)
        os.close(follower)


def test_wide_terminal_draws_a_table_with_whole_names(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _table(120, monkeypatch)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 120
    assert any(f"│ {NAME} │" in line for line in lines)  # one cell, not folded
    assert "61.0%" in text


@pytest.mark.parametrize("width", [30, 40, 60])
def test_narrow_terminal_shows_records_with_whole_names(
    monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    lines = _table(width, monkeypatch).splitlines()
    assert max(len(line) for line in lines) <= width
    if len(NAME) <= width:
        assert NAME in lines  # the name on a line of its own, whole
    else:  # longer than the screen: abbreviated from the left, the qualname whole
        assert "…" + NAME[len(NAME) - width + 1 :] in lines
    record = lines[lines.index("app:tiny") + 1 :]
    assert "ncalls: 7" in " ".join(record) and "self share: 0.0%" in " ".join(record)


# keys as long as zipline's and pandas': at 80 columns they cannot all be shown whole
LONG_KEYS = (
    "rustybt.data.polars.marketdata.portal:PolarsDataPortal.history",
    "zipline.finance.metrics.tracker:MetricsTracker.handle_market_close",
    "pandas.core.arrays.datetimes:DatetimeArray._add_offset",
    "builtins:len",
    "(other 165 functions)",
)
LONG = pl.DataFrame(
    {
        "function": LONG_KEYS,
        "ncalls": [22269, 35386, 120, 9, 0],
        "self_s": [1.2345, 0.5, 0.25, 0.1, 0.01],
        "cum_s": [2.5, 1.25, 0.3, 0.1, 0.01],
        "self_share": [0.3, 0.2, 0.1, 0.01, 0.001],
    }
)


def _rows(width: int, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The first cell of every table row drawn at `width` (a drawn table, not records)."""
    monkeypatch.setenv("COLUMNS", str(width))
    out = StringIO()
    render(Document("Long", (Table("t", "Hot", LONG),)), OutputFormat.table, out)
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) <= width
    assert any(line.startswith("┃ function") for line in lines)  # a table, not records
    return [line.split("│")[1].strip() for line in lines if line.startswith("│")]


@pytest.mark.parametrize("width", [80, 200])
def test_long_names_are_never_broken_and_keep_their_qualname(
    monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    cells = _rows(width, monkeypatch)
    assert len(cells) == len(LONG_KEYS)  # one line per row: no name wraps
    for cell, key in zip(cells, LONG_KEYS, strict=True):
        if cell != key:  # abbreviated from the left: the end of the key, the qualname whole
            assert cell.startswith("…") and key.endswith(cell[1:])
            assert ":" in cell and cell.split(":")[1] == key.split(":")[1]
    if width == 200:
        assert cells == list(LONG_KEYS)  # room for every name: nothing cut


def test_at_80_columns_long_keys_are_abbreviated_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    # numbers: ncalls 6 (header), self s 5 (1.234), cum s 4 (1.25), self share 5 (0.001); the
    # borders 3 * 5 + 1: the name column gets 80 - 20 - 16 = 44 characters
    assert _rows(80, monkeypatch) == [
        "….marketdata.portal:PolarsDataPortal.history",
        "….tracker:MetricsTracker.handle_market_close",
        "….arrays.datetimes:DatetimeArray._add_offset",
        "builtins:len",
        "(other 165 functions)",
    ]


@pytest.mark.parametrize(
    ("name", "least", "cut"),
    [
        ("a.b.c:f", 7, "a.b.c:f"),  # short: never cut
        (NAME, 29, "…:SlippageModel.process_order"),  # the qualname whole
        ("zipline.very.long.module.path.here:f", 24, "…long.module.path.here:f"),  # MIN_NAME
        ("rustybt.finance.decimal.ledger", 24, "….finance.decimal.ledger"),  # a module
        ("(other 165 owners)", 18, "(other 165 owners)"),  # a pseudo-row is never cut
    ],
)
def test_shortest_and_abbreviate(name: str, least: int, cut: str) -> None:
    assert shortest(name) == least
    assert abbreviate(name, least) == cut
    assert len(cut) == least
    dots = name if len(name) <= least else "..." + name[len(name) - least + 3 :]
    assert abbreviate(name, least, "...") == dots and len(dots) == least


def test_an_ascii_stream_marks_the_cut_with_dots(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii", errors="strict")
    render(Document("Long", (Table("t", "Hot", LONG),)), OutputFormat.table, out)
    out.flush()
    text = raw.getvalue().decode("ascii")
    assert "| ...racker:MetricsTracker.handle_market_close |" in text
    assert len({len(line) for line in text.splitlines() if line.startswith("|")}) == 1


def test_records_are_headed_by_the_longest_name_column(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = pl.DataFrame(
        {"scenario": ["daily"], "function": [NAME], "status": ["improved"], "n": [3]}
    )
    monkeypatch.setenv("COLUMNS", "30")
    out = StringIO()
    render(Document("D", (Table("t", "T", frame),)), OutputFormat.table, out)
    lines = out.getvalue().splitlines()
    assert lines[2] == "…n:SlippageModel.process_order"  # the last 29 characters
    assert lines[3:] == ["    scenario: daily", "    status: improved  n: 3"]


def test_brackets_in_names_are_text_not_markup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    frame = pl.DataFrame({"function": ["app:f[int]", "[bold]x"], "n": [1, 2]})
    out = StringIO()
    render(Document("[t]", (Table("t", "[title]", frame),)), OutputFormat.table, out)
    text = out.getvalue()
    assert "app:f[int]" in text and "[bold]x" in text and "[title]" in text


def test_nan_is_null_in_json_with_the_reason_and_na_in_text() -> None:
    frame = pl.DataFrame({"function": ["a", "b"], "ratio": [1.5, math.nan]})
    doc = Document("NaN", (Table("t", "Ratios", frame),))
    out = StringIO()
    render(doc, OutputFormat.json, out)
    parsed = json.loads(out.getvalue())  # strict: NaN is not JSON
    table = parsed["tables"]["t"]
    assert [r["ratio"] for r in table["rows"]] == [1.5, None]
    assert table["notes"] == [
        "null in ratio: not a finite number (NaN or infinite: a ratio over zero or a value "
        "that could not be computed)."
    ]
    out = StringIO()
    render(doc, OutputFormat.markdown, out)
    assert "| b | n/a |" in out.getvalue()


# -- non-ASCII names on an ASCII stdout, through the real console script ----------------------

UNICODE_FUNC = "función_λ"


def _unicode_pstats(path: Path) -> Path:
    f = ("/src/módulo.py", 1, UNICODE_FUNC)
    g = ("/src/módulo.py", 5, "g")
    stats = {f: (1, 1, 0.5, 0.5, {}), g: (2, 2, 0.1, 0.6, {f: (2, 2, 0.1, 0.6)})}
    path.write_bytes(marshal.dumps(stats))
    return path


def _ascii_run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[bytes]:
    env = {
        **os.environ,
        "PYTHONIOENCODING": "ascii",
        "RBPROFILE_HOME": str(tmp_path / "home"),
        "COLUMNS": "120",
    }
    return subprocess.run(
        [sys.executable, "-m", "rbprofile", *args], env=env, capture_output=True, timeout=120
    )


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "json"])
def test_ascii_stdout_escapes_non_ascii_names(tmp_path: Path, fmt: str) -> None:
    pstats = _unicode_pstats(tmp_path / "uni.pstats")
    only = ["--table", "top_cumulative"] if fmt == "csv" else []
    done = _ascii_run(["analyze", str(pstats), "--format", fmt, *only], tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr == b""
    text = done.stdout.decode("ascii")  # every byte is ASCII
    if fmt == "json":
        assert UNICODE_FUNC in json.dumps(json.loads(text), ensure_ascii=False)
    else:
        assert "funci\\xf3n_\\u03bb" in text
    if fmt == "table":  # escaped before layout: the rows' right borders line up
        rows = [line for line in text.splitlines() if line.startswith("|")]
        assert len({len(line) for line in rows}) == 1


def test_ascii_stdout_report_markdown(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    run = profiles / "baseline" / "smoke"
    run.mkdir(parents=True)
    _unicode_pstats(run / "cprofile.pstats")
    manifest = {"schema_version": 2, "label": "baseline", "scenario": "smoke"}
    (run / "manifest.json").write_text(json.dumps(manifest))
    args = ["report", "baseline", "--profiles-dir", str(profiles)]
    done = _ascii_run([*args, "--output-dir", str(tmp_path / "docs")], tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert "funci\\xf3n_\\u03bb" in done.stdout.decode("ascii")
